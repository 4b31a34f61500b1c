import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { itemLoc, keyLoc, selfLoc, valueLoc } from '../../src/load/located.js';
import { LIMITS, parseYaml } from '../../src/load/parse.js';
import { at, codes, get, plain, yaml } from './support.js';

const F = '/p/compose.yaml';

// --- values and positions ----------------------------------------------------------------------

test('every key, value and sequence item keeps its 1-based line and column', () => {
  const doc = yaml(
    F,
    `services:
  web:
    image: nginx
    ports:
      - "80:80"
      - 443
`,
  );
  assert.equal(plain(doc), { services: { web: { image: 'nginx', ports: ['80:80', 443] } } });
  assert.equal(selfLoc(doc), at(F, 1, 1));
  assert.equal(keyLoc(doc, 'services'), at(F, 1, 1));
  assert.equal(valueLoc(doc, 'services'), at(F, 2, 3));
  const services = get(doc, 'services');
  assert.equal(keyLoc(services, 'web'), at(F, 2, 3));
  assert.equal(valueLoc(services, 'web'), at(F, 3, 5));
  const web = get(services, 'web');
  assert.equal(keyLoc(web, 'image'), at(F, 3, 5));
  assert.equal(valueLoc(web, 'image'), at(F, 3, 12));
  assert.equal(keyLoc(web, 'ports'), at(F, 4, 5));
  const ports = get(web, 'ports');
  assert.equal(selfLoc(ports), at(F, 5, 7));
  assert.equal(itemLoc(ports, 0), at(F, 5, 9));
  assert.equal(itemLoc(ports, 1), at(F, 6, 9));
});

test('flow collections have positions too', () => {
  const doc = yaml(F, 'a: {b: [x, y]}\n');
  const a = get(doc, 'a');
  assert.equal(selfLoc(a), at(F, 1, 4));
  assert.equal(valueLoc(a, 'b'), at(F, 1, 8));
  assert.equal(itemLoc(get(a, 'b'), 1), at(F, 1, 12));
});

test('a key without a value is null; its value position is just past the colon', () => {
  const doc = yaml(F, 'services:\n  web:\n');
  assert.equal(plain(doc), { services: { web: null } });
  assert.equal(keyLoc(get(doc, 'services'), 'web'), at(F, 2, 3));
  assert.equal(valueLoc(get(doc, 'services'), 'web'), at(F, 2, 7));
});

test('scalars follow the YAML 1.2 core schema, as go-yaml v3 does for untyped values', () => {
  const doc = yaml(F, 'a: yes\nb: on\nc: true\nd: ~\ne: 0x10\nf: 1e3\ng: "5"\nh: 2001-01-01\ni: -7\nj: .inf\nk: null\n');
  assert.equal(plain(doc), { a: 'yes', b: 'on', c: true, d: null, e: 16, f: 1000, g: '5', h: '2001-01-01', i: -7, j: 'Infinity', k: null });
});

test('a plain 0440 is octal, as go-yaml reads file modes; quoted or 0o-less decimals are not', () => {
  assert.equal(plain(yaml(F, 'a: 0440\nb: "0440"\nc: 440\nd: 0o17\ne: 08\n')), { a: 288, b: '0440', c: 440, d: 15, e: 8 });
});

test('non-string scalar keys become their string form', () => {
  const doc = yaml(F, '80: a\ntrue: b\n');
  assert.equal(plain(doc), { '80': 'a', true: 'b' });
});

test('an empty document is null, without diagnostics', () => {
  assert.equal(parseYaml(F, ''), { file: F, value: null, diagnostics: [] });
  assert.equal(parseYaml(F, '# only a comment\n'), { file: F, value: null, diagnostics: [] });
});

// --- anchors, aliases and merge keys -------------------------------------------------------------

