import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveExtends, type FileLoader } from '../../src/load/extends.js';
import { toSpec } from '../../src/load/legacy.js';
import { isObject, keyLoc, type JsonObject } from '../../src/load/located.js';
import { parseYaml } from '../../src/load/parse.js';
import { at, codes, get, plain, yaml } from './support.js';

// https://github.com/compose-spec/compose-spec/blob/main/05-services.md#extends
const MAIN = '/p/compose.yaml';

/** A FileLoader over in-memory files, shaped like load.ts's: parsed and converted to spec. */
function loader(files: Record<string, string>): FileLoader & { calls: string[] } {
  const calls: string[] = [];
  const load = (path: string) => {
    calls.push(path);
    if (!Object.hasOwn(files, path)) return 'missing' as const;
    const r = parseYaml(path, files[path]!);
    if (!isObject(r.value)) return { doc: undefined, diagnostics: r.diagnostics };
    const s = toSpec(r.value);
    return { doc: s.doc, diagnostics: [...r.diagnostics, ...s.diagnostics] };
  };
  return Object.assign(load, { calls });
}

function run(main: string, others: Record<string, string> = {}) {
  const model = yaml(MAIN, main);
  const diagnostics = resolveExtends(model, MAIN, '/p', loader(others));
  return { model, services: get(model, 'services') as JsonObject, diagnostics };
}

// --- same file -----------------------------------------------------------------------------------

test('extends: NAME takes the base and overrides it with the service’s own attributes', () => {
  const { services, diagnostics } = run(`services:
  base:
    image: a
    environment: [A=1, B=2]
    ports: ["80:80"]
    command: [run, base]
  web:
    extends: base
    environment: {B: "3"}
    ports: ["443:443"]
    command: [run, web]
`);
  assert.equal(diagnostics, []);
  assert.equal(plain(services['web']), {
    image: 'a',
    environment: { A: '1', B: '3' },
    ports: ['80:80', '443:443'],
    command: ['run', 'web'],
  });
  // The base service stays as it was.
  assert.equal(plain(services['base']), { image: 'a', environment: ['A=1', 'B=2'], ports: ['80:80'], command: ['run', 'base'] });
});

test('extends: {service: NAME}, and chains of extends', () => {
  const { services, diagnostics } = run(`services:
  c:
    extends: {service: b}
    tty: true
  b:
    extends:
      service: a
    user: bob
  a:
    image: a
    user: alice
`);
  assert.equal(diagnostics, []);
  assert.equal(plain(services['c']), { image: 'a', user: 'bob', tty: true });
  assert.equal(plain(services['b']), { image: 'a', user: 'bob' });
});

test('positions survive extends: inherited keys point at the base, own keys at the service', () => {
  const { services } = run(`services:
  base:
    image: a
  web:
    extends: base
    user: bob
`);
  const web = services['web'];
  assert.equal(keyLoc(web, 'image'), at(MAIN, 3, 5));
  assert.equal(keyLoc(web, 'user'), at(MAIN, 6, 5));
  assert.ok(!Object.hasOwn(web as object, 'extends'));
});

// --- other files ---------------------------------------------------------------------------------

test('extends from another file in the same directory: no path rewriting', () => {
  const { services, diagnostics } = run(
    'services:\n  web:\n    extends: {file: common.yaml, service: app}\n    ports: ["80:80"]\n',
    { '/p/common.yaml': 'services:\n  app:\n    build: ./app\n    volumes: ["./data:/data"]\n  other: {image: o}\n' },
  );
  assert.equal(diagnostics, []);
  assert.equal(plain(services), { web: { build: './app', volumes: ['./data:/data'], ports: ['80:80'] } });
});

test('extends from a file in a subdirectory rebases build, env_file and bind volumes', () => {
  const { services, diagnostics } = run(
    `services:
  web:
    extends:
      file: sub/common.yaml
      service: app
    volumes: ["./mine:/mine"]
  worker:
    extends: {file: ./sub/common.yaml, service: job}
`,
    {
      '/p/sub/common.yaml': `services:
  app:
    build: ./app
    env_file: [.env.app, ../shared.env, /etc/abs.env]
    volumes:
      - ./data:/data
      - named:/named
      - /abs:/abs
      - ~/home:/home
      - /anon
      - {type: bind, source: ./conf, target: /conf}
      - {type: volume, source: vol, target: /vol}
  job:
    build: {context: ., dockerfile: Dockerfile.job}
    env_file: .env.job
`,
    },
  );
  assert.equal(diagnostics, []);
  assert.equal(plain(services['web']), {
    build: './sub/app',
    env_file: ['./sub/.env.app', './shared.env', '/etc/abs.env'],
    volumes: [
      './sub/data:/data',
      'named:/named',
      '/abs:/abs',
      '~/home:/home',
      '/anon',
      { type: 'bind', source: './sub/conf', target: '/conf' },
      { type: 'volume', source: 'vol', target: '/vol' },
      // The extending service's own paths are already relative to the project.
      './mine:/mine',
    ],
  });
  assert.equal(plain(services['worker']), { build: { context: './sub', dockerfile: 'Dockerfile.job' }, env_file: './sub/.env.job' });
});

test('URLs as build contexts are not rebased', () => {
  const { services } = run('services:\n  web:\n    extends: {file: sub/c.yaml, service: app}\n', {
    '/p/sub/c.yaml': 'services:\n  app:\n    build: https://github.com/acme/app.git#main\n',
  });
  assert.equal(plain(services['web']), { build: 'https://github.com/acme/app.git#main' });
});

