// The state lock (src/state/lock.ts): one holder at a time, a live holder waited for and named
// when the wait times out, a dead holder's lock taken over — by exactly one of several
// processes racing for it — and never through a symlink.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UnsafePathError } from '../../src/state/atomic.js';
import { acquireStateLock, holdsStateLock, stateLockPath, StateLockedError, withStateLock } from '../../src/state/lock.js';
import { isStale, processStart } from '../../src/state/lock-holder.js';
import { project, runCli } from '../helpers/cli.js';
import { DIST, pool } from '../helpers/state.js';

const LOCK_MODULE = pathToFileURL(join(DIST, 'src/state/lock.js')).href;

/** A lock file as a process would have left it. */
function plant(dir: string, holder: Record<string, unknown>): string {
  mkdirSync(join(dir, '.wg-compose'), { recursive: true, mode: 0o700 });
  const path = stateLockPath(dir);
  writeFileSync(path, typeof holder['raw'] === 'string' ? holder['raw'] : `${JSON.stringify({ host: hostname(), nonce: 'ab'.repeat(12), ...holder })}\n`, { mode: 0o600 });
  return path;
}

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** A child process holding the lock of `dir` for `ms`, then releasing it; resolves once it holds it. */
function holder(dir: string, ms: number): Promise<{ pid: number; done: Promise<void> }> {
  const code = `import { withStateLock } from ${JSON.stringify(LOCK_MODULE)};
await withStateLock(${JSON.stringify(dir)}, async () => { process.stdout.write('held\\n'); await new Promise((r) => setTimeout(r, ${ms})); }, { command: 'test' });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const done = new Promise<void>((r) => child.on('close', () => r()));
  return new Promise((resolve) => child.stdout.once('data', () => resolve({ pid: child.pid!, done })));
}

test('held while the function runs, released after, even when it throws', async () => {
  const dir = project({});
  await withStateLock(dir, () => {
    assert.ok(existsSync(stateLockPath(dir)));
    assert.ok(holdsStateLock(dir));
    const h = JSON.parse(readFileSync(stateLockPath(dir), 'utf8')) as { pid: number; start?: string; host: string };
    assert.is(h.pid, process.pid);
    assert.is(h.host, hostname());
    assert.is(h.start, processStart(process.pid));
  });
  assert.not.ok(existsSync(stateLockPath(dir)));
  assert.not.ok(holdsStateLock(dir));
  await withStateLock(dir, () => {
    throw new Error('boom');
  }).catch((e: Error) => assert.is(e.message, 'boom'));
  assert.not.ok(existsSync(stateLockPath(dir)), 'released after a throw');
});

test('a live holder is waited for, and named when the wait times out', async () => {
  const dir = project({});
  const h = await holder(dir, 1500);
  let waitedFor: number | undefined;
  const err = await acquireStateLock(dir, { timeoutMs: 300, onWait: (x) => (waitedFor = x?.pid) }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof StateLockedError);
  assert.is((err as StateLockedError).holder?.pid, h.pid);
  assert.match((err as StateLockedError).message, new RegExp(`pid ${h.pid} \\(wg-compose test`));
  assert.is(waitedFor, h.pid);
  // The CLI says the same, as a diagnostic, and exits 1.
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  a:\n    image: a\n    links: [b]\n  b:\n    image: b\n');
  const r = await runCli(['render'], { cwd: dir, env: { WG_COMPOSE_LOCK_TIMEOUT: '0.3' } });
  assert.is(r.code, 1);
  assert.match(r.stderr, new RegExp(`wg-compose: note WGC100: waiting for pid ${h.pid} \\(wg-compose test`));
  assert.match(r.stderr, new RegExp(`wg-compose: error WGC100: \\.wg-compose/state\\.lock is held by pid ${h.pid} .*; gave up after 0 s`));
  await h.done;
});

test('a waiter gets the lock once the holder releases it', async () => {
  const dir = project({});
  const h = await holder(dir, 400);
  const t0 = Date.now();
  const lock = await acquireStateLock(dir, { timeoutMs: 10_000 });
  assert.ok(Date.now() - t0 >= 200, 'it waited');
  lock.release();
  await h.done;
});

test('stale locks are taken over: dead pid, reused pid, garbage, another boot', async () => {
  const start = processStart(process.pid)!;
  const cases: [string, Record<string, unknown>][] = [
    ['dead pid', { pid: deadPid(), start: '1' }],
    ['pid alive but started at another time (reused)', { pid: process.pid, start: String(Number(start) + 1) }],
    ['not a lock at all', { raw: 'garbage\n' }],
    ['an empty file', { raw: '' }],
    ['taken before a reboot', { pid: process.pid, start, boot: '00000000-0000-0000-0000-000000000000' }],
  ];
  for (const [why, h] of cases) {
    const dir = project({});
    plant(dir, h);
    const t0 = Date.now();
    const lock = await acquireStateLock(dir, { timeoutMs: 2000 });
    assert.ok(Date.now() - t0 < 1000, `${why}: taken over at once`);
    assert.is(JSON.parse(readFileSync(stateLockPath(dir), 'utf8')).pid, process.pid, why);
    lock.release();
    assert.equal(readdirSync(join(dir, '.wg-compose')), [], `${why}: nothing left behind`);
  }
  assert.not.ok(isStale({ pid: process.pid, host: hostname(), nonce: 'x', start }), 'our own lock is live');
});

test('a lock of another host is never judged stale', async () => {
  const dir = project({});
  plant(dir, { pid: deadPid(), host: 'elsewhere.example' });
  const err = await acquireStateLock(dir, { timeoutMs: 200 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof StateLockedError);
  assert.match((err as Error).message, /on elsewhere\.example/);
  assert.match((err as Error).message, /another host: if that process is gone, remove/);
});

test('a stale takeover claim (a taker that died mid-way) is taken over too', async () => {
  const dir = project({});
  const path = plant(dir, { pid: deadPid(), nonce: 'cd'.repeat(12) });
  writeFileSync(`${path}.takeover-${'cd'.repeat(12)}`, `${JSON.stringify({ pid: deadPid(), host: hostname(), nonce: 'ef'.repeat(12) })}\n`, { mode: 0o600 });
  const lock = await acquireStateLock(dir, { timeoutMs: 2000 });
  assert.is(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
  lock.release();
  assert.equal(readdirSync(join(dir, '.wg-compose')), []);
});

test('many processes racing for one stale lock: one holder at a time, every one gets it', async () => {
  // Each child takes the lock, creates a marker exclusively (failing if another child is
  // inside), holds it a moment, and removes it. Every round starts from a stale lock.
  const rounds = 4;
  const children = 6;
  for (let round = 0; round < rounds; round++) {
    const dir = project({});
    plant(dir, { pid: deadPid(), start: '1', nonce: `${round}`.padStart(24, 'a') });
    const marker = join(dir, 'inside');
    const code = `import { withStateLock } from ${JSON.stringify(LOCK_MODULE)};
import { openSync, closeSync, rmSync } from 'node:fs';
await withStateLock(${JSON.stringify(dir)}, async () => {
  closeSync(openSync(${JSON.stringify(marker)}, 'wx'));
  await new Promise((r) => setTimeout(r, 15));
  rmSync(${JSON.stringify(marker)});
}, { timeoutMs: 20000 });`;
    const results = await pool(
      children,
      Array.from({ length: children }, () => () =>
        new Promise<{ code: number | null; err: string }>((resolve) => {
          const c = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          c.stderr.on('data', (d) => (err += d));
          c.on('close', (exitCode) => resolve({ code: exitCode, err }));
        }),
      ),
    );
    for (const r of results) assert.is(r.code, 0, `round ${round}: a child failed (two inside at once?): ${r.err}`);
    assert.equal(readdirSync(join(dir, '.wg-compose')), [], `round ${round}: lock or claims left behind`);
  }
});

test('a lock that is a symlink is refused, never followed', async () => {
  const dir = project({});
  mkdirSync(join(dir, '.wg-compose'), { mode: 0o700 });
  const target = join(project({}), 'elsewhere');
  symlinkSync(target, stateLockPath(dir));
  const err = await acquireStateLock(dir, { timeoutMs: 200 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof UnsafePathError, String(err));
  assert.not.ok(existsSync(target));
});

test('release leaves a lock that is not ours alone', async () => {
  const dir = project({});
  const lock = await acquireStateLock(dir);
  const other = `${JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'ff'.repeat(12) })}\n`;
  writeFileSync(stateLockPath(dir), other);
  lock.release();
  assert.is(readFileSync(stateLockPath(dir), 'utf8'), other);
});

test.run();
