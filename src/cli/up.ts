// `wg-compose up`: render, write the stack into the state directory, run the compose engine
// with it (detached), and wait until every tunnel is ready. stdout stays empty (or, with
// --dry-run, holds exactly the commands a real run would execute); the engine's output and
// the progress go to stderr.
import type { ProjectOptions } from '../load/project-options.js';
import { extendPlan } from '../plan/plan.js';
import { stackPath } from '../state/paths.js';
import type { Topology } from '../topology/topology.js';
import { logsCommand, stopCommand, upCommand } from '../engine/commands.js';
import { shellQuote } from '../system/shell-quote.js';
import type { Argv } from '../engine/detect.js';
import { startEngine, type EngineResult, type EngineRun } from '../engine/run.js';
import { createProgress } from '../engine/progress.js';
import { assess, describe, type TunnelState } from '../engine/readiness.js';
import { detectRuntime, imagePresent, type Runtime } from '../engine/runtime.js';
import { HealthcheckClock, look, type Look } from '../engine/watch.js';
import { engineFailed, findEngine, say, targetOf } from './engine.js';
import { EXIT, type CliIO } from './io.js';
import { analyzeProject } from './prepare.js';
import { produce } from './produce.js';

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

/** How often the sidecars are looked at while waiting. */
const POLL_MS = 500;

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
  if (rt && compiled.topology.nodes.size > 0) {
    const image = analysis.settings.image;
    if ((await imagePresent(rt, image)) === false && image.startsWith('localhost/')) {
      say(io, {
        code: 'WGC093',
        severity: 'error',
        message: `the sidecar image ${image} is not present (${rt.kind}), and a localhost/ image cannot be pulled`,
        hint: 'build it with `wg-compose build init`, or name another image in x-wireguard.image',
      });
      return EXIT.external;
    }
  }

  io.stderr(`+ ${shellQuote(argv)}\n`);
  const progress = createProgress(io.stderr, io.stderrIsTTY === true);
  const run = startEngine(argv, io, (s) => progress.engine(s));

  if (!rt || compiled.topology.nodes.size === 0) {
    const r = await run.done;
    progress.close();
    if (r.code !== 0) return engineFailed(io, argv, r);
    if (compiled.topology.nodes.size > 0) {
      say(io, {
        code: 'WGC094',
        severity: 'warning',
        message: 'cannot check that the tunnels are ready: neither podman nor docker is on PATH',
        hint: 'the engine started the project; `docker-compose ps` shows the sidecars (NAME-wg) and their health',
      });
    }
    return o.detach === true ? EXIT.ok : attach(io, target);
  }
  const ready = await waitForTunnels(io, o, rt, compiled.topology, analysis.settings.iface, run, argv, progress, started);
  return ready !== EXIT.ok || o.detach === true ? ready : attach(io, target);
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

async function waitForTunnels(
  io: CliIO,
  o: UpOptions,
  rt: Runtime,
  topology: Topology,
  iface: string,
  run: EngineRun,
  argv: Argv,
  progress: ReturnType<typeof createProgress>,
  started: number,
): Promise<number> {
  let engineResult: EngineResult | undefined;
  void run.done.then((r) => (engineResult = r));
  let last: { look: Look; allReady: boolean } | undefined;
  const health = new HealthcheckClock();
  let clockFrom: number | undefined;
  let states = new Map<string, TunnelState>();
  for (;;) {
    const seen = await look(rt, topology, iface, last, health);
    const { sidecars } = seen;
    if (clockFrom === undefined && sidecars.size > 0) clockFrom = Date.now();
    states = assess(topology, seen.observed);
    last = { look: seen, allReady: sidecars.size > 0 && [...sidecars.keys()].every((s) => states.get(s)?.kind === 'ready') };
    // Once the engine is done, only the sidecars it created count (`up -- web` starts a part).
    if (engineResult?.code === 0) for (const s of [...states.keys()]) if (!sidecars.has(s)) states.delete(s);
    progress.update(states, Date.now() - started);

    if (engineResult && engineResult.code !== 0) {
      progress.close();
      return engineFailed(io, argv, engineResult);
    }
    const notReady = [...states].filter(([, s]) => s.kind !== 'ready');
    if (engineResult && notReady.length === 0) {
      progress.close();
      const names = [...states.keys()];
      io.stderr(
        names.length === 0
          ? 'wg-compose: the engine started no sidecar (no linked service was started)\n'
          : `wg-compose: ${names.length} tunnel${names.length === 1 ? '' : 's'} ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${names.join(', ')}\n`,
      );
      return EXIT.ok;
    }
    if (clockFrom !== undefined && Date.now() - clockFrom > o.timeout * 1000) {
      if (!engineResult) run.stop();
      progress.close();
      say(io, {
        code: 'WGC092',
        severity: 'error',
        message:
          notReady.length > 0
            ? `tunnels not ready after ${o.timeout} s: ${notReady.map(([n, s]) => `${n} (${describe(s)})`).join('; ')}`
            : `every tunnel is ready, but the engine's up had not finished after ${o.timeout} s (waiting on a service's healthcheck?)`,
        hint: `the containers were left running for a look (\`${rt.kind} logs CONTAINER\` of a NAME-wg sidecar); \`wg-compose down\` removes them`,
      });
      return EXIT.external;
    }
    await (engineResult ? sleep(POLL_MS) : Promise.race([sleep(POLL_MS), run.done]));
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
