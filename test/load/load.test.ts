import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryReader } from '../../src/load/io.js';
import { keyLoc, valueLoc } from '../../src/load/located.js';
import { loadProject, type LoadedProject } from '../../src/pipeline.js';
import type { ProjectOptions } from '../../src/load/project-options.js';
import { at, codes, get, plain } from './support.js';

const NONE: ProjectOptions = { files: [], envFiles: [], profiles: [] };

function load(files: Record<string, string>, opts: Partial<ProjectOptions> = {}, env: Record<string, string> = {}, cwd = '/p') {
  return loadProject({ ...NONE, ...opts }, { cwd, env, reader: memoryReader(files) });
}

/** Loads a project the test expects to succeed without errors. */
function ok(files: Record<string, string>, opts: Partial<ProjectOptions> = {}, env: Record<string, string> = {}, cwd = '/p'): LoadedProject {
  const r = load(files, opts, env, cwd);
  if (!r.project) throw new Error(`project failed to load: ${JSON.stringify(r.diagnostics)}`);
  return r.project;
}

// --- the basics ----------------------------------------------------------------------------------

test('a single default file: name from the directory, spec format, positions kept', () => {
  const r = load({ '/p/my.App/compose.yaml': 'services:\n  web:\n    image: nginx\n' }, {}, {}, '/p/my.App');
  assert.equal(r.diagnostics, []);
  const p = r.project!;
  assert.is(p.name, 'myapp');
  assert.is(p.projectDir, '/p/my.App');
  assert.equal(p.files, ['/p/my.App/compose.yaml']);
  assert.equal(p.formats, ['spec']);
  assert.equal(plain(p.model), { services: { web: { image: 'nginx' } } });
  assert.equal(valueLoc(get(p.model, 'services', 'web'), 'image'), at('/p/my.App/compose.yaml', 3, 12));
  assert.equal([...p.disabled], []);
  assert.equal(p.profiles, []);
});

test('the top-level name: wins over the directory', () => {
  const p = ok({ '/p/compose.yaml': 'name: shop\nservices: {}\n' });
  assert.is(p.name, 'shop');
});

test('a top-level name: that is not normalised is normalised, with a WGC032 warning at the value', () => {
  const r = load({ '/p/compose.yaml': 'services: {}\nname: "My Shop"\n' });
  assert.is(r.project?.name, 'myshop');
  assert.equal(codes(r.diagnostics), ['WGC032@2:7']);
  assert.is(r.diagnostics[0]!.severity, 'warning');
});

test('name: may be interpolated', () => {
  const p = ok({ '/p/compose.yaml': 'name: shop-${STAGE}\nservices: {}\n' }, {}, { STAGE: 'prod' });
  assert.is(p.name, 'shop-prod');
});

test('-p and COMPOSE_PROJECT_NAME win over name:', () => {
  const files = { '/p/compose.yaml': 'name: fromfile\nservices: {}\n' };
  assert.is(ok(files, { projectName: 'fromflag' }).name, 'fromflag');
  assert.is(ok(files, {}, { COMPOSE_PROJECT_NAME: 'fromenv' }).name, 'fromenv');
  assert.is(ok(files, { projectName: 'fromflag' }, { COMPOSE_PROJECT_NAME: 'fromenv' }).name, 'fromflag');
});

test('an invalid -p stops loading with WGC032', () => {
  const r = load({ '/p/compose.yaml': 'services: {}\n' }, { projectName: 'Bad Name' });
  assert.is(r.project, undefined);
  assert.equal(codes(r.diagnostics), ['WGC032']);
});

test('no derivable name is WGC032', () => {
  const r = load({ '/compose.yaml': 'services: {}\n' }, {}, {}, '/');
  assert.is(r.project, undefined);
  assert.equal(codes(r.diagnostics), ['WGC032']);
  assert.ok(r.diagnostics[0]!.hint?.includes('-p'));
});

test('a file without services gets an empty services mapping', () => {
  const p = ok({ '/p/compose.yaml': 'networks:\n  front: {}\n' });
  assert.equal(plain(p.model), { networks: { front: {} }, services: {} });
});

// --- several files -------------------------------------------------------------------------------

