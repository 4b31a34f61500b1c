// Writing state so that a crash at any instant leaves the old file or the new one, never a
// torn one: write a temporary file beside the target (O_EXCL, final mode from the start),
// fsync it, rename it over the target, fsync the directory. Never through a symlink.
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, chmodSync, constants, linkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

export class UnsafePathError extends Error {}

/** Refuses a path that exists as a symlink (or anything but a regular file). */
function assertNotLink(path: string, want: 'file' | 'dir'): boolean {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) throw new UnsafePathError(`${path} is a symbolic link; refusing to write through it`);
    if (want === 'file' && !st.isFile()) throw new UnsafePathError(`${path} exists and is not a regular file`);
    if (want === 'dir' && !st.isDirectory()) throw new UnsafePathError(`${path} exists and is not a directory`);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** Creates (or tightens) a private directory: mode 0700, not a symlink. */
export function ensurePrivateDir(path: string): void {
  if (assertNotLink(path, 'dir')) {
    const mode = lstatSync(path).mode & 0o777;
    if (mode !== 0o700) chmodSync(path, 0o700);
    return;
  }
  mkdirSync(path, { mode: 0o700 });
  chmodSync(path, 0o700); // umask may have cleared bits we did not ask to set, never added any
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeTemp(path: string, content: string | Uint8Array, mode: number): string {
  const tmp = join(dirname(path), `.${basename(path).slice(0, 200)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  return tmp;
}

/** Atomically replaces `path`; returns false (and writes nothing) when the content is unchanged. */
export function writeFileAtomic(path: string, content: string | Uint8Array, mode: number): boolean {
  if (assertNotLink(path, 'file')) {
    const current = readFileSync(path);
    const next = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    if (current.equals(next) && (lstatSync(path).mode & 0o777) === mode) return false;
  }
  const tmp = writeTemp(path, content, mode);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dirname(path));
  return true;
}

/**
 * Creates `path` only if it does not exist (link(2) of a complete temporary file fails with
 * EEXIST), so two processes creating the same secret cannot both win. Returns false if it existed.
 */
export function createFileExclusive(path: string, content: string | Uint8Array, mode: number): boolean {
  if (assertNotLink(path, 'file')) return false;
  const tmp = writeTemp(path, content, mode);
  try {
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  fsyncDir(dirname(path));
  return true;
}
