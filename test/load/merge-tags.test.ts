// The `!reset` and `!override` tags (issue 14, bug 8): compose-spec 13-merge.md, "Reset value"
// and "Replace value"; compose-go's loader/reset.go and its tests (merge_reset_test.go,
// override_test.go) for what the document leaves open.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveExtends } from '../../src/load/extends.js';
import { memoryReader } from '../../src/load/io.js';
import { itemLoc, keyLoc, valueLoc } from '../../src/load/located.js';
import { tagOf } from '../../src/load/tags.js';
import { loadProject } from '../../src/pipeline.js';
import { at, codes, get, mergeWeb, plain, yaml } from './support.js';

const A = '/p/compose.yaml';
const B = '/p/compose.override.yaml';

test('parsing: a !reset key is absent from its own file; !override keeps a value typed as untagged', () => {
  const doc = yaml(A, 'environment:\n  FOO: !reset null\n  PORT: !override 8080\n  ON: !override true\n  NEXT: x\n');
  const env = get(doc, 'environment');
  assert.equal(plain(env), { PORT: 8080, ON: true, NEXT: 'x' });
  assert.is(tagOf(env as never, 'FOO'), 'reset');
  assert.is(tagOf(env as never, 'PORT'), 'override');
  assert.equal(valueLoc(env, 'PORT'), at(A, 3, 19));
  assert.equal(keyLoc(env, 'NEXT'), at(A, 5, 3));
});

test('!reset removes the base’s value (the specification’s example)', () => {
  const { web } = mergeWeb('image: myapp\nports: ["8080:80"]\nenvironment:\n  FOO: BAR\n', 'image: myapp\nports: !reset []\nenvironment:\n  FOO: !reset null\n');
  assert.equal(plain(web), { image: 'myapp', environment: {} });
});

test('!override replaces a sequence instead of appending (the specification’s example)', () => {
  const { web } = mergeWeb('image: myapp\nports: ["8080:80"]\n', 'ports: !override\n  - "8443:443"\n');
  assert.equal(plain(web), { image: 'myapp', ports: ['8443:443'] });
  assert.equal(itemLoc(get(web, 'ports'), 0), at(B, 4, 9));
  assert.equal(keyLoc(web, 'ports'), at(B, 3, 5));
});

test('!override replaces a mapping instead of merging it', () => {
  const { web } = mergeWeb('environment: {A: "1", B: "2"}\nlabels: [x=1]\n', 'environment: !override {B: "3"}\nlabels: !override {y: "2"}\n');
  assert.equal(plain(web), { environment: { B: '3' }, labels: { y: '2' } });
});

test('!reset on a whole service in an override removes it', () => {
  const r = loadProject(
    { files: ['compose.yaml', 'override.yaml'], envFiles: [], profiles: [] },
    { cwd: '/p', env: {}, reader: memoryReader({ '/p/compose.yaml': 'services:\n  web: {image: a}\n  db: {image: d}\n', '/p/override.yaml': 'services:\n  web: !reset\n' }) },
  );
  assert.equal(codes(r.diagnostics), []);
  assert.equal(Object.keys(get(r.project!.model, 'services') as object), ['db']);
});

test('a !reset item is dropped from its own sequence', () => {
  const doc = yaml(A, 'ports: ["80:80", !reset "81:81", "82:82"]\n');
  assert.equal(plain(get(doc, 'ports')), ['80:80', '82:82']);
  assert.equal(itemLoc(get(doc, 'ports'), 1), at(A, 1, 34));
});

test('extends: !reset and !override in the extending service apply to the base', () => {
  const model = yaml(A, 'services:\n  init: {image: alpine, command: sleep infinity, ports: ["1:1"]}\n  base:\n    extends: {service: init}\n    command: !reset\n    ports: !override ["2:2"]\n');
  assert.equal(resolveExtends(model, A, '/p', () => 'missing'), []);
  assert.equal(plain(get(model, 'services', 'base')), { image: 'alpine', ports: ['2:2'] });
});

test('extends chains with !override, as compose-go’s TestOverrideMiddle', () => {
  const model = yaml(
    A,
    `services:
  main_one: {image: nginx, depends_on: [depend_one]}
  main_two:
    extends: main_one
    depends_on: !override [depend_two]
  main:
    extends: {service: main_two}
    depends_on: [depend_base]
`,
  );
  assert.equal(resolveExtends(model, A, '/p', () => 'missing'), []);
  const started = { condition: 'service_started' };
  assert.equal(plain(get(model, 'services', 'main', 'depends_on')), { depend_two: started, depend_base: started });
});

test('a tag in an override file still keeps out the value its service extends', () => {
  const r = loadProject(
    { files: ['compose.yaml', 'override.yaml'], envFiles: [], profiles: [] },
    {
      cwd: '/p',
      env: {},
      reader: memoryReader({
        '/p/compose.yaml': 'services:\n  base: {image: a, command: run, ports: ["1:1"]}\n  web: {extends: base}\n',
        '/p/override.yaml': 'services:\n  web:\n    command: !reset null\n    ports: !override ["2:2"]\n',
      }),
    },
  );
  assert.equal(codes(r.diagnostics), []);
  assert.equal(plain(get(r.project!.model, 'services', 'web')), { image: 'a', ports: ['2:2'] });
  assert.equal(itemLoc(get(r.project!.model, 'services', 'web', 'ports'), 0), at('/p/override.yaml', 4, 23));
});

test('YAML merge keys: an explicit !reset wins over a merged value; a tag in a merged mapping applies', () => {
  const doc = yaml(A, 'x-d: &d {image: a, command: x}\nx-t: &t {user: !reset null}\nweb:\n  <<: [*d, *t]\n  command: !reset\n');
  const web = get(doc, 'web');
  assert.equal(plain(web), { image: 'a' });
  assert.is(tagOf(web as never, 'user'), 'reset');
});

test.run();
