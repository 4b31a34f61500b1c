// Issue #13, "Secrets echoed in diagnostics" and "Bounded on any input": each repro of the
// attack pass, as a test. Compose file: `api` links `[db]`, plus `db`; `render` run once first.
// Rules that now hold: no input is read from a file that is, or resolves to, anything under a
// state directory or the master secret (so no parser can quote it); input files are regular
// files read with a hard byte limit (a device or FIFO is refused, unread); the lockfile's JSON
// error keeps the position and drops the parser's message, which quotes the input.
import { readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { project, runCli, type CliResult } from '../helpers/cli.js';

const COMPOSE = 'name: p\nservices:\n  api:\n    image: api\n    links: [db]\n  db:\n    image: db\n';

/** A rendered project, and every secret its state holds (master, private keys, PSKs). */
async function rendered(files: Record<string, string> = {}): Promise<{ dir: string; secrets: string[] }> {
  const dir = project({ 'compose.yaml': COMPOSE, ...files });
  const r = await runCli(['render'], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  const master = readFileSync(join(dir, '.wg-compose/master.key'), 'utf8').trim();
  const keys = readdirSync(join(dir, '.wg-compose/p'))
    .filter((f) => f.endsWith('.conf'))
    .flatMap((f) => [...readFileSync(join(dir, '.wg-compose/p', f), 'utf8').matchAll(/^(?:PrivateKey|PresharedKey) = (\S+)$/gm)].map((m) => m[1]!));
  assert.ok(keys.length >= 3);
  return { dir, secrets: [master, ...keys] };
}

/** No secret, nor any 8-character piece of one, on any output. */
function noLeak(r: CliResult, secrets: readonly string[], what: string): void {
  const out = r.stdout + r.stderr;
  for (const s of secrets) for (let i = 0; i + 8 <= s.length; i += 4) assert.not.ok(out.includes(s.slice(i, i + 8)), `${what}: a piece of a secret is on the output:\n${out}`);
}

test('a lockfile linked to the master: check (text, json, sarif) and render refuse it without quoting it', async () => {
  const { dir, secrets } = await rendered();
  const { rmSync } = await import('node:fs');
  rmSync(join(dir, 'wg-compose.lock'));
  symlinkSync('.wg-compose/master.key', join(dir, 'wg-compose.lock'));
  for (const format of ['text', 'json', 'sarif']) {
    const r = await runCli(['check', '--format', format, 'compose.yaml'], { cwd: dir, sources: true });
    assert.is(r.code, 1, `${format}: ${r.stderr}`);
    assert.match(r.stdout + r.stderr, 'WGC061');
    assert.match(r.stdout + r.stderr, 'state file');
    noLeak(r, secrets, `check --format ${format}`);
  }
  const r = await runCli(['render'], { cwd: dir, sources: true });
  assert.is(r.code, 1);
  assert.match(r.stderr, /error WGC061: lockfile is a wg-compose state file/);
  noLeak(r, secrets, 'render');
});

test('an imported key or a wg-quick file as lockfile, extends target, .env or env file: refused, never quoted', async () => {
  const { dir, secrets } = await rendered();
  const cases: [string, Record<string, string>, string[]][] = [
    ['extends into the state directory', { 'compose.yaml': `${COMPOSE}  x:\n    extends: {file: .wg-compose/p/api.conf, service: x}\n` }, ['render']],
    ['.env linked to the master', {}, ['render']],
    ['--env-file into the state directory', {}, ['render', '--env-file', '.wg-compose/p/db.conf']],
    ['-f into the state directory', {}, ['render', '-f', '.wg-compose/p/api.conf']],
  ];
  for (const [what, files, args] of cases) {
    const work = project({ 'compose.yaml': COMPOSE, ...files });
    const { cpSync } = await import('node:fs');
    cpSync(join(dir, '.wg-compose'), join(work, '.wg-compose'), { recursive: true });
    if (what.startsWith('.env')) symlinkSync('.wg-compose/master.key', join(work, '.env'));
    const r = await runCli(args, { cwd: work, sources: true });
    assert.is(r.code, 1, `${what}: ${r.stderr}`);
    assert.match(r.stderr, 'is a wg-compose state file', what);
    noLeak(r, secrets, what);
  }
});

test('devices, FIFOs and /proc files as input: refused or bounded, never an unbounded read', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const { execFileSync } = await import('node:child_process');
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  const cases: [string, string[], Record<string, string>][] = [
    ['extends /dev/zero', ['render'], { 'compose.yaml': `${COMPOSE}  x:\n    extends: {file: /dev/zero, service: x}\n` }],
    ['--env-file /dev/zero', ['render', '--env-file', '/dev/zero'], {}],
    ['-f a FIFO', ['render', '-f', 'fifo'], {}],
    ['-f /dev/urandom', ['check', '/dev/urandom'], {}],
    ['import --private-key-file /dev/zero', ['import', 'api', '--private-key-file', '/dev/zero'], {}],
  ];
  for (const [what, args, files] of cases) {
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
    const started = Date.now();
    const r = await runCli(args, { cwd: dir });
    assert.ok(r.code === 1 || r.code === 2, `${what}: exit ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, /not a regular file|is a directory|no such file/, what);
    assert.ok(Date.now() - started < 5000, `${what}: took ${Date.now() - started} ms`);
    writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
  }
  // A lockfile that is a link to a device.
  symlinkSync('/dev/zero', join(dir, 'wg-compose.lock'));
  const r = await runCli(['render'], { cwd: dir });
  assert.is(r.code, 1);
  assert.match(r.stderr, /error WGC061: lockfile is not a regular file/);
  // /proc files are regular files whose stat size is 0: read, but only up to the bound (its
  // lines are not KEY=value: reported as such, which proves it was read).
  const { rmSync } = await import('node:fs');
  rmSync(join(dir, 'wg-compose.lock'));
  const proc = await runCli(['render', '--env-file', '/proc/self/status'], { cwd: dir });
  assert.is(proc.code, 1);
  assert.match(proc.stderr, /\/proc\/self\/status:\d+:\d+: error WGC013/);
});

test.run();
