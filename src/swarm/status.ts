// Whether every tunnel of a deployed swarm stack is up, from what the manager can see: the
// stack's tasks (`docker stack ps`) and the node agents' status lines (`docker service logs`
// of the agent, the only channel from every node back to the manager; templates/
// swarm-agent.sh writes them). Pure: text in, states out.
import type { Topology } from '../topology/topology.js';

export interface Task {
  readonly id: string;
  /** STACK_SERVICE.SLOT, or STACK_SERVICE.NODEID for a global service. */
  readonly name: string;
  readonly node: string;
  readonly desired: string;
  /** "Running 3 seconds ago", "Rejected 2 seconds ago", … */
  readonly current: string;
  readonly error: string;
}

/** `docker stack ps --no-trunc --format '{{json .}}'`: one JSON object per line. */
export function parseTasks(text: string): Task[] {
  const out: Task[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      const t = JSON.parse(line) as Record<string, unknown>;
      const str = (k: string) => (typeof t[k] === 'string' ? (t[k] as string) : '');
      out.push({ id: str('ID'), name: str('Name'), node: str('Node'), desired: str('DesiredState'), current: str('CurrentState'), error: str('Error') });
    } catch {
      // a line that is not a task: skipped
    }
  }
  return out;
}

export interface TunnelStatus {
  readonly service: string;
  readonly taskId: string;
  readonly node: string;
  readonly up: boolean;
  readonly handshaken: number;
  readonly peers: number;
  readonly waiting: readonly string[];
}

/**
 * The agent's status lines in `docker service logs --no-trunc` output
 * (`TASKNAME@NODE    | wg-compose-agent: status SERVICE TASK up H/P [waiting=K,…]`), the last
 * per task. TASK is the task container's name, STACK_SERVICE.SLOT.TASKID.
 */
export function parseStatus(text: string): Map<string, TunnelStatus> {
  const out = new Map<string, TunnelStatus>();
  const re = /@(\S+)\s*\|\s*wg-compose-agent: status (\S+) (\S+) (up (\d+)\/(\d+)(?: waiting=(\S+))?|down)\s*$/;
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    const [, node, service, container, state, h, p, waiting] = m as unknown as [string, string, string, string, string, string | undefined, string | undefined, string | undefined];
    const taskId = container.slice(container.lastIndexOf('.') + 1);
    out.set(taskId, {
      service,
      taskId,
      node,
      up: state !== 'down',
      handshaken: Number(h ?? 0),
      peers: Number(p ?? 0),
      waiting: waiting ? waiting.split(',') : [],
    });
  }
  return out;
}

export type ServiceState =
  | { readonly kind: 'ready'; readonly node: string }
  | { readonly kind: 'no-task'; readonly why: string }
  | { readonly kind: 'no-sidecar'; readonly node: string }
  | { readonly kind: 'down'; readonly node: string }
  | { readonly kind: 'waiting'; readonly node: string; readonly peers: readonly string[] };

/** Whether a task (STACK_SERVICE.SLOT) is one of SERVICE's, not of a service whose name extends it. */
export const isTaskOf = (project: string, service: string, t: Task): boolean => {
  const prefix = `${project}_${service}.`;
  return t.name.startsWith(prefix) && /^\d+$/.test(t.name.slice(prefix.length));
};

const isRunning = (t: Task): boolean => t.desired.toLowerCase() === 'running' && /^running/i.test(t.current);

/**
 * Each linked service's state: ready once a running task of it reports its tunnel up with a
 * handshake from every peer it has. A task's id is the last dot-separated part of its
 * container's name; `docker stack ps` names tasks STACK_SERVICE.SLOT.
 */
export function assessSwarm(project: string, topology: Topology, tasks: readonly Task[], status: ReadonlyMap<string, TunnelStatus>): Map<string, ServiceState> {
  const byKey = new Map<string, string>();
  for (const n of topology.nodes.values()) byKey.set(n.publicKey, n.name);
  const out = new Map<string, ServiceState>();
  for (const node of topology.nodes.values()) {
    const mine = tasks.filter((t) => isTaskOf(project, node.name, t));
    const running = mine.filter(isRunning);
    if (running.length === 0) {
      const last = mine.find((t) => t.desired.toLowerCase() === 'running') ?? mine[0];
      out.set(node.name, { kind: 'no-task', why: last ? `${last.current}${last.error ? `: ${last.error}` : ''}` : 'no task scheduled yet' });
      continue;
    }
    const reports = running.map((t) => ({ t, s: status.get(t.id) }));
    const seen = reports.find((r) => r.s !== undefined);
    if (!seen) {
      out.set(node.name, { kind: 'no-sidecar', node: running[0]!.node });
      continue;
    }
    const s = seen.s!;
    if (!s.up) out.set(node.name, { kind: 'down', node: seen.t.node });
    else if (s.handshaken < node.peers.length || s.waiting.length > 0) {
      out.set(node.name, { kind: 'waiting', node: seen.t.node, peers: s.waiting.map((k) => byKey.get(k) ?? 'an unknown peer') });
    } else out.set(node.name, { kind: 'ready', node: seen.t.node });
  }
  return out;
}

/** Why a service is not ready, for the timeout message. */
export function describeState(service: string, s: ServiceState): string {
  switch (s.kind) {
    case 'ready':
      return `${service}: ready (node ${s.node})`;
    case 'no-task':
      return `${service}: no running task (${s.why})`;
    case 'no-sidecar':
      return `${service}: task running on node ${s.node}, but no sidecar status from the agent there (is ${'wg-compose-agent'} running on it, with its image?)`;
    case 'down':
      return `${service}: the WireGuard interface is not up (node ${s.node}; docker logs of wg-compose-sidecar.* there say why)`;
    case 'waiting':
      return `${service}: tunnel up on node ${s.node}, no handshake yet from ${s.peers.length > 0 ? s.peers.join(', ') : 'some peers'}`;
  }
}

/** One progress line: tasks running and tunnels up, per node. */
export function progressLine(states: ReadonlyMap<string, ServiceState>): string {
  const all = [...states.values()];
  const running = all.filter((s) => s.kind !== 'no-task').length;
  const ready = all.filter((s) => s.kind === 'ready').length;
  const perNode = new Map<string, { up: number; of: number }>();
  for (const s of all) {
    if (s.kind === 'no-task') continue;
    const n = perNode.get(s.node) ?? { up: 0, of: 0 };
    n.of++;
    if (s.kind === 'ready') n.up++;
    perNode.set(s.node, n);
  }
  const nodes = [...perNode].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, c]) => `${n} ${c.up}/${c.of}`);
  return `tasks running ${running}/${all.length}, tunnels up ${ready}/${all.length}${nodes.length ? ` (${nodes.join(', ')})` : ''}`;
}

/**
 * Agent tasks that said their sidecars have the current keys (`TASKNAME.TASKID@NODE    |
 * wg-compose-agent: keys current in N sidecar(s)` in `docker service logs --no-trunc`).
 */
export function parseKeysCurrent(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /\.([a-z0-9]+)@\S+\s*\|\s*wg-compose-agent: keys current /.exec(line);
    if (m) out.add(m[1]!);
  }
  return out;
}
