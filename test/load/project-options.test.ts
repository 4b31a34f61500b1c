import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryReader } from '../../src/load/io.js';
import {
  isValidProjectName,
  normalizeProjectName,
  projectNameFromDir,
  resolveOptions,
  type ProjectOptions,
} from '../../src/load/project-options.js';
import { at, codes } from './support.js';

// https://docs.docker.com/compose/project-name/ and .../environment-variables/envvars/
const NONE: ProjectOptions = { files: [], envFiles: [], profiles: [] };
const C = 'services: {}\n';

function resolve(files: Record<string, string>, opts: Partial<ProjectOptions> = {}, env: Record<string, string> = {}, cwd = '/w') {
  return resolveOptions({ ...NONE, ...opts }, { cwd, env, reader: memoryReader(files) });
}

// --- which files ---------------------------------------------------------------------------------

test('default file in the working directory; the project directory is its directory', () => {
  const r = resolve({ '/w/compose.yaml': C });
  assert.equal(r.files, ['/w/compose.yaml']);
  assert.is(r.projectDir, '/w');
  assert.equal(r.diagnostics, []);
  assert.is(r.explicitName, undefined);
});

test('each default name is found, and its override file is added after it', () => {
  const cases: [string[], string[]][] = [
    [['compose.yml'], ['compose.yml']],
    [['docker-compose.yaml'], ['docker-compose.yaml']],
    [['docker-compose.yml'], ['docker-compose.yml']],
    [['compose.yaml', 'compose.override.yaml'], ['compose.yaml', 'compose.override.yaml']],
    [['compose.yaml', 'compose.override.yml'], ['compose.yaml', 'compose.override.yml']],
    [['compose.yml', 'compose.override.yml', 'compose.override.yaml'], ['compose.yml', 'compose.override.yml']],
    [['docker-compose.yml', 'docker-compose.override.yml'], ['docker-compose.yml', 'docker-compose.override.yml']],
    // An override of the other family does not belong to this file.
    [['docker-compose.yml', 'compose.override.yaml'], ['docker-compose.yml']],
  ];
  for (const [present, want] of cases) {
    const r = resolve(Object.fromEntries(present.map((f) => [`/w/${f}`, C])));
    assert.equal(r.files, want.map((f) => `/w/${f}`), present.join(','));
    assert.equal(r.diagnostics, [], present.join(','));
  }
});

test('several default names: compose.yaml is preferred, with a WGC005 warning', () => {
  const r = resolve({ '/w/docker-compose.yml': C, '/w/compose.yaml': C });
  assert.equal(r.files, ['/w/compose.yaml']);
  assert.equal(codes(r.diagnostics), ['WGC005@1:1']);
  assert.is(r.diagnostics[0]!.severity, 'warning');
  assert.equal(r.diagnostics[0]!.pos, at('/w/compose.yaml', 1, 1));
});

test('the search goes up through the parent directories', () => {
  const r = resolve({ '/w/compose.yaml': C, '/w/compose.override.yaml': C, '/other/compose.yaml': C }, {}, {}, '/w/a/b');
  assert.equal(r.files, ['/w/compose.yaml', '/w/compose.override.yaml']);
  assert.is(r.projectDir, '/w');
  // The nearest directory wins.
  const near = resolve({ '/w/compose.yaml': C, '/w/a/docker-compose.yml': C }, {}, {}, '/w/a/b');
  assert.equal(near.files, ['/w/a/docker-compose.yml']);
});

test('no compose file anywhere is a WGC005 error without a position', () => {
  const r = resolve({ '/w/other.yaml': C }, {}, {}, '/w/a');
  assert.equal(r.files, []);
  assert.equal(codes(r.diagnostics), ['WGC005']);
  assert.is(r.diagnostics[0]!.severity, 'error');
  assert.ok(r.diagnostics[0]!.message.includes('/w/a'));
});

test('-f files: relative to the working directory, in order; "-" is stdin', () => {
  const r = resolve({}, { files: ['sub/a.yaml', '/abs/b.yaml', '-'] });
  assert.equal(r.files, ['/w/sub/a.yaml', '/abs/b.yaml', '-']);
  assert.is(r.projectDir, '/w/sub');
  assert.is(resolve({}, { files: ['-'] }).projectDir, '/w');
});