test('an alias copies the anchored value; the copies are distinct objects', () => {
  const doc = yaml(F, 'x-env: &env {A: "1"}\nservices:\n  a: {environment: *env}\n  b: {environment: *env}\n');
  const ea = get(doc, 'services', 'a', 'environment');
  const eb = get(doc, 'services', 'b', 'environment');
  assert.equal(plain(ea), { A: '1' });
  assert.equal(plain(eb), { A: '1' });
  // Interpolation mutates values in place: one service's copy must not leak into the other.
  assert.is.not(ea, eb);
  assert.is.not(ea, get(doc, 'x-env'));
  // The aliased content still points at the anchor's definition.
  assert.equal(valueLoc(ea, 'A'), at(F, 1, 17));
});

test('merge key: explicit keys win over merged ones, before or after the <<', () => {
  const doc = yaml(
    F,
    `base: &base {image: a, restart: always, tty: true}
before:
  image: b
  <<: *base
after:
  <<: *base
  image: c
`,
  );
  assert.equal(plain(get(doc, 'before')), { image: 'b', restart: 'always', tty: true });
  assert.equal(plain(get(doc, 'after')), { image: 'c', restart: 'always', tty: true });
  // The explicit key keeps its own position; merged keys point where they were defined.
  assert.equal(keyLoc(get(doc, 'after'), 'image'), at(F, 7, 3));
  assert.equal(keyLoc(get(doc, 'after'), 'restart'), at(F, 1, 24));
  assert.equal(valueLoc(get(doc, 'after'), 'restart'), at(F, 1, 33));
});

test('merge key with a list: an earlier mapping wins over a later one', () => {
  const doc = yaml(
    F,
    `one: &one {a: 1, b: 1}
two: &two {b: 2, c: 2}
svc:
  <<: [*one, *two]
  c: 3
`,
  );
  assert.equal(plain(get(doc, 'svc')), { c: 3, a: 1, b: 1 });
  assert.equal(keyLoc(get(doc, 'svc'), 'b'), at(F, 1, 18));
});

test('merge key with an inline mapping, and nested merges', () => {
  const doc = yaml(
    F,
    `a: &a {x: 1}
b: &b {<<: *a, y: 2}
c:
  <<: *b
  <<<: literal
d: {<<: {z: 3}}
`,
  );
  assert.equal(plain(get(doc, 'c')), { '<<<': 'literal', x: 1, y: 2 });
  assert.equal(plain(get(doc, 'd')), { z: 3 });
});

test('a quoted "<<" is an ordinary key, not a merge', () => {
  const doc = yaml(F, 'a: &a {x: 1}\nb:\n  "<<": *a\n');
  assert.equal(plain(get(doc, 'b')), { '<<': { x: 1 } });
});

test('merging a non-mapping is WGC002 at the offending value', () => {
  const r = parseYaml(F, 'a: &a [1, 2]\nb:\n  <<: *a\n');
  assert.equal(codes(r.diagnostics), ['WGC002@3:7']);
  const r2 = parseYaml(F, 'a: &a {x: 1}\nb:\n  <<: [*a, 5]\n');
  assert.equal(codes(r2.diagnostics), ['WGC002@3:12']);
});

// --- hostile input -------------------------------------------------------------------------------

test(`nesting up to ${LIMITS.depth} levels is accepted, one more is WGC003 at 1:1`, () => {
  const nest = (n: number) => `a: ${'['.repeat(n)}${']'.repeat(n)}\n`;
  const ok = parseYaml(F, nest(LIMITS.depth));
  assert.equal(ok.diagnostics, []);
  let v = get(ok.value as never, 'a');
  for (let i = 1; i < LIMITS.depth; i++) v = get(v, 0);
  assert.equal(v, []);

  const deep = parseYaml(F, nest(LIMITS.depth + 1));
  assert.is(deep.value, null);
  assert.equal(codes(deep.diagnostics), ['WGC003@1:1']);
  assert.ok(deep.diagnostics[0]!.message.includes(`deeper than ${LIMITS.depth}`));
});

