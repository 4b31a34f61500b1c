// `wg-compose up`: render, write the stack into the state directory, run the compose engine
// with it (detached), and wait until every tunnel is ready. stdout stays empty (or, with
// --dry-run, holds exactly the commands a real run would execute); the engine's output and
// the progress go to stderr.
import type { ProjectOptions } from '../load/project-options.js';
import { extendPlan } from '../plan/plan.js';
import { stackPath } from '../state/paths.js';
import type { Topology } from '../topology/topology.js';
import { upCommand } from '../engine/commands.js';
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
  const argv = upCommand(targetOf(engine.argv, name, projectDir, stackFile, analysis.project.profiles), { build: o.build, extra: o.extra });

  // The state as `render` writes it, and the stack the engine runs, in one plan under the same
  // lock; the engine runs after it is released (it reads only files that are complete by then).
  const done = await produce(io, analysis, {
    command: 'up',
    createState: true,
    dryRun: o.dryRun,
    extend: (p, plan) => extendPlan(plan, { files: [{ path: stackFile, content: p.compiled.stack, mode: 0o600, what: 'the stack the engine runs' }], commands: [argv] }),
    dryRunNote: () => (analysis.linked.length > 0 ? `# then waits up to ${o.timeout} s for the tunnels of: ${[...analysis.linked].sort().join(', ')}\n` : ''),
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
    return EXIT.ok;
  }
  return waitForTunnels(io, o, rt, compiled.topology, analysis.settings.iface, run, argv, progress, started);
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
