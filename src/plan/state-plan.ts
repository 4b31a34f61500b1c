// Stage 14 (src/pipeline.ts): what a compile changes in the state directory, as a Plan —
// the master when it is new, the wg-quick files, the lockfile as the commit point, then the
// configs of services that are gone. Commands add to it (extendPlan): `up` its stack, `moby`
// its user data, `import` the key. Pure: it names files, apply writes them.
import { basename, dirname, join } from 'node:path';
import type { Compiled } from '../pipeline.js';
import { serializeLockfile } from '../state/lockfile.js';
import { advanceRecord, EMPTY_RECORD, serializeEpochRecord, type EpochRecord } from '../state/epochs.js';
import { configDir, configDirFor, configFileName, epochsPath, importedDir, isImportedKeyOf, serviceStatusDir, stateDir, statusDir } from '../state/paths.js';
import { makePlan, type Plan, type Removal } from './plan.js';

export interface StatePlanInput {
  readonly projectDir: string;
  readonly project: string;
  readonly lockPath: string;
  /** A lockfile exists: it is rewritten even when no service is linked any more. */
  readonly lockExisted: boolean;
  /** The master secret to create first, when there was none. */
  readonly master: { readonly path: string; readonly content: string } | undefined;
  readonly compiled: Pick<Compiled, 'configs' | 'lock' | 'topology' | 'target'>;
  /** The epoch record as read (src/state/epochs.ts); the plan writes it advanced past the new lockfile. */
  readonly record?: EpochRecord;
}

export function statePlan(i: StatePlanInput): Plan {
  const dir = configDirFor(i.projectDir, i.project, i.compiled.target);
  const dirs = [...new Set([stateDir(i.projectDir), configDir(i.projectDir, i.project), dir])];
  // Compose sidecars write their status files into these (bind-mounted: src/render/stack.ts).
  const linked = [...i.compiled.topology.nodes.keys()].sort();
  const statusDirs = i.compiled.target === 'compose' && linked.length > 0 ? [statusDir(i.projectDir, i.project), ...linked.map((s) => serviceStatusDir(i.projectDir, i.project, s))] : [];
  const files = [...i.compiled.configs]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([service, content]) => ({ path: join(dir, configFileName(service)), content, mode: 0o600, what: `wg-quick config of ${service}` }));
  const keep = new Set([...i.compiled.configs.keys()].map(configFileName));
  const commit = i.compiled.topology.nodes.size > 0 || i.lockExisted ? { path: i.lockPath, content: serializeLockfile(i.compiled.lock), mode: 0o644, what: 'lockfile (public: commit it)' } : undefined;
  return makePlan({
    projectDir: i.projectDir,
    // Swarm's configs are in a directory of their own inside the project's (configDirFor).
    tempDirs: [...dirs.map((d) => ({ dir: d })), { dir: importedDir(i.projectDir, i.project) }, { dir: dirname(i.lockPath), of: basename(i.lockPath) }],
    privateDirs: [...dirs, ...statusDirs],
    master: i.master && { ...i.master, mode: 0o600, what: 'master secret' },
    files,
    commit,
    record: commit && { path: epochsPath(i.projectDir, i.project), content: serializeEpochRecord(advanceRecord(i.record ?? EMPTY_RECORD, i.compiled.lock)), mode: 0o600, what: 'epoch record (no lockfile older than it is used)' },
    removals: [{ dir, what: 'wg-quick configs of services no longer linked', matches: (f) => f.endsWith('.conf') && !keep.has(f) }],
  });
}

/** A service's imported keys but the one named `keep` (none: all of them), once the lockfile no longer names them. */
export function retireImportedKeys(projectDir: string, project: string, service: string, keep?: string): Removal {
  return { dir: importedDir(projectDir, project), what: `retired imported keys of ${service}`, matches: (n) => isImportedKeyOf(service, n) && n !== keep };
}
