// Stages 11–13 of the pipeline for every command (src/pipeline.ts): read the lockfile, the
// master secret and any imported keys (the I/O the pure stages are given), then compile.
// Diagnostics are printed here; callers get a result or an exit code. Reads only: what a
// command writes goes through a plan (src/cli/produce.ts).
import { error, warning, type Diagnostic } from '../diagnostics.js';
import { clamp, fromBase64Key, publicKeyOf, toBase64 } from '../keys/derive.js';
import { MAX_FILE_BYTES } from '../load/io.js';
import { readBounded } from '../system/bounded-read.js';
import { diskReaderFor } from '../system/disk-reader.js';
import type { ProjectOptions } from '../load/project-options.js';
import { analyze, compile, lockfileOwner, lockfilePath, type Analysis, type Compiled } from '../pipeline.js';
import { EMPTY_LOCK, LOCKFILE_NAME, parseLockfile, type Lockfile } from '../state/lockfile.js';
import { loadMaster, readEpochRecord, readImportedKey } from '../state/store.js';
import { ALLOW_ROLLBACK_ENV, rolledBack, type EpochRecord } from '../state/epochs.js';
import { epochsPath } from '../state/paths.js';
import { masterKeySource, withImportedKeys, type KeyChanges, type KeySource } from '../topology/key-source.js';
import { EXIT, type CliIO } from './io.js';
import { report } from './report.js';

export interface Prepared {
  readonly analysis: Analysis;
  readonly compiled: Compiled;
  readonly lockPath: string;
  readonly previousLock: Lockfile;
  readonly lockExisted: boolean;
  /** The keys compile used: the master's, with imported keys over them. */
  readonly keys: KeySource;
  /** The master secret file to create first, when there was none (see loadMaster). */
  readonly newMaster: { readonly path: string; readonly content: string } | undefined;
  /** The epoch record as read (src/state/epochs.ts). */
  readonly record: EpochRecord;
}

/** What `rotate` and `import` ask of a compile beyond what the lockfile says. */
export interface PrepareChanges extends KeyChanges {
  /** Newly imported private keys (service → key), used at the service's current epoch. */
  readonly imports?: ReadonlyMap<string, Uint8Array>;
}

export async function prepare(io: CliIO, opts: ProjectOptions, createState: boolean): Promise<Prepared | number> {
  const analysis = analyzeProject(io, opts);
  if (typeof analysis === 'number') return analysis;
  return prepareAnalyzed(io, analysis, createState);
}

/** The first half alone: the analysis, or the exit code once its diagnostics are printed. */
export function analyzeProject(io: CliIO, opts: ProjectOptions): Analysis | number {
  const { analysis, diagnostics } = analyze(opts, { cwd: io.cwd, env: io.env, reader: diskReaderFor(io.env) });
  if (report(io, diagnostics) || !analysis) return EXIT.input;
  return analysis;
}

/**
 * The second half, for a command that analyzed first (to know the project directory it must
 * lock before reading the state).
 */
export async function prepareAnalyzed(io: CliIO, analysis: Analysis, createState: boolean, changes: PrepareChanges = {}): Promise<Prepared | number> {
  const previous = readLockfile(analysis, io);
  if (typeof previous === 'number') return previous;
  const { lockPath, lockExisted, lock: previousLock } = previous;

  const master = loadMaster(analysis.project.projectDir, analysis.project.name, io.env, createState);
  if (!master.ok) {
    report(io, [error('WGC060', master.message)]);
    return EXIT.input;
  }
  report(io, master.warnings.map((w) => ({ code: 'WGC066' as const, severity: 'warning' as const, message: w })));

  // A lockfile from before a rotation made here (restored from git, say) would bring the
  // retired keys back: refused, unless the user says so (src/state/epochs.ts).
  const record = readEpochRecord(analysis.project.projectDir, analysis.project.name);
  if (record === 'invalid') {
    report(io, [error('WGC068', `${epochsPath(analysis.project.projectDir, analysis.project.name)} is not an epoch record`, undefined, 'remove it: the next render writes it again from the lockfile')]);
    return EXIT.input;
  }
  const older = rolledBack(previousLock, record);
  if (older.length > 0 && io.env[ALLOW_ROLLBACK_ENV] !== '1') {
    report(io, [
      error(
        'WGC068',
        `${lockPath} is older than the keys made here: ${older.join(', ')}; using it would bring retired keys back into use`,
        undefined,
        `put the current lockfile back (git log -- ${LOCKFILE_NAME}), or set ${ALLOW_ROLLBACK_ENV}=1 to use this one anyway`,
      ),
    ]);
    return EXIT.input;
  }

  const imported = importedKeys(analysis, previousLock, changes);
  if (report(io, imported.diagnostics)) return EXIT.input;
  const keys = withImportedKeys(masterKeySource(master.secret, analysis.project.name), imported.keys);
  const compiled = await compile(analysis, previousLock, keys, { ...changes, floors: record });
  if (report(io, compiled.diagnostics)) return EXIT.input;
  return { analysis, compiled, lockPath, previousLock, lockExisted, keys, newMaster: master.create, record };
}

