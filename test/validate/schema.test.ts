// Schema validation of what the loader makes: prototype-less mappings, keys that are names of
// Object.prototype's methods, long-syntax lists whose items the schema wants unique.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonEqual } from '../../src/validate/json-equal.js';
import { validateModel } from '../../src/validate/schema.js';
import { project, runCli } from '../helpers/cli.js';
import { codes, yaml } from '../load/support.js';

const F = '/p/compose.yaml';
const bare = (o: Record<string, unknown>): Record<string, unknown> => Object.assign(Object.create(null) as object, o);

test('jsonEqual: JSON Schema equality, whatever the prototype', () => {
  assert.ok(jsonEqual(bare({ target: 80 }), bare({ target: 80 })));
  assert.ok(jsonEqual(bare({ a: 1, b: [1, bare({ c: null })] }), { b: [1, { c: null }], a: 1 }));
  assert.not.ok(jsonEqual(bare({ target: 80 }), bare({ target: 81 })));
  assert.not.ok(jsonEqual(bare({ target: 80 }), bare({ target: 80, published: 8080 })));
  assert.not.ok(jsonEqual(bare({ a: undefined }), bare({ b: undefined })));
  // Keys that are Object.prototype's method names are data.
  assert.ok(jsonEqual(bare({ valueOf: 1, toString: 'x', constructor: 2 }), { valueOf: 1, toString: 'x', constructor: 2 }));
  assert.not.ok(jsonEqual({ valueOf: 1 }, { valueOf: 2 }));
  assert.not.ok(jsonEqual([], {}));
  assert.not.ok(jsonEqual([1, 2], [2, 1]));
  assert.not.ok(jsonEqual(1, '1'));
  assert.not.ok(jsonEqual(null, {}));
  assert.ok(jsonEqual(Number.NaN, Number.NaN));
});

test('long-syntax ports from the loader validate (issue 14, bug 1: ajv threw "a.valueOf is not a function")', () => {
  const model = yaml(F, 'services:\n  web:\n    image: nginx\n    ports: [{target: 80}, {target: 81}]\n');
  assert.equal(validateModel(model), []);
});

test('every long-syntax list with unique items validates: volumes, secrets, configs, depends_on, devices', () => {
  const model = yaml(
    F,
    `services:
  web:
    image: nginx
    volumes: [{type: volume, source: a, target: /a}, {type: bind, source: ./b, target: /b}]
    secrets: [{source: s, target: /run/s}, {source: t}]
    configs: [{source: c, target: /c}, {source: d}]
    depends_on: {db: {condition: service_started, required: true}}
    devices: [{source: /dev/a}, {source: /dev/b}]
    expose: [80, "81"]
  db: {image: pg}
secrets: {s: {file: ./s}, t: {file: ./t}}
configs: {c: {file: ./c}, d: {file: ./d}}
volumes: {a: {}}
`,
  );
  assert.equal(validateModel(model), []);
});

test('duplicate long-syntax ports are a WGC030 at the second one, not a crash', () => {
  const model = yaml(F, 'services:\n  web:\n    image: nginx\n    ports:\n      - {target: 80, published: "8080"}\n      - {target: 80, published: "8080"}\n');
  assert.equal(codes(validateModel(model)), ['WGC030@6:9']);
});

test('items with keys named valueOf or toString are diagnosed, not a crash', () => {
  const model = yaml(F, 'services:\n  web:\n    image: nginx\n    ports:\n      - {target: 80, valueOf: 1}\n      - {target: 80, toString: 1}\n');
  const ds = validateModel(model);
  assert.ok(ds.length > 0);
  assert.ok(ds.every((d) => d.code === 'WGC030' && d.pos?.file === F));
});

test('the generated validators carry their own JSON equality, not ajv’s', () => {
  for (const name of ['compose-spec', 'x-wireguard', 'linuxkit-moby']) {
    const code = readFileSync(fileURLToPath(new URL(`../../validators/${name}.cjs`, import.meta.url)), 'utf8');
    assert.not.ok(code.includes('runtime/equal'), name);
  }
  const compose = readFileSync(fileURLToPath(new URL('../../validators/compose-spec.cjs', import.meta.url)), 'utf8');
  assert.ok(compose.includes('function jsonEqual('));
});

test('render and check accept long-syntax ports (exit 0, not the internal error 4)', async () => {
  const cwd = project({ 'compose.yaml': 'services:\n  web:\n    image: nginx\n    ports: [{target: 80}, {target: 81}]\n    links: [db]\n  db: {image: pg}\n' });
  const check = await runCli(['check'], { cwd });
  assert.is(check.code, 0, check.stderr);
  const render = await runCli(['render', '-p', 'lp'], { cwd });
  assert.is(render.code, 0, render.stderr);
  assert.match(render.stdout, /target: 81/);
});

test.run();
