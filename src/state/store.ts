// The state directory `.wg-compose/` in the project directory: the master secret and the
// per-service wg-quick files. Mode 0700, files 0600, written atomically, never through a
// symlink. Its paths are decided here and nowhere else.
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createFileExclusive, ensurePrivateDir, writeFileAtomic } from './atomic.js';

export const STATE_DIR = '.wg-compose';
export const MASTER_FILE = 'master.key';
/** Names an existing master secret file instead of `.wg-compose/master.key` (a team's shared secret). */
export const MASTER_ENV = 'WG_COMPOSE_MASTER_KEY_FILE';

export const stateDir = (projectDir: string): string => join(projectDir, STATE_DIR);
/** Per project name, so two projects in one directory (`-p a`, `-p b`) keep separate files. */
export const configDir = (projectDir: string, project: string): string => join(stateDir(projectDir), project);

/**
 * The file name of a service's wg-quick file. Compose service names match [a-zA-Z0-9._-]+,
 * so they cannot hold "/", but "." and ".." and 255-character names are valid; such names
 * get a hashed file name so no name can escape the directory or exceed NAME_MAX.
 */
export function configFileName(service: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(service)) return `${service}.conf`;
  return `svc-${createHash('sha256').update(service).digest('hex').slice(0, 24)}.conf`;
}

/** Relative to the project directory, as compose resolves secret `file:` paths. */
export const configPathInStack = (project: string, service: string): string =>
  `./${STATE_DIR}/${project}/${configFileName(service)}`;

export type MasterResult =
  | { ok: true; secret: Uint8Array; created: boolean; source: string; warnings: string[] }
  | { ok: false; message: string };

function decodeMaster(buf: Buffer): Uint8Array | undefined {
  if (buf.length === 32) return new Uint8Array(buf);
  const text = buf.toString('utf8').trim();
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) return new Uint8Array(Buffer.from(text, 'base64'));
  return undefined;
}

function readMaster(path: string, allowLink: boolean): MasterResult {
  let buf: Buffer;
  const warnings: string[] = [];
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink() && !allowLink) return { ok: false, message: `${path} is a symbolic link; refusing to use it` };
    if ((st.mode & 0o077) !== 0) warnings.push(`${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 ${path}`);
    buf = readFileSync(path);
  } catch (e) {
    return { ok: false, message: `cannot read master secret ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  const secret = decodeMaster(buf);
  if (!secret) return { ok: false, message: `${path} is not a master secret (32 bytes, raw or base64)` };
  return { ok: true, secret, created: false, source: path, warnings };
}

/** Reads the master secret; when `create` is set and there is none, makes one (0600). */
export function loadMaster(projectDir: string, env: Readonly<Record<string, string | undefined>>, create: boolean): MasterResult {
  const fromEnv = env[MASTER_ENV];
  // A file the user names may be a link (into a secrets mount, say); ours may not.
  if (fromEnv) return readMaster(fromEnv, true);
  const dir = stateDir(projectDir);
  const path = join(dir, MASTER_FILE);
  try {
    lstatSync(path);
    return readMaster(path, false);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return { ok: false, message: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code}` };
  }
  if (!create) return { ok: false, message: `no master secret yet (${path}); run wg-compose render first` };
  ensurePrivateDir(dir);
  const secret = new Uint8Array(randomBytes(32));
  if (!createFileExclusive(path, `${Buffer.from(secret).toString('base64')}\n`, 0o600)) {
    // Another process created it between our look and our write: use theirs.
    return readMaster(path, false);
  }
  return { ok: true, secret, created: true, source: path, warnings: [] };
}

export interface WriteReport {
  readonly written: string[];
  readonly removed: string[];
}

/**
 * Writes the wg-quick files of one project and removes those of services that are gone, so a
 * removed service leaves no key behind. Unchanged files are not touched.
 */
export function writeConfigs(projectDir: string, project: string, configs: ReadonlyMap<string, string>): WriteReport {
  ensurePrivateDir(stateDir(projectDir));
  const dir = configDir(projectDir, project);
  ensurePrivateDir(dir);
  const written: string[] = [];
  const keep = new Set<string>();
  for (const [service, text] of [...configs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const file = configFileName(service);
    keep.add(file);
    if (writeFileAtomic(join(dir, file), text, 0o600)) written.push(join(dir, file));
  }
  const removed: string[] = [];
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.conf') && !keep.has(f)) {
      rmSync(join(dir, f), { force: true });
      removed.push(join(dir, f));
    }
  }
  return { written, removed };
}
