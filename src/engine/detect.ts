// Finding the compose engine (DESIGN.md §6): the one named (--engine, else WG_COMPOSE_ENGINE),
// else the first candidate that is there. A standalone program (docker-compose,
// podman-compose) is there when it is on PATH; a plugin subcommand (`docker compose`,
// `podman compose`) only when `… compose version` answers, since a docker client without the
// plugin is common (this machine has one). That probe is bounded in time: it must fail fast,
// never hang. Running `docker-compose version` instead would cost half a second of Python
// start-up on every `up` and tell nothing PATH does not.
import { execa } from 'execa';
import { findExecutable } from '../system/command-line.js';
import { splitCommand } from '../system/shell-words.js';

export type Argv = readonly [string, ...string[]];

/** Names an engine command line (e.g. "docker compose") when --engine is not given. */
export const ENGINE_ENV = 'WG_COMPOSE_ENGINE';

/**
 * The order compose users expect: Compose v2 (the docker CLI plugin), Compose v1, then podman's.
 * podman-compose 1.0.x does not support `network_mode: service:…` (DESIGN.md §9); it is here
 * so a machine with nothing else gets a clear engine error rather than "no engine".
 */
export const ENGINE_CANDIDATES: readonly Argv[] = [['docker', 'compose'], ['docker-compose'], ['podman', 'compose'], ['podman-compose']];

/** How long one `… compose version` probe may take (it needs no daemon: well under a second). */
export const PROBE_TIMEOUT_MS = 5_000;

export type EngineSource = 'flag' | 'env' | 'path';

export interface Engine {
  readonly argv: Argv;
  readonly source: EngineSource;
}

export type Detected = { ok: true; engine: Engine } | { ok: false; tried: string[]; named: boolean };

type Env = Readonly<Record<string, string | undefined>>;

/** Runs `ARGV version`: true when it exits 0 within the timeout. */
export type Probe = (argv: Argv) => Promise<boolean>;

export interface Looker {
  readonly onPath: (command: string) => boolean;
  readonly probe: Probe;
}

export function systemLooker(env: Env, cwd: string, timeoutMs = PROBE_TIMEOUT_MS): Looker {
  return { onPath: (c) => findExecutable(c, env) !== undefined, probe: execaProbe(env, cwd, timeoutMs) };
}

function execaProbe(env: Env, cwd: string, timeoutMs: number): Probe {
  return async (argv) => {
    const r = await execa(argv[0], [...argv.slice(1), 'version'], {
      env,
      extendEnv: false,
      cwd,
      reject: false,
      stdin: 'ignore',
      timeout: timeoutMs,
      forceKillAfterDelay: 1_000,
    });
    return !r.failed && r.exitCode === 0;
  };
}

/** A named engine is used as given (its own failure will say what is wrong); the candidates are tried in order. */
export async function detectEngine(flag: string | undefined, env: Env, look: Looker): Promise<Detected> {
  for (const [value, source] of [
    [flag, 'flag'],
    [env[ENGINE_ENV], 'env'],
  ] as const) {
    if (value === undefined || value.trim() === '') continue;
    const [head, ...rest] = splitCommand(value);
    if (head === undefined) return { ok: false, tried: [JSON.stringify(value)], named: true };
    return { ok: true, engine: { argv: [head, ...rest], source } };
  }
  const tried: string[] = [];
  for (const argv of ENGINE_CANDIDATES) {
    const shown = `\`${argv.join(' ')}\``;
    if (!look.onPath(argv[0])) {
      tried.push(argv.length === 1 ? `${shown} (not on PATH)` : `${shown} (${argv[0]} not on PATH)`);
      continue;
    }
    if (argv.length === 1 || (await look.probe(argv))) return { ok: true, engine: { argv, source: 'path' } };
    tried.push(`${shown} (\`${argv.join(' ')} version\` failed)`);
  }
  return { ok: false, tried, named: false };
}
