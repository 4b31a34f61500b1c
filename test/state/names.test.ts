// State file names, whatever a service is called (issue #7, DESIGN.md §7): never outside the
// state directory, never longer than NAME_MAX, never two services in one file — not even on a
// case-insensitive file system, and not for a service named like another's hashed file.
import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { configFileName, configPathInStack, importedKeyPath, serviceFileBase } from '../../src/state/paths.js';
import { fixedMaster, project, runCli } from '../helpers/cli.js';
import { readLock, snapshot, stateProblems } from '../helpers/state.js';

const NAME_MAX = 255;
/** Compose service names: [a-zA-Z0-9._-]+ (compose-spec schema). */
const composeName = fc.stringMatching(/^[a-zA-Z0-9._-]{1,255}$/);

const hostile = [
  '.',
  '..',
  '...',
  'a.b',
  'a..b',
  '.hidden',
  '-',
  '_',
  'a'.repeat(100),
  'a'.repeat(101),
  'a'.repeat(255),
  'x'.repeat(254) + '.',
  'Api',
  'api',
  'API',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'stack.yml',
  'imported',
  'master.key',
  'x.conf',
  'svc-0123456789abcdef01234567',
];

function assertSafe(names: readonly string[]): void {
  const dir = '/state/project';
  const files = names.map(configFileName);
  for (const [i, f] of files.entries()) {
    const n = JSON.stringify(names[i]);
    assert.is(basename(f), f, `${n}: a bare file name`);
    assert.ok(f !== '.' && f !== '..' && !f.includes('/') && !f.includes('\0'), n);
    assert.ok(f.length <= NAME_MAX, `${n}: ${f.length} characters`);
    assert.ok(resolve(dir, f).startsWith(`${dir}/`), `${n}: inside the directory`);
    assert.ok(f.endsWith('.conf'), n);
    assert.ok(!f.startsWith('.'), `${n}: never hidden, so never taken for a temporary file`);
  }
  const distinct = new Set(names);
  assert.is(new Set(files).size, distinct.size, 'two services share a file');
  assert.is(new Set(files.map((f) => f.toLowerCase())).size, distinct.size, 'two services share a file on a case-insensitive file system');
}

test('hostile names: inside the directory, within NAME_MAX, distinct, distinct ignoring case', () => {
  // Also a name spelled like the hashed file base of every other name.
  assertSafe([...hostile, ...hostile.map(serviceFileBase)]);
  assert.is(configFileName('web'), 'web.conf', 'plain names stay readable');
  assert.is(configFileName('a.b'), 'a.b.conf');
  assert.match(configFileName('..'), /^_[0-9a-f]{32}\.conf$/);
  assert.match(configFileName('Api'), /^_[0-9a-f]{32}\.conf$/, 'upper case is hashed');
});

test('property: no two compose service names share a config file (case-insensitively too)', () => {
  let runs = 0;
  fc.assert(
    fc.property(fc.uniqueArray(fc.oneof(composeName, fc.constantFrom(...hostile), composeName.map(serviceFileBase)), { minLength: 1, maxLength: 40 }), (names) => {
      runs++;
      assertSafe(names);
    }),
    { numRuns: 300 },
  );
  assert.is(runs, 300);
});

test('imported key files follow the same rule and stay in their directory', () => {
  const dir = '/p';
  for (const n of hostile) {
    const p = importedKeyPath(dir, 'proj', n, 'PUB=');
    assert.ok(p.startsWith('/p/.wg-compose/proj/imported/'), n);
    assert.ok(basename(p).length <= NAME_MAX, n);
  }
  assert.is(configPathInStack('proj', '..'), `./.wg-compose/proj/${configFileName('..')}`);
});

test('render with hostile service names: every config inside the state directory, one each, no prototype pollution', async () => {
  const long = 'l'.repeat(255);
  // Names that are not host names are linked under an alias.
  const compose = `services:
  "..":
    image: a
    links: ["a.b:ab", "${long}:long"]
  a.b:
    image: b
  "${long}":
    image: c
  Api:
    image: d
    links: ["api:lower", "__proto__:proto"]
  api:
    image: e
  __proto__:
    image: f
    links: ["constructor:ctor", "prototype:proto2"]
  constructor:
    image: g
  prototype:
    image: h
`;
  const dir = project({ 'compose.yaml': compose });
  const env = fixedMaster(project({}));
  const before = Object.getOwnPropertyNames(Object.prototype).sort();
  const r = await runCli(['render', '-p', 'names'], { cwd: dir, env });
  assert.is(r.code, 0, r.stderr);
  assert.equal(Object.getOwnPropertyNames(Object.prototype).sort(), before, 'Object.prototype changed');
  assert.is(({} as Record<string, unknown>)['image'], undefined);

  const services = ['..', 'a.b', long, 'Api', 'api', '__proto__', 'constructor', 'prototype'];
  const state = realpathSync(join(dir, '.wg-compose', 'names'));
  const files = readdirSync(state).filter((f) => f.endsWith('.conf'));
  assert.is(files.length, services.length, 'one config per service');
  for (const s of services) {
    const f = join(state, configFileName(s));
    assert.ok(existsSync(f), `config of ${JSON.stringify(s.slice(0, 20))}`);
    assert.match(readFileSync(f, 'utf8'), new RegExp(`^# wg-quick\\(8\\) configuration of service "${s.replace(/[.]/g, '\\.')}"`, 'm'));
  }
  // Nothing anywhere else: the project directory holds only the input, the lockfile and the state.
  assert.equal(readdirSync(dir).sort(), ['.wg-compose', 'compose.yaml', 'wg-compose.lock']);
  assert.equal(readdirSync(join(dir, '.wg-compose')).sort(), ['names']);
  assert.equal(stateProblems(dir, 'names', { lockCommitted: true }), []);
  // The lockfile keeps every one, `__proto__` included, and reads back the same.
  const lock = readLock(join(dir, 'wg-compose.lock'))!;
  assert.equal([...lock.services.keys()].sort(), [...services].sort());
  // The stack's secrets point at those files.
  const stack = parse(r.stdout) as { secrets: Record<string, { file: string }> };
  for (const s of services) assert.is(stack.secrets[`${s}-wg-conf`]?.file, configPathInStack('names', s));
  // And a second render changes nothing.
  const settled = snapshot(dir);
  const again = await runCli(['render', '-p', 'names'], { cwd: dir, env });
  assert.is(again.code, 0);
  assert.is(again.stdout, r.stdout);
  assert.equal(snapshot(dir), settled);
});

test.run();
