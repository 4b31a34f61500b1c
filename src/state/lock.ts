// The state lock: one wg-compose process at a time reads and writes a project directory's
// state (render, rotate, import, up), so two runs never interleave their read of the lockfile
// with the other's write — a lost `rotate` or a half-old, half-new set of configs.
//
// Protocol (`.wg-compose/state.lock`):
// - Taking it: write a complete file with our identity (pid, process start time, boot id,
//   host, command, a random nonce), then link(2) it to the lock name: link fails with EEXIST
//   when the name exists, so exactly one process wins, and the lock is never seen half-written.
// - Waiting: a live holder is waited for, with backoff, up to a timeout; then the command fails
//   naming the holder's pid.
// - Stale: the holder is gone when its pid is not alive (kill(pid, 0) gives ESRCH), when the
//   pid now belongs to another process (its start time in /proc/PID/stat differs), or when the
//   machine rebooted since (boot id). A lock from another host is never judged: we cannot see
//   its processes.
// - Taking over a stale lock, so that two takers can never both win: the stale lock is
//   identified by its nonce N; a taker first link(2)s its own file to `state.lock.takeover-N`.
//   Only one process can create that name, so there is one taker per stale lock. That taker
//   checks that the lock still has nonce N (nobody else may replace it: newcomers fail on
//   EEXIST, other takers lost the claim) and renames its claim over the lock — one atomic
//   step from the dead holder's file to its own. A taker that died holding a claim leaves a
//   stale claim, which is taken over the same way, one level down.
// - Releasing: the holder removes the lock if it still holds its own nonce.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { createFileExclusive, ensurePrivateDir, syncDir } from './atomic.js';
import { removeFile } from './files.js';
import { bootId, describeHolder, isStale, optional, processStart, readLock, type LockHolder } from './lock-holder.js';
import { stateDir } from './paths.js';

export const LOCK_FILE = 'state.lock';
/** Seconds a command waits for another one's lock (default 60). */
export const LOCK_TIMEOUT_ENV = 'WG_COMPOSE_LOCK_TIMEOUT';
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

export const stateLockPath = (projectDir: string): string => join(stateDir(projectDir), LOCK_FILE);

/** The lock was still held by a live process when the wait timed out. */
export class StateLockedError extends Error {
  constructor(
    readonly path: string,
    readonly holder: LockHolder | undefined,
    readonly waitedMs: number,
  ) {
    super(
      `${path} is held by ${describeHolder(holder)}; gave up after ${Math.round(waitedMs / 1000)} s` +
        (holder && holder.host !== hostname() ? ` (another host: if that process is gone, remove ${path})` : ''),
    );
  }
}

export interface LockOptions {
  /** How long to wait for a live holder (default 60 s, or WG_COMPOSE_LOCK_TIMEOUT seconds). */
  readonly timeoutMs?: number;
  /** Called once, when the lock is found held by a live process and the wait begins. */
  readonly onWait?: (holder: LockHolder | undefined) => void;
  /** Recorded in the lock for the messages of those who wait (render, rotate, up…). */
  readonly command?: string;
}

export interface HeldLock {
  readonly path: string;
  readonly holder: LockHolder;
  release(): void;
}

/**
 * Runs `fn` while holding the project directory's state lock; releases it however `fn` ends.
 * Not re-entrant: `fn` must not take the same lock again (it would wait for itself).
 */
export async function withStateLock<T>(projectDir: string, fn: () => T | Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lock = await acquireStateLock(projectDir, opts);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** The timeout the environment asks for, in milliseconds (WG_COMPOSE_LOCK_TIMEOUT, seconds). */
export function lockTimeoutFromEnv(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = env[LOCK_TIMEOUT_ENV];
  if (raw === undefined || raw === '') return undefined;
  const s = Number(raw);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

export async function acquireStateLock(projectDir: string, opts: LockOptions = {}): Promise<HeldLock> {
  const dir = stateDir(projectDir);
  const path = stateLockPath(projectDir);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const me: LockHolder = {
    pid: process.pid,
    ...optional('start', processStart(process.pid)),
    ...optional('boot', bootId()),
    host: hostname(),
    ...optional('command', opts.command),
    since: new Date().toISOString(),
    nonce: randomBytes(12).toString('hex'),
  };
  const content = `${JSON.stringify(me)}\n`;
  const started = Date.now();
  let delay = 10;
  let announced = false;
  for (;;) {
    ensurePrivateDir(dir);
    if (createFileExclusive(path, content, 0o600)) return held(path, me);
    const current = readLock(path);
    if (current === undefined) continue; // released between our two looks: try again at once
    const stale = isStale(current.holder);
    if (stale && takeOver(path, current.id, content, 0)) return held(path, me);
    // Held by a live process, or another process is taking the stale lock over: wait.
    const waited = Date.now() - started;
    if (waited >= timeoutMs) throw new StateLockedError(path, current.holder, waited);
    if (!announced && !stale) {
      announced = true;
      opts.onWait?.(current.holder);
    }
    await sleep(Math.min(delay * (0.5 + Math.random()), timeoutMs - waited));
    delay = Math.min(delay * 2, 500);
  }
}

/** Lock paths this process holds, so writers can tell whether they run under the lock. */
const holding = new Set<string>();

/** Whether this process holds the project directory's state lock right now. */
export const holdsStateLock = (projectDir: string): boolean => holding.has(stateLockPath(projectDir));

function held(path: string, me: LockHolder): HeldLock {
  let released = false;
  holding.add(path);
  return {
    path,
    holder: me,
    release() {
      if (released) return;
      released = true;
      holding.delete(path);
      // Only our own: if someone judged us dead and took over, the lock is theirs now.
      if (readLock(path)?.id === me.nonce) removeFile(path);
    },
  };
}

/**
 * Replaces the stale lock `path` (identified by `staleId`) with ours, or returns false when
 * another process is doing it or the lock changed meanwhile (the caller looks again).
 */
function takeOver(path: string, staleId: string, content: string, depth: number): boolean {
  // Each level adds "takeover-" and an id to the name; crashes inside a takeover are rare
  // enough that a few levels always suffice, and NAME_MAX bounds the chain anyway.
  if (depth > 4) return false;
  const claim = `${path}.takeover-${staleId}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createFileExclusive(claim, content, 0o600)) return finishTakeOver(path, staleId, claim);
    const c = readLock(claim);
    if (c === undefined) continue; // the claimant finished or gave up: look at the claim again
    if (!isStale(c.holder)) return false; // a live process is taking over: let it
    if (!takeOver(claim, c.id, content, depth + 1)) return false;
    return finishTakeOver(path, staleId, claim); // our file is at `claim` now: the claim is ours
  }
  return false;
}

/** We hold the claim on `staleId`: replace the lock with our file if it is still that one. */
function finishTakeOver(path: string, staleId: string, claim: string): boolean {
  if (readLock(path)?.id === staleId) {
    renameSync(claim, path);
    syncDir(dirname(path));
    return true;
  }
  // The lock changed (its holder released it, or it was a claim that another level finished).
  rmSync(claim, { force: true });
  return false;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
