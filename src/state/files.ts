// Reading and removing state files: never through a symlink, each removal a recorded write
// step (src/state/write-steps.ts) like every other change on disk.
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TEMP_FILE, UnsafePathError } from './atomic.js';
import { step } from './write-steps.js';

/**
 * Reads a state file that must be a regular file, never through a symlink (O_NOFOLLOW, then
 * fstat of what was opened); undefined when it does not exist. `what` names it in errors.
 * A file larger than maxBytes is refused (one a container writes, say).
 */
export function readRegularFile(path: string, what: string, maxBytes = Infinity): { text: string; mode: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new UnsafePathError(`${path} is a symbolic link; refusing to use it as ${what}`);
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnsafePathError(`${path} is not a regular file`);
    if (st.size > maxBytes) throw new UnsafePathError(`${path} is larger than ${maxBytes} bytes; refusing to read it as ${what}`);
    return { text: readFileSync(fd, 'utf8'), mode: st.mode & 0o777 };
  } finally {
    closeSync(fd);
  }
}

/** Removes a file (not through a symlink: rm removes the link itself) and records the step. */
export function removeFile(path: string): void {
  rmSync(path, { force: true });
  step('remove', path);
}

/**
 * Removes temporary files a killed writer left in `dir` (only those of the file `of`, when
 * given). Only under the state lock: then no other writer can have one in flight there.
 */
export function removeStaleTemps(dir: string, of?: string): string[] {
  return removeFilesWhere(dir, (n) => TEMP_FILE.test(n) && (of === undefined || n.startsWith(`.${of}.`)));
}

/** Removes the files of `dir` whose names match; a missing directory has none. Returns their paths. */
export function removeFilesWhere(dir: string, matches: (name: string) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const removed: string[] = [];
  for (const n of names) {
    if (!matches(n)) continue;
    removeFile(join(dir, n));
    removed.push(join(dir, n));
  }
  return removed;
}