test('a chain across directories rebases each hop once', () => {
  const { services, diagnostics } = run('services:\n  web:\n    extends: {file: sub/b.yaml, service: b}\n', {
    '/p/sub/b.yaml': `services:
  b:
    extends: {file: deeper/c.yaml, service: c}
    volumes: ["./bdata:/b"]
`,
    '/p/sub/deeper/c.yaml': 'services:\n  c:\n    build: ./ctx\n    env_file: [c.env]\n',
  });
  assert.equal(diagnostics, []);
  assert.equal(plain(services['web']), {
    build: './sub/deeper/ctx',
    env_file: ['./sub/deeper/c.env'],
    volumes: ['./sub/bdata:/b'],
  });
});

test('a v1 file can be extended', () => {
  const { services, diagnostics } = run('services:\n  web:\n    extends: {file: legacy.yml, service: app}\n', {
    '/p/legacy.yml': 'app:\n  image: a\n  net: host\n',
  });
  assert.equal(diagnostics, []);
  assert.equal(plain(services['web']), { image: 'a', network_mode: 'host' });
});

// --- errors --------------------------------------------------------------------------------------

test('WGC020: the other file does not exist; the service keeps its own attributes', () => {
  const { services, diagnostics } = run(`services:
  web:
    image: mine
    extends:
      file: nope.yaml
      service: app
`);
  assert.equal(codes(diagnostics), ['WGC020@5:13']);
  assert.ok(diagnostics[0]!.message.includes('/p/nope.yaml'));
  assert.equal(plain(services['web']), { image: 'mine' });
});

test('WGC021: the base service does not exist (string form, mapping form, other file)', () => {
  const r1 = run('services:\n  web:\n    extends: nothere\n');
  assert.equal(codes(r1.diagnostics), ['WGC021@3:14']);
  assert.ok(r1.diagnostics[0]!.message.includes('"nothere"'));
  assert.equal(plain(r1.services['web']), {});

  const r2 = run('services:\n  web:\n    extends:\n      service: nothere\n    image: x\n');
  assert.equal(codes(r2.diagnostics), ['WGC021@4:16']);
  assert.equal(plain(r2.services['web']), { image: 'x' });

  const r3 = run('services:\n  web:\n    extends: {file: c.yaml, service: nothere}\n', { '/p/c.yaml': 'services:\n  app: {image: a}\n' });
  assert.equal(codes(r3.diagnostics), ['WGC021@3:38']);
  assert.ok(r3.diagnostics[0]!.message.includes('/p/c.yaml'));
});

test('WGC022: a cycle is reported once, at the extends that closes it', () => {
  const { diagnostics, services } = run(`services:
  a:
    extends: b
    image: a
  b:
    extends: a
    user: b
`);
  assert.equal(codes(diagnostics), ['WGC022@3:5']);
  assert.ok(diagnostics[0]!.message.includes('a -> b -> a'), diagnostics[0]!.message);
  // Both services still exist, without extends.
  assert.ok(!Object.hasOwn(services['a'] as object, 'extends'));
  assert.ok(!Object.hasOwn(services['b'] as object, 'extends'));
});

test('WGC022: a service extending itself', () => {
  const { diagnostics } = run('services:\n  a:\n    image: x\n    extends: a\n');
  assert.equal(codes(diagnostics), ['WGC022@4:5']);
});

test('WGC022: a cycle through another file', () => {
  const { diagnostics } = run('services:\n  a:\n    extends: {file: o.yaml, service: x}\n', {
    '/p/o.yaml': 'services:\n  x:\n    extends: {file: o.yaml, service: y}\n  y:\n    extends: x\n',
  });
  assert.equal(codes(diagnostics), ['WGC022@3:5']);
  assert.is(diagnostics[0]!.pos?.file, '/p/o.yaml');
});

test('WGC023: a service with links cannot be extended', () => {
  const { diagnostics, services } = run(`services:
  db: {image: pg}
  base:
    image: a
    links: [db]
  web:
    extends: base
    user: bob
`);
  assert.equal(codes(diagnostics), ['WGC023@7:14']);
  assert.ok(diagnostics[0]!.hint?.includes('"web"'));
  assert.equal(plain(services['web']), { user: 'bob' });
  // The service with links itself is fine.
  assert.equal(plain(services['base']), { image: 'a', links: ['db'] });
});

test('WGC023 in another file points at the service name in the extending file', () => {
  const { diagnostics } = run('services:\n  web:\n    extends:\n      file: c.yaml\n      service: app\n', {
    '/p/c.yaml': 'services:\n  app:\n    image: a\n    links: [db]\n  db: {image: pg}\n',
  });
  assert.equal(codes(diagnostics), ['WGC023@5:16']);
  assert.is(diagnostics[0]!.pos?.file, MAIN);
});

test('problems in the other file are passed on with their positions', () => {
  const { diagnostics } = run('services:\n  web:\n    extends: {file: bad.yaml, service: app}\n', {
    '/p/bad.yaml': 'services:\n  app:\n    image: a\n    image: b\n',
  });
  assert.equal(codes(diagnostics), ['WGC002@4:5', 'WGC021@3:40']);
  assert.is(diagnostics[0]!.pos?.file, '/p/bad.yaml');
});

test('a model without services is left alone', () => {
  const model = yaml(MAIN, 'networks: {a: {}}\n');
  assert.equal(resolveExtends(model, MAIN, '/p', loader({})), []);
  assert.equal(plain(model), { networks: { a: {} } });
});

test.run();