test('deep block nesting is WGC003 too', () => {
  let text = '';
  for (let i = 0; i < LIMITS.depth + 10; i++) text += `${' '.repeat(i)}k:\n`;
  const r = parseYaml(F, text);
  assert.is(r.value, null);
  assert.equal(codes(r.diagnostics), ['WGC003@1:1']);
});

test('nesting too deep for the YAML parser itself is WGC003, not a stack overflow', () => {
  const r = parseYaml(F, `${'- '.repeat(5000)}x\n`);
  assert.is(r.value, null);
  assert.equal(codes(r.diagnostics), ['WGC003@1:1']);
});

test('an alias bomb is WGC003 instead of exhausting memory', () => {
  // Nine levels of ten aliases each: a billion strings if expanded.
  let text = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) {
    text += `${names[i]}: &${names[i]} [${Array(10).fill(`*${names[i - 1]}`).join(', ')}]\n`;
  }
  const r = parseYaml(F, text);
  assert.is(r.value, null);
  assert.equal(codes(r.diagnostics), ['WGC003@1:1']);
  assert.ok(r.diagnostics[0]!.message.includes('alias'));
});

test('a small fan-out of aliases is fine', () => {
  const doc = yaml(F, 'a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n');
  assert.equal(plain(get(doc, 'c')), [
    [['x', 'x'], ['x', 'x']],
    [['x', 'x'], ['x', 'x']],
  ]);
});

test('__proto__ and constructor keys are plain data and pollute nothing', () => {
  const doc = yaml(F, '__proto__: {polluted: true}\nconstructor: {prototype: {polluted: true}}\nservices: {}\n');
  assert.ok(Object.hasOwn(doc, '__proto__'));
  assert.ok(Object.hasOwn(doc, 'constructor'));
  assert.equal(Object.keys(doc), ['__proto__', 'constructor', 'services']);
  assert.equal(plain(doc['__proto__']), { polluted: true });
  assert.is(Object.getPrototypeOf(doc), null);
  assert.is(({} as Record<string, unknown>)['polluted'], undefined);
  assert.is((Object.prototype as Record<string, unknown>)['polluted'], undefined);
  assert.equal(keyLoc(doc, '__proto__'), at(F, 1, 1));
});

test('__proto__ through a merge key stays data', () => {
  const doc = yaml(F, 'a: &a {__proto__: {polluted: true}}\nb: {<<: *a}\n');
  const b = get(doc, 'b') as object;
  assert.ok(Object.hasOwn(b, '__proto__'));
  assert.is(({} as Record<string, unknown>)['polluted'], undefined);
});

// --- syntax errors -------------------------------------------------------------------------------

test('YAML syntax errors are WGC002 with the parser position', () => {
  const cases: [string, string[]][] = [
    ['a: 1\na: 2\n', ['WGC002@2:1']], // duplicate key
    ['a:\n  b: 1\n c: 2\n', ['WGC002@3:1']], // misaligned mapping
    ['a: b: c\n', ['WGC002@1:4']], // nested compact mapping
    ['services:\n  web:\n    image: "nginx\n', ['WGC002@4:1']], // unterminated quote, reported at EOF
    ['a: *nope\n', ['WGC002@1:4']], // unknown alias
  ];
  for (const [text, want] of cases) {
    const r = parseYaml(F, text);
    assert.equal(codes(r.diagnostics), want, JSON.stringify(text));
    assert.ok(r.diagnostics.every((d) => d.severity === 'error' && d.pos?.file === F));
  }
});

test('the WGC002 message is the parser message without its own "at line" suffix', () => {
  const r = parseYaml(F, 'x: 1\nx: 2\n');
  assert.is(r.diagnostics[0]!.message, 'Map keys must be unique');
  assert.is(r.value, null);
});

test('a complex (non-scalar) mapping key is WGC002 at the key', () => {
  const r = parseYaml(F, 'ok: 1\n? [a, b]\n: 2\n');
  assert.equal(codes(r.diagnostics), ['WGC002@2:3']);
});

test.run();
