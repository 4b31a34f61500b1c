// `wg-compose render`: the rendered stack on stdout; keys and wg-quick files in the state
// directory; public allocation in the lockfile. The state is applied (src/plan/apply.ts)
// before anything is printed, so a stack on stdout always refers to configs that exist.
import type { ProjectOptions } from '../load/project-options.js';
import { EXIT, type CliIO, type WriteOptions } from './io.js';
import { analyzeProject } from './prepare.js';
import { produce } from './produce.js';

export async function runRender(io: CliIO, opts: ProjectOptions, o: WriteOptions = {}): Promise<number> {
  // The compose files first, without the lock: a project with errors creates no state at all.
  const analysis = analyzeProject(io, opts);
  if (typeof analysis === 'number') return analysis;
  const done = await produce(io, analysis, { command: 'render', createState: true, dryRun: o.dryRun === true }, ({ p: { compiled } }) => {
    if (compiled.topology.nodes.size === 0) io.stderr('wg-compose: no links in this project; the stack is rendered unchanged\n');
    if (io.env['WG_COMPOSE_STATS']) io.stderr(`wg-compose: stats: services=${compiled.topology.nodes.size} x25519=${compiled.x25519}\n`);
    // Made only now, and printed as it is made: the configs it names exist already.
    compiled.writeStack(io.stdout);
    return EXIT.ok;
  });
  return typeof done === 'number' ? done : EXIT.ok;
}
