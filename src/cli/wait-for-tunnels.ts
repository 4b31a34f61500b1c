// How `up` waits for its tunnels: the sidecars are looked at every POLL_MS while the engine
// runs, until every tunnel is ready and the engine is done (exit 0), the engine fails, or the
// timeout passes (WGC092; the containers are left running for a look).
import type { Argv } from '../engine/detect.js';
import type { createProgress } from '../engine/progress.js';
import { assess, describe, type TunnelState } from '../engine/readiness.js';
import type { EngineResult, EngineRun } from '../engine/run.js';
import type { Runtime } from '../engine/runtime.js';
import { HealthcheckClock, look, type Look } from '../engine/watch.js';
import type { Topology } from '../topology/topology.js';
import { engineFailed, say } from './engine.js';
import { EXIT, type CliIO } from './io.js';
import type { UpOptions } from './up.js';

/** How often the sidecars are looked at while waiting. */
const POLL_MS = 500;

export async function waitForTunnels(
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
