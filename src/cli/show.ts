// `wg-compose show`: the public topology. It reads state but never creates it.
import type { ProjectOptions } from '../load/project-options.js';
import { showJson, showTable } from '../render/show.js';
import { EXIT, type CliIO } from './io.js';
import { prepare } from './prepare.js';

export async function runShow(io: CliIO, opts: ProjectOptions, json: boolean): Promise<number> {
  const p = await prepare(io, opts, false);
  if (typeof p === 'number') return p;
  const { topology, configPaths } = p.compiled;
  io.stdout(json ? `${JSON.stringify(showJson(topology, configPaths), null, 2)}\n` : showTable(topology, configPaths));
  return EXIT.ok;
}
