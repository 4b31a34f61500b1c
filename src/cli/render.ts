// `wg-compose render`: the rendered stack on stdout; keys and wg-quick files in the state
// directory; public allocation in the lockfile. State is written before anything is
// printed, so a stack on stdout always refers to configs that exist.
import type { ProjectOptions } from '../load/project-options.js';
import { serializeLockfile } from '../state/lockfile.js';
import { writeFileAtomic } from '../state/atomic.js';
import { writeConfigs } from '../state/store.js';
import { EXIT, type CliIO } from './io.js';
import { prepare } from './prepare.js';

export function runRender(io: CliIO, opts: ProjectOptions): number {
  const p = prepare(io, opts, true);
  if (typeof p === 'number') return p;
  const { analysis, compiled } = p;
  writeConfigs(analysis.project.projectDir, analysis.project.name, compiled.configs);
  if (compiled.topology.nodes.size > 0 || p.lockExisted) {
    writeFileAtomic(p.lockPath, serializeLockfile(compiled.lock), 0o644);
  }
  if (compiled.topology.nodes.size === 0) io.stderr('wg-compose: no links in this project; the stack is rendered unchanged\n');
  io.stdout(compiled.stack);
  return EXIT.ok;
}
