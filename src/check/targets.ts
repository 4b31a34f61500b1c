// Which projects `check` looks at, from the paths it is given. A compose project is a list of
// files merged in order, so a path becomes the file list compose itself would use for it:
//
// - a default file (compose.yaml, docker-compose.yml, …) with its `*.override.*` file beside
//   it, as `docker compose` run in that directory merges them;
// - an overlay (`compose.prod.yaml`, `docker-compose.ci.yml`) merged over the default file of
//   its directory, as `-f compose.yaml -f compose.prod.yaml` does: checked alone, an overlay
//   would report links to services its base defines as missing;
// - any other file on its own (`-f FILE`), its directory being the project directory;
// - a directory: every default file and overlay below it (not inside node_modules, .git or
//   .wg-compose);
// - `wg-compose.lock`: the default project of its directory (the lockfile can drift alone);
// - a file inside a `.wg-compose` state directory (a key file about to be committed): the
//   default project of the directory holding it, or, without one, that directory's key hygiene;
// - no path: the project `render` would use (COMPOSE_FILE, or the default file here or in a
//   parent directory).
//
// Only the project `render` without -f would write the lockfile for is compared with it
// (`lockfile: true`); an overlay combination shares that lockfile but is not what made it.
import { basename, dirname, join, resolve } from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';
import type { TreeReader } from '../load/io.js';
import { DEFAULT_FILES, OVERRIDE_FILES, resolveOptions, type Environment } from '../load/project-options.js';
import { LOCKFILE_NAME } from '../state/lockfile.js';
import { STATE_DIR } from '../state/paths.js';

/** check reads through the injected reader, as the loader does; it also walks directories. */
export type CheckEnvironment = Environment & { readonly reader: TreeReader };

export interface Target {
  /** Absolute paths, in merge order. */
  readonly files: readonly string[];
  /** Whether the lockfile beside the first file belongs to exactly this project. */
  readonly lockfile: boolean;
}

export interface Targets {
  readonly targets: Target[];
  /** Directories whose state directory was named, with no compose project to check with it. */
  readonly stateOwners: string[];
  /** Arguments that name nothing: a usage error. */
  readonly missing: string[];
  readonly diagnostics: Diagnostic[];
}

/** Directories never searched: dependencies, git's own, and wg-compose's key store. */
const SKIP_DIRS = new Set(['node_modules', '.git', STATE_DIR]);
/** `compose.prod.yaml`, `docker-compose.override.yml`: a stem, a qualifier, a YAML extension. */
const OVERLAY = /^(docker-compose|compose)\.(.+)\.(yaml|yml)$/;

/** The default file compose picks in a directory, if any. */
function primaryBase(reader: TreeReader, dir: string): string | undefined {
  const f = DEFAULT_FILES.find((n) => reader.isFile(join(dir, n)));
  return f === undefined ? undefined : join(dir, f);
}

function overrideOf(reader: TreeReader, base: string): string | undefined {
  const dir = dirname(base);
  const o = (OVERRIDE_FILES[basename(base)] ?? []).find((n) => reader.isFile(join(dir, n)));
  return o === undefined ? undefined : join(dir, o);
}

/** The project a single file stands for (see the header). */
function targetOfFile(reader: TreeReader, file: string): Target | undefined {
  const dir = dirname(file);
  const name = basename(file);
  const primary = primaryBase(reader, dir);
  if (name === LOCKFILE_NAME) return primary ? baseTarget(reader, primary, primary) : undefined;
  if ((DEFAULT_FILES as readonly string[]).includes(name)) return baseTarget(reader, file, primary);
  const m = OVERLAY.exec(name);
  if (m) {
    const base = DEFAULT_FILES.filter((n) => n.startsWith(`${m[1]}.`))
      .map((n) => join(dir, n))
      .find((p) => reader.isFile(p));
    if (base) {
      const override = overrideOf(reader, base);
      if (override === file) return baseTarget(reader, base, primary);
      return { files: [base, file], lockfile: false };
    }
  }
  return { files: [file], lockfile: primary === undefined };
}

function baseTarget(reader: TreeReader, base: string, primary: string | undefined): Target {
  const override = overrideOf(reader, base);
  return { files: override ? [base, override] : [base], lockfile: base === primary };
}

/** Every default file and overlay under a directory, sorted, symbolic links to directories not followed. */
function searchDir(reader: TreeReader, root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    const entries = reader.list(dir);
    if (!entries) return;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.kind === 'directory') {
        if (!SKIP_DIRS.has(e.name)) walk(p);
      } else if (((DEFAULT_FILES as readonly string[]).includes(e.name) || OVERLAY.test(e.name)) && reader.isFile(p)) {
        out.push(p);
      }
    }
  };
  walk(root);
  return out;
}

/** The directory whose state directory holds `path`, if it is inside one. */
function stateOwner(path: string): string | undefined {
  const parts = path.split('/');
  const i = parts.lastIndexOf(STATE_DIR);
  return i > 0 && i < parts.length - 1 ? parts.slice(0, i).join('/') || '/' : undefined;
}

export function findTargets(paths: readonly string[], envr: CheckEnvironment): Targets {
  const reader = envr.reader;
  const diagnostics: Diagnostic[] = [];
  const missing: string[] = [];
  const stateOwners = new Set<string>();
  const byKey = new Map<string, Target>();
  const add = (t: Target | undefined): void => {
    if (!t) return;
    const k = t.files.join('\0');
    const had = byKey.get(k);
    byKey.set(k, had ? { files: t.files, lockfile: had.lockfile || t.lockfile } : t);
  };

  if (paths.length === 0) {
    // Exactly the files `render` would read (COMPOSE_FILE, .env, parent directories).
    const r = resolveOptions({ files: [], envFiles: [], profiles: [] }, envr);
    diagnostics.push(...r.diagnostics);
    if (r.files.length > 0) add({ files: r.files, lockfile: true });
    return { targets: [...byKey.values()], stateOwners: [], missing, diagnostics };
  }

  for (const p of paths) {
    const path = resolve(envr.cwd, p);
    const owner = stateOwner(path);
    if (owner !== undefined) {
      // Named even when deleted: a staged deletion of a key is no leak, but costs nothing to look at.
      const base = primaryBase(reader, owner);
      if (base) add(baseTarget(reader, base, base));
      else stateOwners.add(owner);
      continue;
    }
    const kind = reader.kind(path);
    if (kind === 'missing') {
      missing.push(p);
      continue;
    }
    if (kind === 'directory') {
      const found = searchDir(reader, path);
      if (found.length === 0) {
        diagnostics.push(
          error('WGC005', `no compose file found under ${p} (looked for ${DEFAULT_FILES.join(', ')} and compose.*.yaml overlays)`, undefined, 'name a compose file, or a directory that holds one'),
        );
      }
      for (const f of found) add(targetOfFile(reader, f));
    } else {
      add(targetOfFile(reader, path));
    }
  }
  return { targets: [...byKey.values()], stateOwners: [...stateOwners].sort(), missing, diagnostics };
}
