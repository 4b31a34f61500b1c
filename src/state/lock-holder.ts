// Who holds a state lock (src/state/lock.ts): the identity a lock file records, how it is
// read back, and whether its process is certainly gone (pid, process start time, boot id).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { readRegularFile } from './files.js';
import { parseJsonObject } from './json-object.js';

/** Who holds a lock: what its file says. */
export interface LockHolder {
  readonly pid: number;
  /** Start time of the process (field 22 of /proc/PID/stat, clock ticks since boot). */
  readonly start?: string;
  readonly boot?: string;
  readonly host: string;
  readonly command?: string;
  /** When it was taken (ISO 8601), for the message a waiter prints. */
  readonly since?: string;
  readonly nonce: string;
}

export function describeHolder(h: LockHolder | undefined): string {
  if (!h) return 'an unknown process';
  const what = h.command ? `wg-compose ${h.command}` : 'wg-compose';
  return `pid ${h.pid} (${what}${h.host !== hostname() ? ` on ${h.host}` : ''}${h.since ? `, since ${h.since}` : ''})`;
}

/** A lock file as read: its holder (undefined if it is not one of ours) and its identity. */
export interface LockFileView {
  readonly holder: LockHolder | undefined;
  /** The nonce, or for a file we cannot read as a lock, a hash of its bytes. */
  readonly id: string;
}

/** Reads a lock file, never through a symlink; undefined when there is none. */
export function readLock(path: string): LockFileView | undefined {
  const text = readRegularFile(path, 'a lock')?.text;
  if (text === undefined) return undefined;
  const holder = parseHolder(text);
  return { holder, id: holder?.nonce ?? `x${createHash('sha256').update(text).digest('hex').slice(0, 24)}` };
}

function parseHolder(text: string): LockHolder | undefined {
  const r = parseJsonObject(text);
  if (!r) return undefined;
  const str = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : undefined);
  const nonce = str('nonce');
  const host = str('host');
  if (!Number.isSafeInteger(r['pid']) || (r['pid'] as number) <= 0 || !nonce || !/^[0-9a-f]{24}$/.test(nonce) || host === undefined) return undefined;
  return {
    pid: r['pid'] as number,
    ...optional('start', str('start')),
    ...optional('boot', str('boot')),
    host,
    ...optional('command', str('command')),
    ...optional('since', str('since')),
    nonce,
  };
}

/**
 * Whether the holder is certainly gone. A file that is not a lock of ours (garbage, a torn
 * write by something else) counts as stale: ours are complete before they are visible.
 */
export function isStale(h: LockHolder | undefined): boolean {
  if (!h) return true;
  if (h.host !== hostname()) return false;
  const boot = bootId();
  if (h.boot !== undefined && boot !== undefined && h.boot !== boot) return true;
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    // EPERM: the process exists but is not ours to signal, so it is alive.
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  if (h.start !== undefined) {
    const now = processStart(h.pid);
    if (now !== undefined && now !== h.start) return true; // the pid was reused
  }
  return false;
}

// --- the processes of this machine ----------------------------------------------------------

/** Field 22 of /proc/PID/stat (starttime); the command name in field 2 may hold spaces and ")". */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19]; // fields[0] is field 3 (state), so field 22 is fields[19]
  } catch {
    return undefined;
  }
}

let boot: string | undefined | null = null;
export function bootId(): string | undefined {
  if (boot === null) {
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      boot = undefined;
    }
  }
  return boot;
}

export function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
