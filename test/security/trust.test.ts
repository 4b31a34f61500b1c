// Issue #13: state you did not write must not be trusted. A state directory or master secret
// that another user owns, or that group or others can write, is refused (WGC060) with the fix,
// as ssh refuses such a ~/.ssh; nothing is rendered from it and no key is derived.
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { project, runCli } from '../helpers/cli.js';

const COMPOSE = 'name: p\nservices:\n  api:\n    image: api\n    links: [db]\n  db:\n    image: db\n';
const PLANTED = `${Buffer.alloc(32, 9).toString('base64')}\n`;
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

/** Refused: WGC067 for a state directory (any command that writes, and show), WGC060 for a master. */
async function refused(dir: string, pattern: RegExp, env: Record<string, string> = {}, code = 'WGC060'): Promise<void> {
  const r = await runCli(['render'], { cwd: dir, env });
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, `error ${code}: `);
  assert.match(r.stderr, pattern);
  assert.is(r.stdout, '', 'no stack rendered from untrusted state');
  assert.not.ok(existsSync(join(dir, 'wg-compose.lock')), 'no lockfile written');
}

test('a world-writable state directory with a planted master is refused, with the fix', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  mkdirSync(join(dir, '.wg-compose'));
  chmodSync(join(dir, '.wg-compose'), 0o777);
  writeFileSync(join(dir, '.wg-compose/master.key'), PLANTED, { mode: 0o600 });
  await refused(dir, /\.wg-compose is writable by others \(mode 0777\): another user could have put keys there; if it is yours, run chmod 700 /, {}, 'WGC067');
  chmodSync(join(dir, '.wg-compose'), 0o770);
  await refused(dir, /writable by its group/, {}, 'WGC067');
  // A command that only reads (show) refuses it too, and leaves it as it is.
  const show = await runCli(['show'], { cwd: dir });
  assert.is(show.code, 1);
  assert.match(show.stderr, /error WGC060: .*\.wg-compose is writable by its group/);
});

test('a project directory inside the state writable by others is refused too', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  assert.is((await runCli(['render'], { cwd: dir })).code, 0);
  chmodSync(join(dir, '.wg-compose/p'), 0o777);
  const r = await runCli(['render'], { cwd: dir });
  assert.is(r.code, 1);
  assert.match(r.stderr, /\.wg-compose\/p is writable by others/);
});

test('a master secret writable by others is refused', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  mkdirSync(join(dir, '.wg-compose'), { mode: 0o700 });
  writeFileSync(join(dir, '.wg-compose/master.key'), PLANTED, { mode: 0o600 });
  chmodSync(join(dir, '.wg-compose/master.key'), 0o620);
  await refused(dir, /master\.key is writable by its group \(mode 0620\): another user could have chosen it/);
  const named = join(dir, 'team.key');
  writeFileSync(named, PLANTED);
  chmodSync(named, 0o666);
  chmodSync(join(dir, '.wg-compose/master.key'), 0o600);
  await refused(dir, /team\.key is writable by others .*run chmod 600/, { WG_COMPOSE_MASTER_KEY_FILE: named });
});

if (asRoot) {
  test('state owned by another user is refused (a master planted by them, or their directory)', async () => {
    const dir = project({ 'compose.yaml': COMPOSE });
    mkdirSync(join(dir, '.wg-compose'), { mode: 0o700 });
    writeFileSync(join(dir, '.wg-compose/master.key'), PLANTED, { mode: 0o600 });
    chownSync(join(dir, '.wg-compose/master.key'), NOBODY, NOBODY);
    await refused(dir, /master\.key is owned by uid 65534, not by you \(uid 0\)/);
    chownSync(join(dir, '.wg-compose'), NOBODY, NOBODY);
    await refused(dir, /\.wg-compose is owned by uid 65534, not by you/, {}, 'WGC067');
  });

  test("a named master of another owner (a mounted secret) is fine when only its owner can write it", async () => {
    const dir = project({ 'compose.yaml': COMPOSE });
    const named = join(dir, 'team.key');
    writeFileSync(named, PLANTED, { mode: 0o640 });
    chownSync(named, NOBODY, 0);
    const r = await runCli(['render'], { cwd: dir, env: { WG_COMPOSE_MASTER_KEY_FILE: named } });
    assert.is(r.code, 0, r.stderr);
  });
}

test.run();
