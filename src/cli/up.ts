// `wg-compose up`: render, write the stack into the state directory, run the compose engine
// with it (detached), and wait until every tunnel is ready. stdout stays empty (or, with
// --dry-run, holds exactly the commands a real run would execute); the engine's output and
// the progress go to stderr.
import type { ProjectOptions } from '../load/project-options.js';
import { extendPlan } from '../plan/plan.js';
import { stackPath } from '../state/paths.js';
import { logsCommand, stopCommand, upCommand } from '../engine/commands.js';
import { shellQuote } from '../system/shell-quote.js';
import type { Argv } from '../engine/detect.js';
import { startEngine, type EngineRun } from '../engine/run.js';
import { createProgress } from '../engine/progress.js';
import { detectRuntime, imagePresent, type Runtime } from '../engine/runtime.js';
import { engineFailed, findEngine, say, targetOf } from './engine.js';
import { EXIT, type CliIO } from './io.js';
import { analyzeProject } from './prepare.js';
import { produce } from './produce.js';
import { waitForTunnels } from './wait-for-tunnels.js';

export interface UpOptions {
  readonly project: ProjectOptions;
  /** --engine: a command line ("docker compose"); else WG_COMPOSE_ENGINE; else found on PATH. */
  readonly engine: string | undefined;
  readonly build: boolean;
  readonly dryRun: boolean;
  /** Seconds to wait for the tunnels, counted from the first sidecar container's creation. */
  readonly timeout: number;
  /** Arguments after `--`, for the engine's `up`. */
  readonly extra: readonly string[];
  /** Return once the tunnels are ready; otherwise follow the logs until Ctrl-C, then stop. */
  readonly detach?: boolean;
}

export async function runUp(io: CliIO, o: UpOptions): Promise<number> {
  const started = Date.now();
  const analyzed = o.dryRun ? analyzeProject(io, o.project) : undefined;
  if (typeof analyzed === 'number') return analyzed;
  // The engine first in a real run: without one, nothing is written and no key is created.
  const engine = await findEngine(io, o.engine);
  if (!engine) return EXIT.external;
  const analysis = analyzed ?? analyzeProject(io, o.project);
  if (typeof analysis === 'number') return analysis;
  const { name, projectDir } = analysis.project;
  const stackFile = stackPath(projectDir, name);
  const target = targetOf(engine.argv, name, projectDir, stackFile, analysis.project.profiles);
  const argv = upCommand(target, { build: o.build, extra: o.extra });

  // The state as `render` writes it, and the stack the engine runs, in one plan under the same
  // lock; the engine runs after it is released (it reads only files that are complete by then).
  const done = await produce(io, analysis, {
    command: 'up',
    createState: true,
    dryRun: o.dryRun,
    extend: (p, plan) => extendPlan(plan, { files: [{ path: stackFile, content: p.compiled.stack, mode: 0o600, what: 'the stack the engine runs' }], commands: [argv] }),
    dryRunNote: () =>
      (analysis.linked.length > 0 ? `# then waits up to ${o.timeout} s for the tunnels of: ${[...analysis.linked].sort().join(', ')}\n` : '') +
      (o.detach === true ? '' : `# then follows the logs until Ctrl-C, which stops the project:\n${shellQuote(logsCommand(target))}\n${shellQuote(stopCommand(target))}\n`),
  });
  if (typeof done === 'number') return done;
  const { compiled } = done.p;

  const rt = detectRuntime(engine.argv, io.env, io.cwd);
  if (rt && compiled.topology.nodes.size > 0 && (await sidecarImageMissing(io, rt, analysis.settings.image))) return EXIT.external;

  io.stderr(`+ ${shellQuote(argv)}\n`);
  const progress = createProgress(io.stderr, io.stderrIsTTY === true);
  const run = startEngine(argv, io, (s) => progress.engine(s));

  if (!rt || compiled.topology.nodes.size === 0) return unwatched(io, o, run, argv, progress, compiled.topology.nodes.size > 0, target);
  const ready = await waitForTunnels(io, o, rt, compiled.topology, analysis.settings.iface, run, argv, progress, started);
  return ready !== EXIT.ok || o.detach === true ? ready : attach(io, target);
}

/** A localhost/ sidecar image that is not there: the engine would try to pull it and fail, so say why first. */
async function sidecarImageMissing(io: CliIO, rt: Runtime, image: string): Promise<boolean> {
  const missing = (await imagePresent(rt, image)) === false && image.startsWith('localhost/');
  if (missing) {
    say(io, {
      code: 'WGC093',
      severity: 'error',
      message: `the sidecar image ${image} is not present (${rt.kind}), and a localhost/ image cannot be pulled`,
      hint: 'build it with `wg-compose build init`, or name another image in x-wireguard.image',
    });
  }
  return missing;
}

/** The engine's `up` without a look at the sidecars: no runtime to look with, or no tunnel to wait for. */
async function unwatched(
  io: CliIO,
  o: UpOptions,
  run: EngineRun,
  argv: Argv,
  progress: ReturnType<typeof createProgress>,
  linked: boolean,
  target: ReturnType<typeof targetOf>,
): Promise<number> {
  const r = await run.done;
  progress.close();
  if (r.code !== 0) return engineFailed(io, argv, r);
  if (linked) {
    say(io, {
      code: 'WGC094',
      severity: 'warning',
      message: 'cannot check that the tunnels are ready: neither podman nor docker is on PATH',
      hint: 'the engine started the project; `docker-compose ps` shows the sidecars (NAME-wg) and their health',
    });
  }
  return o.detach === true ? EXIT.ok : attach(io, target);
}

/**
 * The foreground, as `docker compose up` without -d: the project's logs until Ctrl-C (or
 * SIGTERM), then its containers stopped (kept, as compose keeps them; `wg-compose down`
 * removes them). Exit 130 after an interrupt; 0 when the logs end because every container did.
 */
async function attach(io: CliIO, target: ReturnType<typeof targetOf>): Promise<number> {
  io.stderr('wg-compose: attached to the project\'s logs; Ctrl-C stops it (wg-compose up -d returns instead)\n');
  const logs = startEngine(logsCommand(target), io, io.stdout);
  const interrupted = await new Promise<boolean>((resolve) => {
    const on = () => resolve(true);
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
    void logs.done.then(() => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(false);
    });
  });
  if (!interrupted) return EXIT.ok;
  logs.stop();
  io.stderr('\nwg-compose: stopping the project\n');
  const stop = stopCommand(target);
  io.stderr(`+ ${shellQuote(stop)}\n`);
  const r = await startEngine(stop, io, io.stderr).done;
  if (r.code !== 0) return engineFailed(io, stop, r);
  return 130;
}