test('multiple -f files merge in order, each keeping its positions and format', () => {
  const p = ok(
    {
      '/p/compose.yaml': 'version: "3.8"\nservices:\n  web:\n    image: web:${TAG}\n    ports: ["80:80"]\n    links: [db]\n  db:\n    image: pg\n',
      '/p/prod/override.yaml': 'services:\n  web:\n    image: web:prod-${TAG}\n    ports: ["443:443"]\n    environment: [A=1]\n',
      '/p/extra.yaml': 'services:\n  web:\n    environment: {B: "2"}\n',
    },
    { files: ['compose.yaml', 'prod/override.yaml', '/p/extra.yaml'] },
    { TAG: '7' },
  );
  assert.equal(p.files, ['/p/compose.yaml', '/p/prod/override.yaml', '/p/extra.yaml']);
  assert.equal(p.formats, ['v3', 'spec', 'spec']);
  assert.is(p.projectDir, '/p');
  assert.equal(plain(p.model), {
    services: {
      web: { image: 'web:prod-7', ports: ['80:80', '443:443'], links: ['db'], environment: { A: '1', B: '2' } },
      db: { image: 'pg' },
    },
  });
  const web = get(p.model, 'services', 'web');
  assert.equal(keyLoc(web, 'links'), at('/p/compose.yaml', 6, 5));
  assert.equal(valueLoc(web, 'image'), at('/p/prod/override.yaml', 3, 12));
  assert.equal(keyLoc(get(web, 'environment'), 'B'), at('/p/extra.yaml', 3, 19));
});

test('the default file and its override are both loaded', () => {
  const p = ok({
    '/p/compose.yaml': 'services:\n  web: {image: a, ports: ["80:80"]}\n',
    '/p/compose.override.yaml': 'services:\n  web: {ports: ["8080:80"]}\n  debug: {image: busybox}\n',
  });
  assert.equal(p.files, ['/p/compose.yaml', '/p/compose.override.yaml']);
  assert.equal(plain(get(p.model, 'services')), {
    web: { image: 'a', ports: ['80:80', '8080:80'] },
    debug: { image: 'busybox' },
  });
});

test('COMPOSE_FILE names the files', () => {
  const p = ok(
    { '/p/a.yaml': 'services: {a: {image: a}}\n', '/p/b.yaml': 'services: {b: {image: b}}\n' },
    {},
    { COMPOSE_FILE: 'a.yaml:b.yaml' },
  );
  assert.equal(Object.keys(get(p.model, 'services') as object), ['a', 'b']);
});

test('a v1 file merged with a spec override', () => {
  const p = ok(
    {
      '/p/docker-compose.yml': 'web:\n  image: a\n  net: "container:db"\n  log_driver: syslog\ndb:\n  image: pg\n',
      '/p/docker-compose.override.yml': 'services:\n  web:\n    environment: [A=1]\n',
    },
  );
  assert.equal(p.formats, ['v1', 'spec']);
  assert.equal(plain(get(p.model, 'services')), {
    web: { image: 'a', network_mode: 'container:db', logging: { driver: 'syslog' }, environment: ['A=1'] },
    db: { image: 'pg' },
  });
});

test('interpolation uses the project .env, the process env winning', () => {
  const p = ok(
    { '/p/compose.yaml': 'services:\n  web: {image: "app:${TAG}", user: "${WHO}", scale: "${N}"}\n', '/p/.env': 'TAG=fromfile\nWHO=fromfile\nN=2\n' },
    {},
    { WHO: 'fromenv' },
  );
  assert.equal(plain(get(p.model, 'services', 'web')), { image: 'app:fromfile', user: 'fromenv', scale: 2 });
});

// --- extends inside a project -----------------------------------------------------------------

test('extends runs after the merge: the base sees attributes from the override file', () => {
  const p = ok(
    {
      '/p/compose.yaml': 'services:\n  base: {image: a}\n  web: {extends: base, user: bob}\n',
      '/p/compose.override.yaml': 'services:\n  base: {environment: [A=1]}\n',
    },
  );
  assert.equal(plain(get(p.model, 'services', 'web')), { image: 'a', environment: ['A=1'], user: 'bob' });
});

test('extends from another file: paths rebased, interpolated with the same environment', () => {
  const p = ok(
    {
      '/p/compose.yaml': 'services:\n  web:\n    extends: {file: lib/common.yaml, service: app}\n',
      '/p/lib/common.yaml': 'services:\n  app:\n    build: ./app\n    image: "app:${TAG}"\n',
    },
    {},
    { TAG: '9' },
  );
  assert.equal(plain(get(p.model, 'services')), { web: { build: './lib/app', image: 'app:9' } });
});

test('extends errors surface with their positions and stop nothing else', () => {
  const r = load({ '/p/compose.yaml': 'services:\n  web:\n    extends:\n      file: missing.yaml\n      service: app\n    image: x\n' });
  assert.equal(codes(r.diagnostics), ['WGC020@4:13']);
  assert.is(r.diagnostics[0]!.pos?.file, '/p/compose.yaml');
  // loadProject reports; deciding to stop on errors is the caller's job.
  assert.equal(plain(get(r.project!.model, 'services', 'web')), { image: 'x' });
});

// --- profiles ------------------------------------------------------------------------------------

const PROFILED = {
  '/p/compose.yaml': `services:
  web: {image: web}
  debug: {image: busybox, profiles: [debug]}
  tools: {image: tools, profiles: [tools, debug]}
  admin: {image: admin, profiles: [admin]}
`,
};

