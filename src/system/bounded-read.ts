// Reading an input file (compose file, env file, extends target, lockfile, a key to import)
// so that no input can exhaust memory or make a diagnostic quote a secret:
// - only regular files: a device (/dev/zero), FIFO or socket is refused before it is read
//   (opened non-blocking, so a FIFO cannot hang the open), and stat's size is not trusted
//   (/proc files say 0): at most `max` bytes are read, one more tells it is too large;
// - never a state file: a path that is, or resolves to, anything inside a `.wg-compose`
//   directory, or the master secret named by WG_COMPOSE_MASTER_KEY_FILE, is refused with no
//   byte of it read, so no parser error can echo key material.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { MASTER_ENV, STATE_DIR } from '../state/paths.js';

export type BoundedRead = { ok: true; text: string } | { ok: false; reason: 'missing' | 'unreadable' | 'state'; message: string };

/** Whether `path` resolves into a state directory or to the master secret file (see above). */
export function isStateFile(path: string, env: Readonly<Record<string, string | undefined>>): boolean {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return false;
  }
  if (real.split(sep).includes(STATE_DIR)) return true;
  const master = env[MASTER_ENV];
  if (!master) return false;
  try {
    return realpathSync(master) === real;
  } catch {
    return false;
  }
}

export function readBounded(path: string, max: number, env: Readonly<Record<string, string | undefined>>): BoundedRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'missing', message: 'no such file' };
    return { ok: false, reason: 'unreadable', message: code ?? 'cannot open' };
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { ok: false, reason: 'unreadable', message: 'is a directory' };
    if (!st.isFile()) return { ok: false, reason: 'unreadable', message: 'is not a regular file (a device, FIFO or socket)' };
    if (isStateFile(path, env)) {
      return { ok: false, reason: 'state', message: `is a wg-compose state file (in ${STATE_DIR}/, or the master secret); state is never read as input` };
    }
    const buf = Buffer.alloc(Math.min(max + 1, Math.max(st.size + 1, 64 * 1024)));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > max) return { ok: false, reason: 'unreadable', message: `larger than ${max} bytes` };
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return { ok: true, text: Buffer.concat(chunks, total).toString('utf8') };
  } catch (e) {
    return { ok: false, reason: 'unreadable', message: (e as NodeJS.ErrnoException).code ?? 'read failed' };
  } finally {
    closeSync(fd);
  }
}