test('-f wins over default files and over COMPOSE_FILE', () => {
  const r = resolve({ '/w/compose.yaml': C }, { files: ['x.yaml'] }, { COMPOSE_FILE: 'y.yaml' });
  assert.equal(r.files, ['/w/x.yaml']);
});

test('COMPOSE_FILE: a list split on ":", relative to the working directory', () => {
  const r = resolve({}, {}, { COMPOSE_FILE: 'base.yaml:deploy/prod.yaml::/abs/c.yaml' });
  assert.equal(r.files, ['/w/base.yaml', '/w/deploy/prod.yaml', '/abs/c.yaml']);
  assert.is(r.projectDir, '/w');
});

test('COMPOSE_PATH_SEPARATOR changes the separator', () => {
  const r = resolve({}, {}, { COMPOSE_FILE: 'a.yaml;b.yaml', COMPOSE_PATH_SEPARATOR: ';' });
  assert.equal(r.files, ['/w/a.yaml', '/w/b.yaml']);
  const colon = resolve({}, {}, { COMPOSE_FILE: 'a.yaml;b.yaml' });
  assert.equal(colon.files, ['/w/a.yaml;b.yaml']);
});

test('COMPOSE_FILE may come from the .env of the working directory', () => {
  const r = resolve({ '/w/.env': 'COMPOSE_FILE=one.yaml:two.yaml\n', '/w/compose.yaml': C });
  assert.equal(r.files, ['/w/one.yaml', '/w/two.yaml']);
});

test('--project-directory: relative to cwd; default files and .env are looked for there', () => {
  const r = resolve({ '/w/proj/compose.yaml': C, '/w/proj/.env': 'X=proj\n', '/w/.env': 'X=cwd\n' }, { projectDirectory: 'proj' });
  assert.equal(r.files, ['/w/proj/compose.yaml']);
  assert.is(r.projectDir, '/w/proj');
  assert.is(r.lookup('X'), 'proj');
  // It also wins over the directory of the -f file.
  const f = resolve({}, { projectDirectory: '/elsewhere', files: ['sub/c.yaml'] });
  assert.is(f.projectDir, '/elsewhere');
});

// --- environment ---------------------------------------------------------------------------------

test('.env feeds the lookup; the process environment wins over it', () => {
  const r = resolve({ '/w/compose.yaml': C, '/w/.env': 'A=from-file\nB=from-file\n' }, {}, { A: 'from-process', EMPTY: '' });
  assert.is(r.lookup('A'), 'from-process');
  assert.is(r.lookup('B'), 'from-file');
  assert.is(r.lookup('EMPTY'), '');
  assert.is(r.lookup('NOPE'), undefined);
});

test('.env may refer to the process environment', () => {
  const r = resolve({ '/w/compose.yaml': C, '/w/.env': 'URL=http://${HOST}:${PORT:-80}\n' }, {}, { HOST: 'h' });
  assert.is(r.lookup('URL'), 'http://h:80');
});

test('a missing .env is not an error', () => {
  const r = resolve({ '/w/compose.yaml': C });
  assert.equal(r.diagnostics, []);
  assert.is(r.lookup('A'), undefined);
});

test('.env is read from the project directory, not the working directory', () => {
  const r = resolve({ '/w/.env': 'X=cwd\nONLY_CWD=1\n', '/w/sub/.env': 'X=sub\n' }, { files: ['sub/compose.yaml'] });
  assert.is(r.projectDir, '/w/sub');
  assert.is(r.lookup('X'), 'sub');
  assert.is(r.lookup('ONLY_CWD'), undefined);
});

test('--env-file replaces .env; several are read in order, later ones winning', () => {
  const files = { '/w/compose.yaml': C, '/w/.env': 'A=dotenv\nD=dotenv\n', '/w/one.env': 'A=one\nB=one\n', '/cfg/two.env': 'B=two\nC=${A}\n' };
  const r = resolve(files, { envFiles: ['one.env', '/cfg/two.env'] });
  assert.equal(r.diagnostics, []);
  assert.is(r.lookup('A'), 'one');
  assert.is(r.lookup('B'), 'two');
  assert.is(r.lookup('C'), 'one');
  assert.is(r.lookup('D'), undefined);
});

