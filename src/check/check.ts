// `check`: every rule wg-compose knows, over every project named, without a secret and without
// writing anything. The per-project rules are pure but for reading files through the reader;
// the rules about the repository around the projects (file modes, git) come last, batched.
import { dirname } from 'node:path';
import { analyze, lockfilePath } from '../pipeline.js';
import { diag, error, type Diagnostic, type Pos } from '../diagnostics.js';
import { EMPTY_LOCK, LOCKFILE_NAME, parseLockfile, type Lockfile } from '../state/lockfile.js';
import { MASTER_ENV, stateDir } from '../state/paths.js';
import { checkAddressing } from './addressing.js';
import { checkGit, type GitSubject } from './git.js';
import { checkLockDrift } from './lock-drift.js';
import { checkSecretFiles } from './secret-files.js';
import type { CheckEnvironment, Target } from './targets.js';

export interface CheckOptions {
  readonly profiles: readonly string[];
  /** A missing lockfile is an error, as `npm ci` and `cargo --locked` treat theirs. */
  readonly locked: boolean;
  /** swarm: also what docker stack deploy leaves out or ignores (WGC110, WGC111). */
  readonly target?: 'compose' | 'swarm';
}

export interface CheckResult {
  readonly diagnostics: Diagnostic[];
  /** Every compose file checked, absolute, in the order met. */
  readonly files: string[];
}

/**
 * Stage order, and why:
 * 1. analyze each project (load, schema, links, settings): nothing else can be trusted before;
 * 2. the lockfile it would use, then addressing with it: allocation is render's, so check
 *    fails where render would, and drift compares with what render would write;
 * 3. drift only for the project that owns the lockfile (see targets.ts);
 * 4. the repository around the projects last, once for all: file modes, then git, which is
 *    the one costly step (a process per repository, not per project).
 */
export function runChecks(targets: readonly Target[], envr: CheckEnvironment, opts: CheckOptions, stateOwners: readonly string[] = []): CheckResult {
  const diagnostics: Diagnostic[] = [];
  const files = new Set<string>();
  const subjects: GitSubject[] = [];
  for (const t of targets) {
    for (const f of t.files) files.add(f);
    const r = checkProject(t, envr, opts);
    diagnostics.push(...r.diagnostics);
    subjects.push(r.subject);
  }
  // A state directory named without a compose project beside it: its keys still must not leak.
  for (const dir of stateOwners) subjects.push({ projectDir: dir, composeFile: stateDir(dir), holdsKeys: true });
  const masterFile = envr.env[MASTER_ENV] || undefined;
  diagnostics.push(...checkSecretFiles(subjects.map((s) => s.projectDir), masterFile));
  diagnostics.push(...checkGit(subjects, masterFile, envr.env, envr.cwd));
  return { diagnostics, files: [...files] };
}

function checkProject(t: Target, envr: CheckEnvironment, opts: CheckOptions): { diagnostics: Diagnostic[]; subject: GitSubject } {
  const first = t.files[0]!;
  const projectDir = dirname(first);
  // A project-wide problem (an exhausted pool) still belongs to a file: the project's first.
  const place = (ds: readonly Diagnostic[]): Diagnostic[] => ds.map((d) => (d.pos ? d : { ...d, pos: { file: first, line: 1, col: 1 } }));
  const subject = (holdsKeys: boolean): GitSubject => ({ projectDir, composeFile: first, holdsKeys: holdsKeys || envr.reader.kind(stateDir(projectDir)) !== 'missing' });

  const { analysis, diagnostics } = analyze({ files: t.files, envFiles: [], profiles: opts.profiles, target: opts.target ?? 'compose' }, envr);
  if (!analysis) return { diagnostics: place(diagnostics), subject: subject(false) };

  const lockPath = lockfilePath(analysis.project);
  const lock = readLock(lockPath, envr, diagnostics);
  const addressing = checkAddressing(analysis, lock?.lock ?? EMPTY_LOCK);
  diagnostics.push(...addressing.diagnostics);

  if (t.lockfile && lock?.lock) {
    diagnostics.push(...checkLockDrift(analysis, addressing.allocations, lock.lock, lockPath, lock.text));
  } else if (t.lockfile && lock === undefined && analysis.linked.length > 0) {
    const pos: Pos = { file: first, line: 1, col: 1 };
    diagnostics.push(
      diag('WGC064', opts.locked ? 'error' : 'note', `no ${LOCKFILE_NAME} beside this compose file yet`, pos, `run wg-compose render and commit ${LOCKFILE_NAME}: it keeps addresses stable between machines`),
    );
  }
  return { diagnostics: place(diagnostics), subject: subject(analysis.linked.length > 0) };
}

/** undefined: no lockfile; `lock` undefined: one that cannot be used (reported). */
function readLock(path: string, envr: CheckEnvironment, ds: Diagnostic[]): { lock: Lockfile | undefined; text: string } | undefined {
  const r = envr.reader.read(path);
  if (!r.ok) {
    if (r.reason === 'missing') return undefined;
    ds.push(error('WGC061', `cannot read ${LOCKFILE_NAME}: ${r.message}`, { file: path, line: 1, col: 1 }));
    return { lock: undefined, text: '' };
  }
  const parsed = parseLockfile(r.text, path);
  ds.push(...parsed.diagnostics);
  return { lock: parsed.diagnostics.length > 0 ? undefined : parsed.lock, text: r.text };
}
