// `wg-compose render`: the rendered stack on stdout; keys and wg-quick files in the state
// directory; public allocation in the lockfile. State is written before anything is
// printed, so a stack on stdout always refers to configs that exist.
import { basename, dirname } from 'node:path';
import type { ProjectOptions } from '../load/project-options.js';
import { serializeLockfile } from '../state/lockfile.js';
import { removeStaleTemps, writeFileAtomic } from '../state/atomic.js';
import { holdsStateLock } from '../state/lock.js';
import { removeGoneConfigs, removeStaleState, writeConfigs, type WriteReport } from '../state/store.js';
import { EXIT, type CliIO, type WriteOptions } from './io.js';
import { underStateLock } from './locked.js';
import { analyzeProject, prepareAnalyzed, type Prepared } from './prepare.js';

// `write.dryRun` is accepted here for the plan/apply change, which makes it print the plan.
export async function runRender(io: CliIO, opts: ProjectOptions, write: WriteOptions = {}): Promise<number> {
  // The compose files first, without the lock: a project with errors creates no state at all.
  const analysis = analyzeProject(io, opts);
  if (typeof analysis === 'number') return analysis;
  return underStateLock(io, analysis.project.projectDir, 'render', () => {
    const p = prepareAnalyzed(io, analysis, true);
    if (typeof p === 'number') return p;
    const { compiled } = p;
    writeRenderState(p);
    if (compiled.topology.nodes.size === 0) io.stderr('wg-compose: no links in this project; the stack is rendered unchanged\n');
    if (io.env['WG_COMPOSE_STATS']) io.stderr(`wg-compose: stats: services=${compiled.topology.nodes.size} x25519=${compiled.x25519}\n`);
    // Made only now, and printed as it is made: the configs it names exist already.
    compiled.writeStack(io.stdout);
    return EXIT.ok;
  });
}

/**
 * What render writes besides its output (and `up`, `rotate` and `import` too): the wg-quick
 * files and the lockfile, in an order that makes the lockfile the commit point.
 *
 * "Old or new, never a mix", across several files, means here:
 * 1. The master secret is durable before anything derived from it exists (prepare creates it
 *    with link(2), exclusively, before compiling), so no config or lockfile can ever name keys
 *    whose master is lost.
 * 2. Every wg-quick file is written next, each atomically (old or new bytes, never torn).
 * 3. The lockfile last, atomically: the commit point. Once it names an epoch, every config
 *    already carries that epoch's keys; a lockfile never claims more than is on disk.
 * 4. Only then are the files of services the lockfile no longer names removed.
 * A crash before 3 leaves the old lockfile with some configs already new: the next render
 * computes from that old lockfile and the same input, so it writes the same configs again (a
 * plain render converges to the new state) or puts the old keys back (a killed `rotate`
 * did not happen). A crash after 3 leaves the new state with, at most, stale configs that the
 * next render removes (and an imported key that `rotate` retired, unused, until the next
 * rotate or import of that service: render never deletes imported keys). Either way the next
 * render ends where an uninterrupted run ends. Hidden temporary files a crash leaves are
 * cleared first, when we hold the state lock. (`import` writes its key, under a name of its
 * own, before all this: see importedKeyPath.)
 */
export function writeRenderState(p: Prepared): WriteReport {
  const { analysis, compiled } = p;
  const { projectDir, name } = analysis.project;
  if (holdsStateLock(projectDir)) {
    removeStaleState(projectDir, name);
    removeStaleTemps(dirname(p.lockPath), basename(p.lockPath));
  }
  const { written } = writeConfigs(projectDir, name, compiled.configs);
  if (compiled.topology.nodes.size > 0 || p.lockExisted) {
    writeFileAtomic(p.lockPath, serializeLockfile(compiled.lock), 0o644);
  }
  const removed = removeGoneConfigs(projectDir, name, compiled.configs.keys());
  return { written, removed };
}