test('profiles: a service with profiles is disabled unless one of them is active', () => {
  const none = ok(PROFILED);
  assert.equal(Object.keys(get(none.model, 'services') as object), ['web']);
  assert.equal([...none.disabled].sort(), ['admin', 'debug', 'tools']);

  const debug = ok(PROFILED, { profiles: ['debug'] });
  assert.equal(Object.keys(get(debug.model, 'services') as object), ['web', 'debug', 'tools']);
  assert.equal([...debug.disabled], ['admin']);
  assert.equal(debug.profiles, ['debug']);

  const tools = ok(PROFILED, {}, { COMPOSE_PROFILES: 'tools,admin' });
  assert.equal(Object.keys(get(tools.model, 'services') as object), ['web', 'tools', 'admin']);
  assert.equal([...tools.disabled], ['debug']);
});

test('profiles: "*" enables every service', () => {
  const all = ok(PROFILED, { profiles: ['*'] });
  assert.equal(Object.keys(get(all.model, 'services') as object), ['web', 'debug', 'tools', 'admin']);
  assert.equal([...all.disabled], []);
});

test('profiles: an extended service is still available to extends when disabled', () => {
  const p = ok({
    '/p/compose.yaml': 'services:\n  base: {image: b, profiles: [never]}\n  web: {extends: base, profiles: [on]}\n',
  }, { profiles: ['on'] });
  assert.equal(Object.keys(get(p.model, 'services') as object), ['web']);
  assert.is(get(p.model, 'services', 'web', 'image'), 'b');
  assert.equal([...p.disabled], ['base']);
});

// --- failures ------------------------------------------------------------------------------------

test('no compose file: WGC005 and no project', () => {
  const r = load({});
  assert.is(r.project, undefined);
  assert.equal(codes(r.diagnostics), ['WGC005']);
});

test('a missing -f file: WGC001 without a position, and no project', () => {
  const r = load({ '/p/compose.yaml': 'services: {}\n' }, { files: ['compose.yaml', 'nope.yaml'] });
  assert.is(r.project, undefined);
  assert.equal(codes(r.diagnostics), ['WGC001']);
  assert.ok(r.diagnostics[0]!.message.includes('/p/nope.yaml'));
});

test('an unreadable file is WGC001 at that file', () => {
  const reader = memoryReader({});
  const r = loadProject(
    { ...NONE, files: ['/p/compose.yaml'] },
    {
      cwd: '/p',
      env: {},
      reader: { ...reader, read: (path) => (path === '/p/compose.yaml' ? { ok: false, reason: 'unreadable', message: 'EACCES' } : reader.read(path)) },
    },
  );
  assert.is(r.project, undefined);
  assert.equal(codes(r.diagnostics), ['WGC001@1:1']);
  assert.is(r.diagnostics[0]!.pos?.file, '/p/compose.yaml');
});

test('an empty file or a non-mapping top level is WGC004 at 1:1', () => {
  for (const text of ['', '# nothing\n', '- a\n- b\n', 'just a string\n']) {
    const r = load({ '/p/compose.yaml': text });
    assert.is(r.project, undefined, JSON.stringify(text));
    assert.equal(codes(r.diagnostics), ['WGC004@1:1'], JSON.stringify(text));
  }
});

test('a YAML error in any file stops loading; errors from every file are reported', () => {
  const r = load(
    { '/p/a.yaml': 'services:\n  web: {image: a\n', '/p/b.yaml': 'services:\n  x: 1\n  x: 2\n' },
    { files: ['a.yaml', 'b.yaml'] },
  );
  assert.is(r.project, undefined);
  assert.equal(
    r.diagnostics.map((d) => `${d.code}@${d.pos?.file}:${d.pos?.line}`),
    ['WGC002@/p/a.yaml:3', 'WGC002@/p/b.yaml:3'],
  );
});

test('services that is not a mapping is WGC030 at its value', () => {
  const r = load({ '/p/compose.yaml': 'services:\n  - web\n' });
  assert.is(r.project, undefined);
  assert.equal(codes(r.diagnostics), ['WGC030@2:3']);
});

test('a required variable that is unset stops loading with WGC010 at the value', () => {
  const r = load({ '/p/compose.yaml': 'services:\n  web:\n    image: "${IMAGE:?}"\n' });
  assert.is(r.project, undefined);
  assert.equal(codes(r.diagnostics), ['WGC010@3:12']);
});

test('an unset variable is only a warning: the project still loads', () => {
  const r = load({ '/p/compose.yaml': 'services:\n  web:\n    image: "app:${TAG}"\n' });
  assert.equal(codes(r.diagnostics), ['WGC012@3:12']);
  assert.equal(plain(get(r.project!.model, 'services', 'web')), { image: 'app:' });
});

test.run();
