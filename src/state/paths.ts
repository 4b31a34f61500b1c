// Where state lives: the state directory `.wg-compose/` in the project directory, its
// per-project directories and the names of the files in them. Paths only (no I/O), so the
// pure stages and the plan can name files that src/plan/apply.ts writes.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export const STATE_DIR = '.wg-compose';
export const MASTER_FILE = 'master.key';
/** Names an existing master secret file instead of `.wg-compose/master.key` (a team's shared secret). */
export const MASTER_ENV = 'WG_COMPOSE_MASTER_KEY_FILE';

export const stateDir = (projectDir: string): string => join(projectDir, STATE_DIR);
export const masterPath = (projectDir: string): string => join(stateDir(projectDir), MASTER_FILE);
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

/**
 * Sidecar status files (compose): each linked service's sidecar writes its interface's state
 * (public keys, times, counters: no secret) into a directory of its own, bind-mounted from
 * here, and `status` reads them. Not secret, but inside the private project directory
 * all the same: only the sidecars and the user's own commands have any business there.
 */
export const STATUS_DIR = 'status';
export const statusDir = (projectDir: string, project: string): string => join(configDir(projectDir, project), STATUS_DIR);
export const serviceStatusDir = (projectDir: string, project: string, service: string): string => join(statusDir(projectDir, project), serviceFileBase(service));
/** The bind mount's source in the stack, relative to the project directory like the secrets' files. */
export const statusPathInStack = (project: string, base: string): string => `./${STATE_DIR}/${project}/${STATUS_DIR}/${base}`;

/** Where a stack is deployed: one host (compose), or a Docker Swarm (`render --target swarm`). */
export type Target = 'compose' | 'swarm';
export const TARGETS: readonly Target[] = ['compose', 'swarm'];

/**
 * The wg-quick files for a target. Swarm's differ from compose's (peers are dialled at their
 * tasks' addresses), and both may be deployed from one project, so swarm's have a directory
 * of their own inside the project's.
 */
export const SWARM_DIR = 'swarm';
export const configDirFor = (projectDir: string, project: string, target: Target): string =>
  target === 'swarm' ? join(configDir(projectDir, project), SWARM_DIR) : configDir(projectDir, project);

/** Relative to the project directory, as compose resolves secret `file:` paths. */
export const configPathInStack = (project: string, service: string, target: Target = 'compose'): string =>
  `./${STATE_DIR}/${project}/${target === 'swarm' ? `${SWARM_DIR}/` : ''}${configFileName(service)}`;

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

export const importedKeyName = (service: string, publicKey: string): string => `${serviceFileBase(service)}.${publicKeyTag(publicKey)}.key`;

export const importedKeyPath = (projectDir: string, project: string, service: string, publicKey: string): string =>
  join(importedDir(projectDir, project), importedKeyName(service, publicKey));

/** Whether `name` is one of `service`'s imported key files (any public key). */
export function isImportedKeyOf(service: string, name: string): boolean {
  const base = serviceFileBase(service);
  return name.length === base.length + 21 && name.startsWith(`${base}.`) && /^\.[0-9a-f]{16}\.key$/.test(name.slice(base.length));
}

/**
 * The stack `up` hands to the engine, kept per project so `down` takes down what `up` brought
 * up even after the compose files changed. It holds no key, but it is 0600 like everything in
 * the state directory: one rule for the whole directory, and only the user's own compose
 * client reads it.
 */
export const STACK_FILE = 'stack.yml';
export const stackPath = (projectDir: string, project: string): string => join(configDir(projectDir, project), STACK_FILE);

/** The highest epochs this state directory has committed (src/state/epochs.ts). */
export const epochsPath = (projectDir: string, project: string): string => join(configDir(projectDir, project), 'epochs.json');

/** The WireGuard configs of a LinuxKit node, as LinuxKit user data (`wg-compose moby`). */
export const USERDATA_FILE = 'linuxkit-userdata.json';
export const userdataPath = (projectDir: string, project: string): string => join(configDir(projectDir, project), USERDATA_FILE);
