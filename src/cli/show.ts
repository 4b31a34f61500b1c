// `wg-compose show`: the public topology, as a table, as JSON, or drawn (Mermaid, Graphviz).
// It reads state but never creates it.
import type { ProjectOptions } from '../load/project-options.js';
import { showGraph } from '../render/graph.js';
import { showJson, showTable } from '../render/show.js';
import { EXIT, type CliIO } from './io.js';
import { prepare } from './prepare.js';

export async function runShow(io: CliIO, opts: ProjectOptions, format: 'table' | 'json' | 'mermaid' | 'dot'): Promise<number> {
  const p = await prepare(io, opts, false);
  if (typeof p === 'number') return p;
  const { topology, configPaths } = p.compiled;
  if (format === 'json') io.stdout(`${JSON.stringify(showJson(topology, configPaths), null, 2)}\n`);
  else if (format === 'table') io.stdout(showTable(topology, configPaths));
  else io.stdout(showGraph(topology, [...p.analysis.view.services.keys()], format));
  return EXIT.ok;
}
