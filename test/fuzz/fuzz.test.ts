// Property-based fuzzing of the whole CLI (fast-check): arbitrary text, arbitrary YAML
// documents, compose-shaped documents with a wrong type put anywhere, and random links. Every
// case goes through `render` in a fresh directory and the checks of support.ts.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { counts, fuzzOptions, LONG, renderChecked } from './support.js';

const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '<<', ''];

/** Text that looks like YAML more often than random characters do. */
const yamlish = fc.string({
  unit: fc.constantFrom(...'ab01 :-\n\t#&*!|>\'"%@`{}[],?$<=~.\\', 'services', 'links', 'image', '${X}', '${X:-', '<<: *a', '&a ', 'x-wireguard', '__proto__'),
  maxLength: 300,
});

/**
 * Long-syntax lists (issue 14): their items are mappings, which the schema's uniqueItems
 * compares; the loader's mappings have no prototype. Each list's items are distinct, as the
 * schema wants, and mix with the short syntax.
 */
const longLists = fc.record(
  {
    ports: fc.uniqueArray(fc.integer({ min: 1, max: 50000 }), { maxLength: 3 }).chain((ts) =>
      fc.tuple(...ts.map((t) => fc.constantFrom<unknown>({ target: t }, { target: t, published: String(t + 10000) }, { target: t, protocol: 'udp', mode: 'host' }, `${t + 10000}:${t}`))),
    ),
    volumes: fc.uniqueArray(fc.stringMatching(/^[a-z]{1,4}$/), { maxLength: 3 }).chain((vs) =>
      fc.tuple(...vs.map((v) => fc.constantFrom<unknown>({ type: 'volume', source: `v${v}`, target: `/v/${v}` }, { type: 'tmpfs', target: `/t/${v}` }, { type: 'bind', source: '.', target: `/b/${v}`, read_only: true }, `v${v}:/s/${v}`))),
    ),
    secrets: fc.constantFrom<unknown[]>([{ source: 's1', target: '/run/s1', mode: 0o440 }, { source: 's2' }], [{ source: 's1' }], ['s2', { source: 's1', target: 'one' }]),
    configs: fc.constantFrom<unknown[]>([{ source: 'c1', target: '/etc/c1' }, { source: 'c2' }], ['c1']),
    depends_on: fc.constant('long'),
  },
  { requiredKeys: [] },
);

/** A compose file that is valid, to start from. */
const validCompose = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,5}$/), { minLength: 1, maxLength: 6 })
  .chain((names) =>
    fc.record({
      names: fc.constant(names),
      links: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.option(fc.stringMatching(/^[a-z]{1,4}$/))), { maxLength: 8 }),
      wg: fc.option(fc.record({ pool: fc.constantFrom('10.1.0.0/24', '10.9.0.0/30', 'fd00::/120'), port: fc.integer({ min: 1024, max: 65535 }) }), { nil: undefined }),
      long: fc.array(longLists, { minLength: names.length, maxLength: names.length }),
    }),
  )
  .map(({ names, links, wg, long }) => {
    const services: Record<string, Record<string, unknown>> = {};
    const top: Record<string, Record<string, unknown>> = { volumes: {}, secrets: {}, configs: {} };
    names.forEach((n, i) => {
      const svc: Record<string, unknown> = { image: `img/${n}`, environment: { A: '${APP}' }, ports: ['80'] };
      const { depends_on, ...lists } = long[i]!;
      Object.assign(svc, lists);
      // Forward only, like links below, so no cycle; the long form, as the merge makes it.
      if (depends_on && i + 1 < names.length) svc['depends_on'] = { [names[i + 1]!]: { condition: 'service_started', required: true } };
      for (const v of (lists.volumes ?? []) as unknown[]) {
        const source = typeof v === 'string' ? v.split(':')[0]! : (v as { type: string; source?: string }).type === 'volume' ? (v as { source: string }).source : undefined;
        if (source) top['volumes']![source] = {};
      }
      // The compose file itself is a file that exists, for secrets and configs to point at.
      for (const s of ['s1', 's2']) if (lists.secrets) top['secrets']![s] = { file: './compose.yaml' };
      for (const c of ['c1', 'c2']) if (lists.configs) top['configs']![c] = { file: './compose.yaml' };
      services[n] = svc;
    });
    for (const [a, b, alias] of links) {
      // Forward only: a link starts its target first, so backward links would make cycles.
      const i = a % names.length;
      const j = i + 1 + (b % Math.max(1, names.length - i - 1));
      if (j >= names.length) continue;
      const svc = services[names[i]!]!;
      const list = (svc['links'] as string[] | undefined) ?? [];
      const text = alias ? `${names[j]}:${alias}` : names[j]!;
      // One link per target and per name: `z` beside `z:z`, or `a:c` beside `b:c`, is an
      // error of its own (WGC042).
      const taken = list.flatMap((l) => l.split(':'));
      if (!taken.includes(names[j]!) && !(alias && taken.includes(alias))) list.push(text);
      svc['links'] = list;
    }
    const doc: Record<string, unknown> = { services };
    for (const [k, v] of Object.entries(top)) if (Object.keys(v).length > 0) doc[k] = v;
    if (wg) doc['x-wireguard'] = { pool: wg.pool, port: wg.port };
    return doc;
  });