/**
 * The project's lockfile (see lockfilePath: `wg-compose.lock` beside the compose file, unless
 * that one records another project) and what it holds. The shared one is read and parsed once
 * when it is this project's, as it almost always is: a 10,000-service lockfile is megabytes.
 */
function readLockfile(analysis: Analysis, io: CliIO): { lockPath: string; lockExisted: boolean; lock: Lockfile } | number {
  const sharedPath = lockfilePath(analysis.project);
  // Bounded, a regular file, never a state file: a lockfile linked to the master must not
  // have its first bytes quoted by a JSON error (src/system/bounded-read.ts).
  const shared = readBounded(sharedPath, MAX_FILE_BYTES, io.env);
  let parsedShared: ReturnType<typeof parseLockfile> | undefined;
  let owner: string | undefined;
  if (shared.ok) {
    parsedShared = parseLockfile(shared.text, sharedPath);
    // Whose it is: the project any JSON with one records, even where the rest is invalid.
    owner = parsedShared.diagnostics.length === 0 ? parsedShared.lock.project : lockfileOwner(shared.text);
  }
  const lockPath = lockfilePath(analysis.project, owner);
  const read = lockPath === sharedPath ? shared : readBounded(lockPath, MAX_FILE_BYTES, io.env);
  const lockExisted = read.ok || read.reason !== 'missing';
  if (!read.ok && lockExisted) {
    report(io, [error('WGC061', `lockfile ${read.message}`, undefined, `remove ${lockPath} or put the lockfile render wrote back`)]);
    return EXIT.input;
  }
  if (!read.ok) return { lockPath, lockExisted, lock: EMPTY_LOCK };
  const parsed = lockPath === sharedPath && parsedShared ? parsedShared : parseLockfile(read.text, lockPath);
  if (report(io, parsed.diagnostics)) return EXIT.input;
  return { lockPath, lockExisted, lock: parsed.lock };
}

/**
 * The imported keys in use: those the lockfile marks imported (read from the state
 * directory, by the public key the lockfile records, and checked against it) but for services
 * being rotated, and any being imported now, each at the service's epoch in the lockfile. A key the lockfile needs but the
 * state directory lacks is an error: deriving one instead would silently re-key the service.
 */
function importedKeys(a: Analysis, lock: Lockfile, changes: PrepareChanges): { keys: Map<string, { epoch: number; key: Uint8Array }>; diagnostics: Diagnostic[] } {
  const fresh = changes.imports;
  const { projectDir, name } = a.project;
  const keys = new Map<string, { epoch: number; key: Uint8Array }>();
  const diagnostics: Diagnostic[] = [];
  const linked = new Set(a.linked);
  const hint = (s: string) => `import it again (wg-compose import ${s} --private-key-file FILE), or give "${s}" a derived key with wg-compose rotate ${s}`;
  for (const [service, locked] of lock.services) {
    // A service being rotated leaves its imported key behind: it is not needed, even if lost.
    if (!locked.imported || !linked.has(service) || fresh?.has(service) || changes.rotateServices?.has(service)) continue;
    const found = readImportedKey(projectDir, name, service, locked.publicKey);
    const key = found ? fromBase64Key(found.text.trim()) : undefined;
    if (!found) {
      diagnostics.push(error('WGC102', `wg-compose.lock says "${service}" uses an imported key, but the state directory does not have it`, undefined, hint(service)));
    } else if (!key) {
      diagnostics.push(error('WGC102', `${found.path} is not a WireGuard private key`, undefined, hint(service)));
    } else if (toBase64(publicKeyOf(key)) !== locked.publicKey) {
      diagnostics.push(error('WGC102', `${found.path} does not hold the key whose public key wg-compose.lock records for "${service}"`, undefined, hint(service)));
    } else {
      if (found.loose) diagnostics.push(warning('WGC066', `${found.path} is readable by others; run chmod 600 ${found.path}`));
      keys.set(service, { epoch: locked.epoch, key: clamp(key) });
    }
  }
  for (const [service, key] of fresh ?? []) keys.set(service, { epoch: lock.services.get(service)?.epoch ?? 0, key: clamp(key) });
  return { keys, diagnostics };
}
