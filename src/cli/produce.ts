// The way every command that writes state runs the pipeline's second half (src/pipeline.ts,
// stages 10–15): take the project's state lock, read the state and compile (prepare), make
// the plan, then apply it — or, with --dry-run, print it, take no lock and write nothing.
import { isAbsolute, resolve } from 'node:path';
import type { Analysis } from '../pipeline.js';
import { applyPlan, previewRemoval, type Applied } from '../plan/apply.js';
import { describePlan } from '../plan/describe.js';
import type { FileWrite, Plan } from '../plan/plan.js';
import { statePlan } from '../plan/state-plan.js';
import { unchanged } from '../state/atomic.js';
import { EXIT, type CliIO } from './io.js';
import { underStateLock } from './locked.js';
import { prepareAnalyzed, type PrepareChanges, type Prepared } from './prepare.js';
import { displayPath } from './report.js';

export interface ProduceRequest {
  /** Named in the lock, for a waiting command's message. */
  readonly command: string;
  /** Make a master secret when there is none (render, up, import, moby; not rotate). */
  readonly createState: boolean;
  readonly changes?: PrepareChanges;
  readonly dryRun: boolean;
  /**
   * What this command changes beyond render's state (up's stack, moby's user data, an
   * imported key), or an exit code when it cannot go on. Runs under the lock.
   */
  readonly extend?: (p: Prepared, plan: Plan) => Plan | number;
  /** Lines a dry run prints after the plan (what the command then waits for). */
  readonly dryRunNote?: (p: Prepared) => string;
}

export type Produced = { readonly p: Prepared; readonly applied: Applied };

/**
 * The applied plan, or an exit code (EXIT.ok after a dry run, which has printed the plan).
 * `locked` runs after apply, still under the lock (render prints its stack there, so what it
 * prints is the state it committed, whatever a `rotate` waiting for the lock does next).
 */
export async function produce(io: CliIO, analysis: Analysis, req: ProduceRequest, locked?: (d: Produced) => number): Promise<Produced | number> {
  const dir = absolute(io, analysis.project.projectDir);
  const make = async (): Promise<{ p: Prepared; plan: Plan } | number> => {
    const p = await prepareAnalyzed(io, analysis, req.createState, req.changes);
    if (typeof p === 'number') return p;
    const { name } = analysis.project;
    const base = statePlan({ projectDir: dir, project: name, lockPath: p.lockPath, lockExisted: p.lockExisted, master: p.newMaster, compiled: p.compiled, record: p.record });
    const plan = req.extend ? req.extend(p, base) : base;
    return typeof plan === 'number' ? plan : { p, plan };
  };
  if (req.dryRun) {
    const made = await make();
    if (typeof made === 'number') return made;
    printPlan(io, made.plan);
    if (req.dryRunNote) io.stdout(req.dryRunNote(made.p));
    return EXIT.ok;
  }
  // The plan is gone once applied: render streams a large stack after it, and the plan holds
  // every file's text (a 10,000-service lockfile alone is megabytes).
  const apply = async (): Promise<Produced | number> => {
    const made = await make();
    return typeof made === 'number' ? made : { p: made.p, applied: applyPlan(made.plan) };
  };
  const out: { done?: Produced } = {};
  const code = await underStateLock(io, dir, req.command, async () => {
    const done = await apply();
    if (typeof done === 'number') return done;
    out.done = done;
    return locked ? locked(done) : EXIT.ok;
  });
  return code === EXIT.ok && out.done ? out.done : code;
}

export function printPlan(io: CliIO, plan: Plan): void {
  // A file apply would refuse (a symlink) shows as a change; applying it reports why.
  const same = (f: FileWrite) => {
    try {
      return unchanged(f.path, f.content, f.mode);
    } catch {
      return false;
    }
  };
  io.stdout(describePlan(plan, { display: (f) => displayPath(io.cwd, f), unchanged: same, removes: previewRemoval }));
}

const absolute = (io: CliIO, dir: string): string => (isAbsolute(dir) ? dir : resolve(io.cwd, dir));
