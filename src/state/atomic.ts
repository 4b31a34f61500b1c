// Writing state so that a crash at any instant leaves the old file or the new one, never a
// torn one: write a temporary file beside the target (O_EXCL, final mode from the start),
// fsync it, rename it over the target, fsync the directory. Never through a symlink.
import { closeSync, fsyncSync, lstatSync, type Stats, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, chmodSync, constants, linkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { syncFileSystem } from '../system/syncfs.js';
import { distrust } from './trust.js';
import { step } from './write-steps.js';

export class UnsafePathError extends Error {}

/** Refuses a path that exists as a symlink (or anything but the kind wanted); its lstat, undefined when it does not exist. */
function assertNotLink(path: string, want: 'file' | 'dir'): Stats | undefined {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) throw new UnsafePathError(`${path} is a symbolic link; refusing to write through it`);
    if (want === 'file' && !st.isFile()) throw new UnsafePathError(`${path} exists and is not a regular file`);
    if (want === 'dir' && !st.isDirectory()) throw new UnsafePathError(`${path} exists and is not a directory`);
    return st;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Creates (or tightens) a private directory: mode 0700, not a symlink. */
export function ensurePrivateDir(path: string): void {
  let st = assertNotLink(path, 'dir');
  if (!st) {
    try {
      mkdirSync(path, { mode: 0o700 });
      step('mkdir', path);
    } catch (e) {
      // Another process made it between our look and our mkdir: check what it made.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    st = assertNotLink(path, 'dir') ?? lstatSync(path);
  }
  // Another user's directory, or one others can write, is not ours to tighten and write keys
  // into: they could have put keys there (src/state/trust.ts).
  const why = distrust(st);
  if (why) throw new UnsafePathError(`${path} ${why}: another user could have put keys there; if it is yours, run chmod 700 ${path} (and chown it to yourself), else remove it`);
  // umask may have cleared bits we did not ask to set (never added any); an existing
  // directory of ours may have been opened up for reading by hand.
  if ((st.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Temporary files are `.NAME.<12 hex>.tmp` beside their target: hidden, and never `*.conf`. */
export const TEMP_FILE = /^\..*\.[0-9a-f]{12}\.tmp$/s;

function writeTemp(path: string, content: string | Uint8Array, mode: number, sync: boolean): string {
  const tmp = join(dirname(path), `.${basename(path).slice(0, 200)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (sync) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  step('temp', tmp);
  return tmp;
}

/** Whether `path` already holds exactly this content with this mode (then nothing is written). */
export function unchanged(path: string, content: string | Uint8Array, mode: number): boolean {
  const st = assertNotLink(path, 'file');
  if (!st || (st.mode & 0o777) !== mode) return false;
  const next = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  return st.size === next.length && readFileSync(path).equals(next);
}

/** Atomically replaces `path`; returns false (and writes nothing) when the content is unchanged. */
export function writeFileAtomic(path: string, content: string | Uint8Array, mode: number): boolean {
  if (unchanged(path, content, mode)) return false;
  const tmp = writeTemp(path, content, mode, true);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  step('rename', path);
  fsyncDir(dirname(path));
  return true;
}

/** Up to this many files a batch fsyncs one by one; above it, one syncfs(2) is far cheaper. */
const FSYNC_EACH_MAX = 32;

/**
 * Atomically replaces many files, each as writeFileAtomic does, with the same guarantee per
 * file, but paying for durability once per batch rather than once per file: every temporary
 * file is written first, then made durable (fsync each, or for a large batch one syncfs(2) of
 * the file system: see src/system/syncfs.ts), then
 * renamed over its target, and each directory is fsynced once at the end. A crash leaves every
 * target either old or new, and at worst some hidden `.NAME.*.tmp` files, which
 * removeStaleTemps clears. Returns the paths that changed.
 */
export function writeFilesAtomic(files: readonly { readonly path: string; readonly content: string | Uint8Array; readonly mode: number }[]): string[] {
  const todo = files.filter((f) => !unchanged(f.path, f.content, f.mode));
  if (todo.length === 0) return [];
  const eachSync = todo.length <= FSYNC_EACH_MAX;
  const temps: string[] = [];
  try {
    for (const f of todo) temps.push(writeTemp(f.path, f.content, f.mode, eachSync));
    if (!eachSync) syncFiles(temps);
    todo.forEach((f, i) => {
      renameSync(temps[i]!, f.path);
      temps[i] = '';
      step('rename', f.path);
    });
  } finally {
    for (const t of temps) if (t !== '') rmSync(t, { force: true });
  }
  for (const dir of new Set(todo.map((f) => dirname(f.path)))) fsyncDir(dir);
  return todo.map((f) => f.path);
}

/** Makes written files durable: syncfs(2) of their file system, or fsync of each if that fails. */
function syncFiles(paths: readonly string[]): void {
  if (syncFileSystem(paths[0]!)) return;
  for (const p of paths) {
    const fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Makes a directory's entries (renames, removals) durable. */
export function syncDir(dir: string): void {
  fsyncDir(dir);
}

/**
 * Creates `path` only if it does not exist (link(2) of a complete temporary file fails with
 * EEXIST), so two processes creating the same secret cannot both win. Returns false if it existed.
 */
export function createFileExclusive(path: string, content: string | Uint8Array, mode: number): boolean {
  if (assertNotLink(path, 'file')) return false;
  const tmp = writeTemp(path, content, mode, true);
  try {
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  step('link', path);
  fsyncDir(dirname(path));
  return true;
}
