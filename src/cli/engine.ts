// What `up` and `down` share in the shell: finding the engine, and turning its failure into
// a diagnostic and exit code 3 (DESIGN.md §1).
import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import type { EngineTarget } from '../engine/commands.js';
import { detectEngine, systemLooker, type Argv, type Engine } from '../engine/detect.js';
import type { EngineResult } from '../engine/run.js';
import { EXIT, type CliIO } from './io.js';

export const say = (io: CliIO, d: Diagnostic): void => io.stderr(`${formatDiagnostic(d)}\n`);

/** Exit 3 with the engine's own last words. */
export function engineFailed(io: CliIO, argv: Argv, r: EngineResult): number {
  const last = r.tail.split('\n').filter((l) => l.trim() !== '').pop()?.trim();
  say(io, {
    code: 'WGC091',
    severity: 'error',
    message: `\`${argv[0]}${argv[1] && !argv[1].startsWith('-') ? ` ${argv[1]}` : ''}\` failed${r.code === undefined ? '' : ` (exit ${r.code})`}${last ? `: ${last}` : ''}`,
    hint: "the engine's output is above",
  });
  return EXIT.external;
}

/** The engine named or found, or an error naming what was tried. */
export async function findEngine(io: CliIO, flag: string | undefined): Promise<Engine | undefined> {
  const d = await detectEngine(flag, io.env, systemLooker(io.env, io.cwd));
  if (d.ok) return d.engine;
  say(io, {
    code: 'WGC090',
    severity: 'error',
    message: d.named ? `no engine in ${d.tried.join(', ')}` : `no compose engine found: tried ${d.tried.join(', ')}`,
    hint: 'install Docker Compose (v2 plugin or docker-compose), or name an engine with --engine or WG_COMPOSE_ENGINE (e.g. "docker-compose")',
  });
  return undefined;
}

export function targetOf(engine: Argv, project: string, projectDir: string, stackFile: string, profiles: readonly string[]): EngineTarget {
  return { engine, project, projectDir, stackFile, profiles };
}

