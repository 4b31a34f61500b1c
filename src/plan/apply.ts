// The only writer of state (DESIGN.md §2, §7): carries out a Plan under the project's state
// lock, in the plan's commit order (see Plan). "Old or new, never a mix", across several
// files, means:
// - the master is durable before anything derived from it exists (created with link(2),
//   exclusively), so no config or lockfile can ever name keys whose master is lost;
// - every file is written atomically (old or new bytes, never torn), the derived files first
//   as one batch, the lockfile last: the commit point. Once it names an epoch, every config
//   already carries that epoch's keys;
// - only then are the files it no longer names removed.
// A crash before the commit leaves the old lockfile with some files already new: the next run
// computes from that old lockfile and the same input, so it writes the same files again (a
// plain render converges) or puts the old keys back (a killed `rotate` did not happen). A
// crash after it leaves the new state with, at most, stale files that the next run removes.
// Hidden temporary files a crash leaves are cleared first: we hold the lock, so no other
// writer can have one in flight.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createFileExclusive, ensurePrivateDir, writeFileAtomic, writeFilesAtomic } from '../state/atomic.js';
import { removeFilesWhere, removeStaleTemps } from '../state/files.js';
import { holdsStateLock } from '../state/lock.js';
import type { Plan, Removal } from './plan.js';

export interface Applied {
  /** Files whose content or mode changed (unchanged ones are not touched). */
  readonly written: string[];
  readonly removed: string[];
}

export function applyPlan(plan: Plan): Applied {
  // A writer without the lock could interleave with another's read of the lockfile: a bug.
  if (!holdsStateLock(plan.projectDir)) throw new Error(`applyPlan: the state lock of ${plan.projectDir} is not held`);
  for (const t of plan.tempDirs) removeStaleTemps(t.dir, t.of);
  for (const d of plan.privateDirs) ensurePrivateDir(d);
  const written: string[] = [];
  if (plan.master) {
    // Under the lock no other wg-compose process can create it meanwhile; anything that did
    // would own keys we are about to derive from ours.
    if (!createFileExclusive(plan.master.path, plan.master.content, plan.master.mode)) throw new Error(`${plan.master.path} appeared while the state lock was held`);
    written.push(plan.master.path);
  }
  for (const k of plan.keys) if (writeFileAtomic(k.path, k.content, k.mode)) written.push(k.path);
  written.push(...writeFilesAtomic(plan.files));
  if (plan.commit && writeFileAtomic(plan.commit.path, plan.commit.content, plan.commit.mode)) written.push(plan.commit.path);
  // Behind the lockfile, never ahead of it: a crash between the two only leaves it lagging.
  if (plan.record && writeFileAtomic(plan.record.path, plan.record.content, plan.record.mode)) written.push(plan.record.path);
  const removed = plan.removals.flatMap((r) => removeFilesWhere(r.dir, r.matches));
  return { written, removed };
}

/** The files a removal would take now (for the dry-run): read-only. */
export function previewRemoval(r: Removal): string[] {
  try {
    return readdirSync(r.dir)
      .filter((n) => r.matches(n))
      .sort()
      .map((n) => join(r.dir, n));
  } catch {
    return [];
  }
}
