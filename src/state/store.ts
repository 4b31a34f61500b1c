// The state directory `.wg-compose/` in the project directory: the master secret and the
// per-service wg-quick files. Mode 0700, files 0600, written atomically, never through a
// symlink. Its paths are decided here and nowhere else.
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFileExclusive, ensurePrivateDir, readRegularFile, removeFilesWhere, removeStaleTemps, writeFileAtomic, writeFilesAtomic } from './atomic.js';

export const STATE_DIR = '.wg-compose';
export const MASTER_FILE = 'master.key';
/** Names an existing master secret file instead of `.wg-compose/master.key` (a team's shared secret). */
export const MASTER_ENV = 'WG_COMPOSE_MASTER_KEY_FILE';

export const stateDir = (projectDir: string): string => join(projectDir, STATE_DIR);
/** Per project name, so two projects in one directory (`-p a`, `-p b`) keep separate files. */
export const configDir = (projectDir: string, project: string): string => join(stateDir(projectDir), project);

/**
 * The base of a service's file names in the state directory. Compose service names match
 * [a-zA-Z0-9._-]+, so they cannot hold "/", but ".", "..", "..." and 255-character names are
 * valid. A plain name (lower case, starting with a letter or digit, at most 100 characters)
 * is used as it is; any other becomes "_" and 32 hex digits of its SHA-256. So:
 * - no name can escape the directory or exceed NAME_MAX (255), since "." and ".." are hashed;
 * - a plain name never starts with "_", so no service can be named like another's hash
 *   (a service literally called "_0123…" is not plain, and is hashed itself);
 * - two hashed names collide only if SHA-256 truncated to 128 bits does;
 * - plain names are lower case, so `Api` and `api` never share a file on a case-insensitive
 *   file system (macOS, Windows): `Api` is hashed.
 */
export function serviceFileBase(service: string): string {
  if (/^[a-z0-9][a-z0-9._-]{0,99}$/.test(service)) return service;
  return `_${createHash('sha256').update(service, 'utf8').digest('hex').slice(0, 32)}`;
}

/** The service's wg-quick file in its project's directory. */
export const configFileName = (service: string): string => `${serviceFileBase(service)}.conf`;

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
 * Writes the wg-quick files of one project, each atomically, as one batch (see
 * writeFilesAtomic). Unchanged files are not touched. Files of services that are gone stay
 * until removeGoneConfigs, which runs once the lockfile no longer names them.
 */
export function writeConfigs(projectDir: string, project: string, configs: ReadonlyMap<string, string>): WriteReport {
  ensurePrivateDir(stateDir(projectDir));
  const dir = configDir(projectDir, project);
  ensurePrivateDir(dir);
  const files = [...configs]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([service, content]) => ({ path: join(dir, configFileName(service)), content, mode: 0o600 }));
  return { written: writeFilesAtomic(files), removed: [] };
}

/** Removes the wg-quick files of services not in `services`, so a removed service leaves no key behind. */
export function removeGoneConfigs(projectDir: string, project: string, services: Iterable<string>): string[] {
  const keep = new Set<string>();
  for (const s of services) keep.add(configFileName(s));
  return removeFilesWhere(configDir(projectDir, project), (f) => f.endsWith('.conf') && !keep.has(f));
}

/**
 * Clears what a killed writer may have left: hidden temporary files in the state directory
 * and the project's directories. Run under the state lock, before writing.
 */
export function removeStaleState(projectDir: string, project: string): string[] {
  const dir = configDir(projectDir, project);
  return [...removeStaleTemps(stateDir(projectDir)), ...removeStaleTemps(dir), ...removeStaleTemps(importedDir(projectDir, project))];
}

// --- imported keys ----------------------------------------------------------------------------

/**
 * Private keys the user imported (wg-compose import), in `.wg-compose/PROJECT/imported/`,
 * 0600, each holding the key as `wg genkey` prints it. A file is named by its service and by
 * a hash of its public key, `NAME.<16 hex>.key`, so the lockfile (which records the public
 * key) names exactly one file, and importing a new key never overwrites the one the lockfile
 * still names: a crash between the two leaves the old state whole. The one a re-import or a
 * `rotate` retires is removed once the lockfile no longer names it; render never deletes
 * them (an imported key cannot be derived again).
 */
export const importedDir = (projectDir: string, project: string): string => join(configDir(projectDir, project), 'imported');

const publicKeyTag = (publicKey: string): string => createHash('sha256').update(publicKey, 'utf8').digest('hex').slice(0, 16);

export const importedKeyPath = (projectDir: string, project: string, service: string, publicKey: string): string =>
  join(importedDir(projectDir, project), `${serviceFileBase(service)}.${publicKeyTag(publicKey)}.key`);

/** Stores an imported private key (base64, as wg(8) writes it), atomically, 0600. */
export function writeImportedKey(projectDir: string, project: string, service: string, keyBase64: string, publicKey: string): string {
  ensurePrivateDir(stateDir(projectDir));
  ensurePrivateDir(configDir(projectDir, project));
  ensurePrivateDir(importedDir(projectDir, project));
  const path = importedKeyPath(projectDir, project, service, publicKey);
  writeFileAtomic(path, `${keyBase64}\n`, 0o600);
  return path;
}

/** Reads the imported key with this public key, never through a symlink; undefined when absent. */
export function readImportedKey(
  projectDir: string,
  project: string,
  service: string,
  publicKey: string,
): { text: string; path: string; loose: boolean } | undefined {
  const path = importedKeyPath(projectDir, project, service, publicKey);
  const read = readRegularFile(path, 'an imported key');
  return read && { text: read.text, path, loose: (read.mode & 0o077) !== 0 };
}

/**
 * Removes a service's imported keys but the one with `keepPublicKey` (none: all of them), once
 * the committed lockfile no longer names them (after a re-import or a rotate).
 */
export function removeImportedKeys(projectDir: string, project: string, service: string, keepPublicKey?: string): string[] {
  const dir = importedDir(projectDir, project);
  const base = serviceFileBase(service).replace(/[.]/g, '\\.');
  const mine = new RegExp(`^${base}\\.[0-9a-f]{16}\\.key$`);
  const keep = keepPublicKey === undefined ? undefined : `${serviceFileBase(service)}.${publicKeyTag(keepPublicKey)}.key`;
  return removeFilesWhere(dir, (n) => mine.test(n) && n !== keep);
}

/**
 * The stack `up` hands to the engine, kept per project so `down` takes down what `up` brought
 * up even after the compose files changed. It holds no key, but it is 0600 like everything in
 * the state directory: one rule for the whole directory, and only the user's own compose
 * client reads it.
 */
export const STACK_FILE = 'stack.yml';
export const stackPath = (projectDir: string, project: string): string => join(configDir(projectDir, project), STACK_FILE);

/** Writes the stack beside the project's wg-quick files; returns its path. */
export function writeStack(projectDir: string, project: string, stack: string): string {
  ensurePrivateDir(stateDir(projectDir));
  ensurePrivateDir(configDir(projectDir, project));
  const path = stackPath(projectDir, project);
  writeFileAtomic(path, stack, 0o600);
  return path;
}
