// The real file system behind the core's reader interfaces (src/load/io.ts): the only reader
// that touches the disk, handed to the core by the CLI shell.
import { readdirSync, statSync } from 'node:fs';
import { MAX_FILE_BYTES, type TreeReader } from '../load/io.js';
import { readBounded } from './bounded-read.js';

/**
 * Compose files, env files and extends targets as the user's environment names them: bounded,
 * regular files only, never a state file (src/system/bounded-read.ts).
 */
export const diskReaderFor = (env: Readonly<Record<string, string | undefined>>): TreeReader => ({
  read(path) {
    const r = readBounded(path, MAX_FILE_BYTES, env);
    if (r.ok) return r;
    return { ok: false, reason: r.reason === 'missing' ? 'missing' : 'unreadable', message: r.message };
  },
  isFile(path) {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  },
  kind(path) {
    try {
      const st = statSync(path);
      return st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
    } catch {
      return 'missing';
    }
  },
  list(dir) {
    try {
      return readdirSync(dir, { withFileTypes: true }).map((e) => ({ name: e.name, kind: e.isDirectory() ? 'directory' : e.isFile() ? 'file' : 'other' }));
    } catch {
      return undefined;
    }
  },
});