/** Every path into a JSON value, so a mutation can reach any level. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) out.push(...paths((v as Record<string, unknown>)[k], [...prefix, k]));
  return out;
}

function setAt(v: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(v)) return v.map((x, i) => (i === head ? setAt(x, rest, value) : x));
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(v as object)) copy[k] = k === head ? setAt((v as Record<string, unknown>)[k], rest, value) : (v as Record<string, unknown>)[k];
  return copy;
}

/** A value of any type (usually the wrong one), keys that are traps included. */
const wrong = fc.oneof(
  fc.constantFrom(null, 0, -1, 1.5, true, '', 'x', '10.0.0.0/33', '${', [], {}, [null], { __proto__: 1 }, ['a:b:c'], 65536, '1e999'),
  fc.anything({ maxDepth: 2, maxKeys: 3, key: fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom(...DANGEROUS_KEYS)) }),
);

test('fuzz: arbitrary text as a compose file', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(yamlish, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 })), async (text) => {
      await renderChecked('arbitrary text', { 'compose.yaml': text });
    }),
    fuzzOptions(60),
  );
});

test('fuzz: arbitrary YAML documents (fc.anything, dangerous keys included)', async () => {
  const doc = fc.anything({ maxDepth: 4, maxKeys: 5, withNullPrototype: true, key: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(...DANGEROUS_KEYS, 'services', 'links', 'x-wireguard')) });
  await fc.assert(
    fc.asyncProperty(fc.oneof(doc, doc.map((d) => ({ services: d }))), async (d) => {
      let text: string;
      try {
        text = stringify(d) ?? ''; // undefined: an empty file
      } catch {
        return; // not representable as YAML (a symbol, say): nothing to test
      }
      await renderChecked('arbitrary YAML', { 'compose.yaml': text });
    }),
    fuzzOptions(60),
  );
});

test('fuzz: valid compose documents, long-syntax lists included, render', async () => {
  await fc.assert(
    fc.asyncProperty(validCompose, async (doc) => {
      // Without its x-wireguard block, whose pools may be too small or of the wrong family.
      const { 'x-wireguard': _, ...valid } = doc;
      assert.is(await renderChecked('valid', { 'compose.yaml': stringify(valid) }), 0);
    }),
    fuzzOptions(40),
  );
});

/** Lines an override may carry for one service, the spec's merge tags included (issue 14). */
const overrideLine = fc.constantFrom(
  'ports: !reset []',
  'ports: !override ["8080:80"]',
  'environment: !reset {}',
  'environment: !override {B: "1"}',
  'environment: {A: !reset null}',
  'links: !reset []',
  'depends_on: !reset {}',
  'volumes: !override []',
  'build: ./app',
  'build: {args: {X: "1"}}',
  'env_file: a.env',
  'dns: 1.1.1.1',
  'logging: {driver: syslog, options: {tag: x}}',
  'deploy: {replicas: 2}',
  'image: !reset null',
);