test('a missing --env-file is WGC001 at that file', () => {
  const r = resolve({ '/w/compose.yaml': C }, { envFiles: ['nope.env'] });
  assert.equal(codes(r.diagnostics), ['WGC001@1:1']);
  assert.is(r.diagnostics[0]!.pos?.file, '/w/nope.env');
});

test('bad lines in .env are WGC013 at their line and column in the env file', () => {
  const r = resolve({ '/w/compose.yaml': C, '/w/.env': 'A=1\n  -B=2\nC=3\n' });
  assert.equal(codes(r.diagnostics), ['WGC013@2:3']);
  assert.is(r.diagnostics[0]!.pos?.file, '/w/.env');
  assert.is(r.lookup('C'), '3');
});

// --- profiles ------------------------------------------------------------------------------------

test('COMPOSE_PROFILES: comma-separated, trimmed, empty entries dropped; also from .env', () => {
  assert.equal(resolve({ '/w/compose.yaml': C }, {}, { COMPOSE_PROFILES: 'debug, tools,,x ' }).profiles, ['debug', 'tools', 'x']);
  assert.equal(resolve({ '/w/compose.yaml': C, '/w/.env': 'COMPOSE_PROFILES=a,b\n' }).profiles, ['a', 'b']);
  assert.equal(resolve({ '/w/compose.yaml': C }).profiles, []);
});

test('--profile wins over COMPOSE_PROFILES', () => {
  const r = resolve({ '/w/compose.yaml': C }, { profiles: ['cli'] }, { COMPOSE_PROFILES: 'env' });
  assert.equal(r.profiles, ['cli']);
});

// --- project name --------------------------------------------------------------------------------

test('-p: a valid name is taken as is', () => {
  const r = resolve({ '/w/compose.yaml': C }, { projectName: 'my-app_2' }, { COMPOSE_PROJECT_NAME: 'other' });
  assert.is(r.explicitName, 'my-app_2');
  assert.equal(r.diagnostics, []);
});

test('-p: an invalid name is WGC032, not silently normalised', () => {
  for (const bad of ['My App', 'UPPER', '-lead', '_lead', 'a.b', '']) {
    const r = resolve({ '/w/compose.yaml': C }, { projectName: bad });
    assert.equal(codes(r.diagnostics), ['WGC032'], JSON.stringify(bad));
    assert.is(r.diagnostics[0]!.severity, 'error');
  }
});

test('COMPOSE_PROJECT_NAME is normalised; from the process env or .env', () => {
  assert.is(resolve({ '/w/compose.yaml': C }, {}, { COMPOSE_PROJECT_NAME: 'My_App.V2' }).explicitName, 'my_appv2');
  assert.is(resolve({ '/w/compose.yaml': C, '/w/.env': 'COMPOSE_PROJECT_NAME=fromfile\n' }).explicitName, 'fromfile');
  const both = resolve({ '/w/compose.yaml': C, '/w/.env': 'COMPOSE_PROJECT_NAME=fromfile\n' }, {}, { COMPOSE_PROJECT_NAME: 'fromenv' });
  assert.is(both.explicitName, 'fromenv');
  // Empty means unset.
  assert.is(resolve({ '/w/compose.yaml': C }, {}, { COMPOSE_PROJECT_NAME: '' }).explicitName, undefined);
});

test('normalizeProjectName: lowercase, only [a-z0-9_-], starting with a letter or digit', () => {
  const cases: [string, string][] = [
    ['MyApp', 'myapp'],
    ['my app', 'myapp'],
    ['my.app-1_x', 'myapp-1_x'],
    ['__lead', 'lead'],
    ['-_-a', 'a'],
    ['9lives', '9lives'],
    ['Über', 'ber'],
    ['...', ''],
  ];
  for (const [input, want] of cases) assert.is(normalizeProjectName(input), want, input);
});

test('isValidProjectName and projectNameFromDir', () => {
  assert.ok(isValidProjectName('a'));
  assert.ok(isValidProjectName('0-a_b'));
  assert.not.ok(isValidProjectName(''));
  assert.not.ok(isValidProjectName('A'));
  assert.not.ok(isValidProjectName('_a'));
  assert.is(projectNameFromDir('/home/me/My.Project'), 'myproject');
  assert.is(projectNameFromDir('/'), '');
});

test.run();
