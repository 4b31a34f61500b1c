// `wg-compose export [--format json|yaml]`: the public topology on stdout, for other tools
// (src/render/export.ts). Like `show`, it reads state and never creates any; no secret is in it.
import { stringify } from 'yaml';
import type { ProjectOptions } from '../load/project-options.js';
import { exportJson } from '../render/export.js';
import { EXIT, type CliIO } from './io.js';
import { prepare } from './prepare.js';

export async function runExport(io: CliIO, opts: ProjectOptions, format: 'json' | 'yaml'): Promise<number> {
  const p = await prepare(io, opts, false);
  if (typeof p === 'number') return p;
  const { topology, configPaths, lock } = p.compiled;
  const data = exportJson(topology, configPaths, p.analysis.settings, lock.masterFingerprint ?? p.keys.seal?.fingerprint);
  io.stdout(format === 'json' ? `${JSON.stringify(data, null, 2)}\n` : stringify(data, { lineWidth: 0 }));
  return EXIT.ok;
}
