// The loader's only windows to the outside: reading files and asking whether a path exists.
// The core takes these as arguments, so tests run it on in-memory files and the CLI shell
// hands it the real file system.
import { readFileSync, statSync } from 'node:fs';

export type ReadResult = { ok: true; text: string } | { ok: false; reason: 'missing' | 'unreadable'; message: string };

export interface FileReader {
  read(path: string): ReadResult;
  isFile(path: string): boolean;
}

/**
 * Largest compose or env file read; a larger one is refused with a diagnostic, not read. A
 * compose file of 10,000 services with links is 1.4 MB; the yaml library needs up to ~500
 * bytes of memory per byte of some shapes of input, so this bound (with LIMITS.tokens in
 * parse.ts) is what keeps a hostile file's memory bounded.
 */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

export const diskReader: FileReader = {
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
};

/** An in-memory reader for tests and for `check` on staged content. */
export function memoryReader(files: Record<string, string>): FileReader {
  return {
    read: (path) =>
      Object.hasOwn(files, path) ? { ok: true, text: files[path]! } : { ok: false, reason: 'missing', message: 'no such file' },
    isFile: (path) => Object.hasOwn(files, path),
  };
}
