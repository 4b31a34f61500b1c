// Running the compose engine: both its streams copied to the caller as they come (the user
// sees the engine's own progress), the end of its stderr kept for the error message. Like
// execa's own errors, a failure names the command and carries what the tool said.
import { execa, type ResultPromise } from 'execa';
import type { Argv } from './detect.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface EngineResult {
  /** undefined: it could not be started, or was killed. */
  readonly code: number | undefined;
  readonly tail: string;
}

export interface EngineRun {
  readonly done: Promise<EngineResult>;
  stop(): void;
}

/** Runs the engine with both its streams copied to `out` as they come; keeps the end of its stderr for the error message. */
export function startEngine(argv: Argv, o: { env: Env; cwd: string }, out: (s: string) => void): EngineRun {
  const sub: ResultPromise = execa(argv[0], argv.slice(1), {
    env: o.env,
    extendEnv: false,
    cwd: o.cwd,
    reject: false,
    stdin: 'ignore',
    buffer: false,
    forceKillAfterDelay: 5_000,
  });
  let tail = '';
  sub.stdout?.on('data', (d: Buffer) => out(d.toString()));
  sub.stderr?.on('data', (d: Buffer) => {
    const s = d.toString();
    out(s);
    tail = (tail + s).slice(-4000);
  });
  const done = (async () => {
    const r = await sub;
    if (r.failed && r.exitCode === undefined) tail += `\n${r.code === 'ENOENT' ? `${argv[0]}: command not found` : (r.shortMessage ?? r.message)}`;
    return { code: r.failed ? r.exitCode : 0, tail };
  })();
  return { done, stop: () => void sub.kill() };
}

