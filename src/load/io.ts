// The loader's only windows to the outside: reading files and asking whether a path exists.
// The core takes these as arguments, so tests run it on in-memory files and the CLI shell
// hands it the real file system (src/system/disk-reader.ts).

export type ReadResult = { ok: true; text: string } | { ok: false; reason: 'missing' | 'unreadable'; message: string };

export interface FileReader {
  read(path: string): ReadResult;
  isFile(path: string): boolean;
}

/** What a path is, as stat(2) sees it (symbolic links followed). */
export type PathKind = 'file' | 'directory' | 'missing' | 'other';

export interface DirEntry {
  readonly name: string;
  /** As the directory lists it: a symbolic link is 'other', never followed. */
  readonly kind: 'file' | 'directory' | 'other';
}

/** A reader that can also walk directories: `check` finds the projects under the paths it is given. */
export interface TreeReader extends FileReader {
  kind(path: string): PathKind;
  /** The entries of a directory, unsorted; undefined when it cannot be listed. */
  list(dir: string): DirEntry[] | undefined;
}

/**
 * Largest compose or env file read; a larger one is refused with a diagnostic, not read. A
 * compose file of 10,000 services with links is 1.4 MB; the yaml library needs up to ~500
 * bytes of memory per byte of some shapes of input, so this bound (with LIMITS.tokens in
 * parse.ts) is what keeps a hostile file's memory bounded.
 */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** An in-memory reader for tests and for `check` on staged content; directories are implied by the paths. */
export function memoryReader(files: Record<string, string>): TreeReader {
  const under = (dir: string) => (dir.endsWith('/') ? dir : `${dir}/`);
  return {
    read: (path) =>
      Object.hasOwn(files, path) ? { ok: true, text: files[path]! } : { ok: false, reason: 'missing', message: 'no such file' },
    isFile: (path) => Object.hasOwn(files, path),
    kind: (path) => (Object.hasOwn(files, path) ? 'file' : Object.keys(files).some((f) => f.startsWith(under(path))) ? 'directory' : 'missing'),
    list: (dir) => {
      const names = new Map<string, DirEntry['kind']>();
      for (const f of Object.keys(files)) {
        if (!f.startsWith(under(dir))) continue;
        const rest = f.slice(under(dir).length);
        const slash = rest.indexOf('/');
        names.set(slash < 0 ? rest : rest.slice(0, slash), slash < 0 ? 'file' : 'directory');
      }
      return names.size === 0 ? undefined : [...names].map(([name, kind]) => ({ name, kind }));
    },
  };
}

/**
 * The name a compose file read from standard input (`-f -`) gets, in the project directory
 * (the working directory unless --project-directory says otherwise), as compose treats it:
 * positions point into it, `extends: file:` resolves beside it, the lockfile lies beside it.
 */
export const STDIN_NAME = '<stdin>';

/** `reader`, with `text` (the CLI's standard input; undefined: there was none) as the file at `path`. */
export function withStdin(reader: FileReader, path: string, text: string | undefined): FileReader {
  const own = (): ReadResult =>
    text === undefined
      ? { ok: false, reason: 'unreadable', message: 'nothing on standard input (it is a terminal, or closed)' }
      : text.length > MAX_FILE_BYTES
        ? { ok: false, reason: 'unreadable', message: `larger than ${MAX_FILE_BYTES} bytes` }
        : { ok: true, text };
  return {
    read: (p) => (p === path ? own() : reader.read(p)),
    isFile: (p) => (p === path ? text !== undefined : reader.isFile(p)),
  };
}