let rendered = 0;
test('fuzz: several -f files merged, with !reset and !override, never crash', async () => {
  await fc.assert(
    fc.asyncProperty(
      validCompose,
      validCompose,
      fc.array(fc.tuple(fc.nat(), fc.uniqueArray(overrideLine, { minLength: 1, maxLength: 4 })), { maxLength: 4 }),
      async (base, second, tagged) => {
        const names = Object.keys(base['services'] as object);
        const services = new Map<string, string[]>();
        for (const [i, lines] of tagged) services.set(names[i % names.length]!, lines);
        const third = `services:\n${[...services].map(([n, lines]) => `  ${n}:\n${lines.map((l) => `    ${l}\n`).join('')}`).join('')}`;
        const files = { 'compose.yaml': stringify(base), 'second.yaml': stringify(second), 'third.yaml': services.size > 0 ? third : 'services: {}\n', 'a.env': 'E=1\n' };
        const code = await renderChecked('merged files', files, ['render', '-p', 'fuzz', '-f', 'compose.yaml', '-f', 'second.yaml', '-f', 'third.yaml']);
        // Counted, so the case counts show the merges are not all refused before they render.
        if (code === 0) rendered++;
      },
    ),
    fuzzOptions(30),
  );
});

test('fuzz: compose documents with a wrong type at any level', async () => {
  await fc.assert(
    fc.asyncProperty(
      validCompose.chain((doc) => fc.tuple(fc.constant(doc), fc.constantFrom(...paths(doc)), wrong)),
      async ([doc, path, value]) => {
        await renderChecked('wrong types', { 'compose.yaml': stringify(setAt(doc, path, value)) ?? '' });
      },
    ),
    fuzzOptions(80),
  );
});

test('fuzz: random links, aliases and names (missing targets, self links, cycles, traps)', async () => {
  const name = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9]{0,3}$/), fc.constantFrom(...DANGEROUS_KEYS.filter((k) => k !== ''), '..', 'a.b', 'UP', 'x-wg'));
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(name, { minLength: 1, maxLength: 6 }).chain((names) =>
        fc.tuple(fc.constant(names), fc.array(fc.tuple(fc.constantFrom(...names), fc.oneof(fc.constantFrom(...names), name), fc.option(name)), { maxLength: 10 })),
      ),
      async ([names, links]) => {
        const services: Record<string, unknown> = Object.create(null);
        for (const n of names) services[n] = { image: 'x' };
        for (const [from, to, alias] of links) {
          const s = services[from] as Record<string, unknown>;
          s['links'] = [...((s['links'] as string[] | undefined) ?? []), alias ? `${to}:${alias}` : to];
        }
        const code = await renderChecked('random links', { 'compose.yaml': stringify({ services }) });
        assert.ok(code === 0 || code === 1);
      },
    ),
    fuzzOptions(80),
  );
});

/** Strings drawn from every Unicode line break and the controls YAML readers trip on. */
const breaks = fc.string({ unit: fc.constantFrom('a', ' ', ':', '-', '#', '\n', '\u2028', '\u2029', '\u0085', '\r', '\t', '\u0000', '\u001b', '\u000b', '\ufeff', '\u00a0'), maxLength: 24 });
/** Files that are not regular files, or never end, or cannot be read. */
const SPECIAL_FILES = ['/dev/zero', '/dev/urandom', '/dev/null', '/dev/full', '/proc/self/status', '/proc/self/mem', '/', '.'];

test('fuzz: devices and special files wherever a file is named; every line break and control in strings', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('env_file', 'extends', 'secret', 'none'), fc.constantFrom(...SPECIAL_FILES), breaks, breaks, async (where, file, label, key) => {
      const api: Record<string, unknown> = { image: 'api', links: ['db'], labels: { l: label }, environment: { [`K${key}`]: label } };
      const model: Record<string, unknown> = { services: { api, db: { image: 'db' } } };
      if (where === 'env_file') api['env_file'] = [file];
      if (where === 'extends') (model['services'] as Record<string, unknown>)['x'] = { extends: { file, service: 'x' } };
      if (where === 'secret') {
        model['secrets'] = { s: { file } };
        api['secrets'] = ['s'];
      }
      // Written as JSON with every non-ASCII character escaped: the yaml library's own text of
      // " \n" does not read back (the reason the renderer escapes such strings itself).
      const text = JSON.stringify(model).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      await renderChecked('devices and line breaks', { 'compose.yaml': text }, undefined, (stack) => {
        // What rendered means what was written: the label comes back exactly.
        const s = stack as { services: Record<string, { labels?: Record<string, unknown> }> };
        assert.is(s.services['api']?.labels?.['l'], label);
      });
    }),
    fuzzOptions(40),
  );
});

test('fuzz: case counts', () => {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  process.stderr.write(`\n  fuzz${LONG ? ' (long)' : ''}: ${[...counts].map(([k, v]) => `${k} ${v}`).join(', ')}; ${total} cases (merged files rendered: ${rendered})\n`);
  assert.ok(total > 0);
});

test.run();
