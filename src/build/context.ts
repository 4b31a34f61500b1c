// The build contexts of the two images (kernel/kernel, kernel/init) as data: every file the
// builder will see, with its mode, and the content hash that names the image. The hash is
// computed over exactly what is staged, plus the build arguments, so an image tagged with it
// is the one this context would build, and an unchanged context need not be built again.
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ImageKind = 'kernel' | 'init';
export const IMAGE_KINDS: readonly ImageKind[] = ['kernel', 'init'];

/** Repository names of the images `build` produces; the tag is the context hash (and `latest`). */
export const IMAGE_REPOSITORIES: Readonly<Record<ImageKind, string>> = {
  kernel: 'localhost/wg-compose/kernel',
  init: 'localhost/wg-compose/tools',
};

export interface ContextFile {
  /** Relative to the context root, `/`-separated. */
  readonly path: string;
  /** Permission bits as the builder will see them (0644 or 0755). */
  readonly mode: number;
  readonly content: Buffer;
}

export interface BuildContext {
  readonly kind: ImageKind;
  /** Where its files come from, for messages (relative to the package root). */
  readonly sources: readonly string[];
  readonly files: readonly ContextFile[];
}

/** The package root: kernel/ and templates/ ship beside dist/. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Reads a context from the package: everything under kernel/KIND, and for the init image the
 * sidecar program, templates/sidecar.sh, staged as sidecar.sh (the one copy the stack, the
 * tunnel tests and the image share).
 */
export function readContext(kind: ImageKind, root: string = PACKAGE_ROOT): BuildContext {
  const dir = join(root, 'kernel', kind);
  const files: ContextFile[] = [];
  const walk = (abs: string, rel: string) => {
    for (const e of readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(abs, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p, r);
      else if (e.isFile()) files.push(fileOf(p, r));
      // Symbolic links and special files are not part of a context: a builder would follow
      // or refuse them, and the hash could not say which.
    }
  };
  walk(dir, '');
  const sources = [`kernel/${kind}`];
  if (kind === 'init') {
    files.push({ ...fileOf(join(root, 'templates', 'sidecar.sh'), 'sidecar.sh'), mode: 0o755 });
    sources.push('templates/sidecar.sh');
  }
  return { kind, sources, files: sortFiles(files) };
}

function fileOf(abs: string, rel: string): ContextFile {
  // Only the executable bit is meaningful to a Dockerfile COPY here; normalising the rest
  // keeps the hash independent of a checkout's umask.
  const executable = (lstatSync(abs).mode & 0o111) !== 0;
  return { path: rel, mode: executable ? 0o755 : 0o644, content: readFileSync(abs) };
}

const sortFiles = (fs: ContextFile[]): ContextFile[] => [...fs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

/**
 * sha256 over the sorted relative paths, modes and contents, then the sorted build
 * arguments, each field length-prefixed so no two different contexts hash alike.
 */
export function contextHash(files: readonly ContextFile[], buildArgs: ReadonlyMap<string, string>): string {
  const h = createHash('sha256');
  const field = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    h.update(`${buf.length}:`);
    h.update(buf);
  };
  field('wg-compose build context v1');
  for (const f of sortFiles([...files])) {
    field(f.path);
    field(f.mode.toString(8));
    field(f.content);
  }
  for (const k of [...buildArgs.keys()].sort()) field(`${k}=${buildArgs.get(k)!}`);
  return h.digest('hex');
}

/** The first 12 hex digits, as image tags are usually shortened. */
export const shortHash = (hash: string): string => hash.slice(0, 12);

/**
 * Writes the context into `dir`, replacing whatever was there, so the directory holds the
 * listed files and nothing else: the builder sees exactly what was hashed.
 */
export function stageContext(dir: string, files: readonly ContextFile[]): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const f of files) {
    const p = join(dir, ...f.path.split('/'));
    mkdirSync(dirname(p), { recursive: true, mode: 0o755 });
    writeFileSync(p, f.content, { mode: f.mode, flag: 'wx' });
    chmodSync(p, f.mode); // the umask must not change what the builder sees
  }
}

/** Reads a staged directory back, as `readContext` would: for tests and `--dry-run` checks. */
export function readStaged(dir: string): ContextFile[] {
  const files: ContextFile[] = [];
  const walk = (abs: string, rel: string) => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const p = join(abs, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p, r);
      else files.push({ path: r, mode: lstatSync(p).mode & 0o777, content: readFileSync(p) });
    }
  };
  walk(dir, '');
  return sortFiles(files);
}
