// Concurrent runs of the real CLI on one project (issue #7): they are serialized by the state
// lock, so no update is lost and the state is consistent afterwards; and a lock left by a
// SIGKILLed run is taken over by the next one.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clamp, toBase64 } from '../../src/keys/derive.js';
import { CRASH_ENV } from '../../src/state/crash-hook.js';
import { stateLockPath } from '../../src/state/lock.js';
import { fixedMaster, project, runCli } from '../helpers/cli.js';
import { pool, readLock, snapshot, spawnCli, stateProblems } from '../helpers/state.js';

const COMPOSE = `name: conc
services:
  web:
    image: web
    links: [api]
  api:
    image: api
    links: ["db:database"]
  db:
    image: db
`;

const LONG = process.env['WG_COMPOSE_LONG_TESTS'] === '1';

test('renders started together: all succeed, print the same stack, and leave one consistent state', async () => {
  for (let round = 0; round < (LONG ? 10 : 3); round++) {
    // A fresh project each round, so the runs race to create the master secret too.
    const dir = project({ 'compose.yaml': COMPOSE });
    const runs = await Promise.all([0, 1, 2, 3].map(() => spawnCli(['render'], { cwd: dir })));
    for (const r of runs) assert.is(r.code, 0, `round ${round}: ${r.stderr}`);
    assert.ok(runs.every((r) => r.stdout === runs[0]!.stdout), `round ${round}: the runs printed different stacks`);
    assert.equal(stateProblems(dir, 'conc', { lockCommitted: true }), [], `round ${round}`);
    assert.not.ok(existsSync(stateLockPath(dir)), 'the lock is released');
    const settled = snapshot(dir);
    assert.is((await runCli(['render'], { cwd: dir })).code, 0);
    assert.equal(snapshot(dir), settled, `round ${round}: a further render changed the state`);
  }
});

test('rotations started together are serialized: N rotations, N epochs, none lost', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const env = fixedMaster(mkdtempSync(join(tmpdir(), 'wgc-conc-')));
  assert.is((await runCli(['render'], { cwd: dir, env })).code, 0);
  const n = LONG ? 8 : 5;
  const runs = await Promise.all([
    ...Array.from({ length: n }, () => spawnCli(['rotate', 'api'], { cwd: dir, env })),
    ...Array.from({ length: n }, () => spawnCli(['rotate', 'api:db'], { cwd: dir, env })),
  ]);
  for (const r of runs) assert.is(r.code, 0, r.stderr);
  // Without the lock, two runs read the same epoch and both write epoch + 1.
  const lock = readLock(join(dir, 'wg-compose.lock'))!;
  assert.is(lock.services.get('api')!.epoch, n, 'service rotations lost');
  assert.is(lock.links.get('api:db')!.epoch, n, 'link rotations lost');
  assert.is(lock.services.get('db')!.epoch, 0, 'another service was touched');
  assert.equal(stateProblems(dir, 'conc', { lockCommitted: true }), []);
  // The configs carry the last rotation's keys: the lockfile and a fresh render agree.
  const settled = snapshot(dir);
  assert.is((await runCli(['render'], { cwd: dir, env })).code, 0);
  assert.equal(snapshot(dir), settled);
});

test('render, rotate and import mixed, many times: the state stays consistent', async () => {
  const dir = project({ 'compose.yaml': COMPOSE, 'db.key': `${toBase64(clamp(randomBytes(32)))}\n` });
  const env = fixedMaster(mkdtempSync(join(tmpdir(), 'wgc-conc-')));
  // Rendered once first: a rotation before any render is refused (there is nothing to rotate).
  assert.is((await runCli(['render'], { cwd: dir, env })).code, 0);
  const commands = [['render'], ['rotate', 'web'], ['import', 'db', '--private-key-file', 'db.key'], ['rotate', 'api:web'], ['render'], ['rotate', 'db']];
  const rounds = LONG ? 6 : 2;
  const runs = await pool(
    6,
    Array.from({ length: rounds * commands.length }, (_, i) => () => spawnCli(commands[i % commands.length]!, { cwd: dir, env })),
  );
  for (const r of runs) assert.is(r.code, 0, r.stderr);
  assert.equal(stateProblems(dir, 'conc', { lockCommitted: true }), []);
  const settled = snapshot(dir);
  assert.is((await runCli(['render'], { cwd: dir, env })).code, 0);
  assert.equal(snapshot(dir), settled);
});

test('a lock left by a SIGKILLed render is taken over by the next run', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  // Step 1 makes the state directory, 2 writes the lock's temporary file, 3 links it: killed
  // right after, the process holds the lock and is gone.
  const killed = await spawnCli(['render'], { cwd: dir, env: { [CRASH_ENV]: '3' } });
  assert.is(killed.signal, 'SIGKILL');
  assert.match(killed.stderr, /after step 3 \(link .*state\.lock\)/);
  assert.ok(existsSync(stateLockPath(dir)), 'the dead process left its lock');
  const t0 = Date.now();
  const next = await spawnCli(['render'], { cwd: dir });
  assert.is(next.code, 0, next.stderr);
  assert.ok(Date.now() - t0 < 10_000);
  assert.not.match(next.stderr, /waiting/, 'a dead holder is not waited for');
  assert.not.ok(existsSync(stateLockPath(dir)));
  assert.equal(stateProblems(dir, 'conc', { lockCommitted: true }), []);
});

test.run();
