// The real file system behind the core's reader interfaces (src/load/io.ts): the only reader
// that touches the disk, handed to the core by the CLI shell.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { MAX_FILE_BYTES, type TreeReader } from '../load/io.js';

export const diskReader: TreeReader = {
  read(path) {
    try {
      const st = statSync(path);
      if (st.isDirectory()) return { ok: false, reason: 'unreadable', message: 'is a directory' };
      if (st.size > MAX_FILE_BYTES) return { ok: false, reason: 'unreadable', message: `larger than ${MAX_FILE_BYTES} bytes` };
      return { ok: true, text: readFileSync(path, 'utf8') };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'missing', message: 'no such file' };
      return { ok: false, reason: 'unreadable', message: code ?? String(e) };
    }
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
};
