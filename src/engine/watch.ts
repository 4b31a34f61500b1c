// One look at a project's sidecars: which exist, which have configured their interface, which
// have completed handshakes. Where a peer is up but no handshake happened yet, the sidecar
// sends it one ping: WireGuard shakes hands only when there is a packet to send, and with
// keepalive off (the default) nothing else would.
//
// Healthchecks on podman without systemd: podman schedules healthchecks with systemd timers;
// where there is no systemd (containers, CI machines, this one) it logs "unable to get systemd
// connection to add healthchecks" and a container's health stays "starting" forever. Compose
// then waits forever for `condition: service_healthy`, which every application has on its
// sidecar. So while `up` waits, it runs the checks itself (`podman healthcheck run`): a
// sidecar's as soon as its ready file exists (the file the check tests, so it passes at
// once), every other container's at its own interval, as the timer would have.
import type { Topology } from '../topology/topology.js';
import { READY_FILE, ROLE_LABEL, SERVICE_LABEL } from '../sidecar-contract.js';
import { parseHandshakes, peersToProbe, type Observation } from './readiness.js';
import { execIn, projectContainers, runHealthcheck, type ContainerInfo, type Runtime } from './runtime.js';

/** The labels the rendered stack puts on its sidecars (templates/sidecar.yml.hbs gets them from the contract). */
export { ROLE_LABEL, SERVICE_LABEL };

/**
 * Run inside the sidecar: $1 the ready file, $2 the interface, then the peer addresses to
 * ping. Prints "up" once the interface is configured, "no-ping" if it cannot probe, then
 * wg(8)'s latest-handshakes.
 */
const PROBE = [
  'ready="$1"; iface="$2"; shift 2',
  '[ -f "$ready" ] || exit 0',
  'echo up',
  'if command -v ping >/dev/null 2>&1; then for a in "$@"; do ping -c 1 -W 1 -q "$a" >/dev/null 2>&1 & done; wait; else echo no-ping; fi',
  'wg show "$iface" latest-handshakes',
].join('\n');

export interface Look {
  readonly observed: Map<string, Observation>;
  /** Service → its sidecar container. */
  readonly sidecars: Map<string, ContainerInfo>;
}

/**
 * `previous` is the last look and whether every tunnel was ready in it: if so, and the same
 * sidecars are still running the same run (same id, same start time), their ready files and
 * handshakes are still there, and only `ps`/`inspect` are needed (no `exec`, which is slow
 * while the engine is busy creating containers).
 */
export async function look(
  rt: Runtime,
  topology: Topology,
  iface: string,
  last: { look: Look; allReady: boolean } | undefined,
  health: HealthcheckClock,
): Promise<Look> {
  const previous = last?.look.observed ?? new Map<string, Observation>();
  const containers = await projectContainers(rt, topology.project);
  const sidecars = new Map<string, ContainerInfo>();
  for (const c of containers) {
    const service = c.labels[SERVICE_LABEL];
    if (c.labels[ROLE_LABEL] === 'sidecar' && service !== undefined && topology.nodes.has(service)) sidecars.set(service, c);
  }
  const observed = last?.allReady && sameRuns(last.look.sidecars, sidecars) ? new Map(last.look.observed) : await probeAll(rt, topology, iface, sidecars, previous);
  if (rt.kind === 'podman') {
    const ready = new Set([...sidecars].filter(([s]) => observed.get(s)?.interfaceUp).map(([, c]) => c.id));
    const isSidecar = new Set([...sidecars.values()].map((c) => c.id));
    await Promise.all(health.due(containers, ready, isSidecar).map((id) => runHealthcheck(rt, id)));
  }
  return { observed, sidecars };
}

/** Docker's default healthcheck interval, for a check that names none. */
const DEFAULT_INTERVAL_MS = 30_000;

/** Which healthchecks to run now, standing in for podman's systemd timers (see the top of this file). */
export class HealthcheckClock {
  private readonly next = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}

  /** `ready`: sidecars whose check passes now; `sidecars`: every sidecar (they are run only when ready). */
  due(containers: readonly ContainerInfo[], ready: ReadonlySet<string>, sidecars: ReadonlySet<string>): string[] {
    const now = this.now();
    const out: string[] = [];
    for (const c of containers) {
      // Only "starting" blocks compose; "unhealthy" has ended its wait already.
      if (c.status !== 'running' || c.health !== 'starting') continue;
      if (sidecars.has(c.id)) {
        if (ready.has(c.id)) out.push(c.id);
        continue;
      }
      const key = `${c.id} ${c.startedAt}`;
      const interval = c.healthInterval ?? DEFAULT_INTERVAL_MS;
      const next = this.next.get(key);
      // Docker runs the first check one interval after the start; so does this.
      if (next === undefined) this.next.set(key, now + interval);
      else if (now >= next) {
        out.push(c.id);
        this.next.set(key, now + interval);
      }
    }
    return out;
  }
}

async function probeAll(
  rt: Runtime,
  topology: Topology,
  iface: string,
  sidecars: ReadonlyMap<string, ContainerInfo>,
  previous: ReadonlyMap<string, Observation>,
): Promise<Map<string, Observation>> {
  const observed = new Map<string, Observation>();
  const probe = async (service: string, c: ContainerInfo, peers: readonly string[]) => {
    const out = c.status === 'running' ? await execIn(rt, c.id, ['sh', '-c', PROBE, 'sh', READY_FILE, iface, ...peers]) : undefined;
    const lines = (out ?? '').split('\n');
    observed.set(service, { container: c.status, interfaceUp: lines.includes('up'), handshakes: parseHandshakes(out ?? ''), canProbe: !lines.includes('no-ping') });
  };
  // First round: ping the peers the previous look found up without a handshake.
  const pinged = new Map<string, string[]>();
  await Promise.all(
    [...sidecars].map(([service, c]) => {
      const peers = peersToProbe(topology, service, previous);
      pinged.set(service, peers);
      return probe(service, c, peers);
    }),
  );
  // Second round, at once rather than a poll later: peers this look found up.
  await Promise.all(
    [...sidecars].map(([service, c]) => {
      const peers = peersToProbe(topology, service, observed).filter((a) => !pinged.get(service)?.includes(a));
      return peers.length > 0 && observed.get(service)?.canProbe ? probe(service, c, peers) : undefined;
    }),
  );
  return observed;
}

const run = (c: ContainerInfo) => `${c.id} ${c.startedAt} ${c.status}`;

function sameRuns(a: ReadonlyMap<string, ContainerInfo>, b: ReadonlyMap<string, ContainerInfo>): boolean {
  if (a.size !== b.size) return false;
  for (const [service, c] of b) {
    const p = a.get(service);
    if (!p || c.status !== 'running' || c.startedAt === '' || run(p) !== run(c)) return false;
  }
  return true;
}
