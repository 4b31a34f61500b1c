// Before a rotated key rolls out on swarm, the node agents get the new public keys on their
// own: a label of the agent service (KEYS_LABEL) changes, every agent restarts (the sidecars
// stay up), and each peer of the rotated service stages the new key beside the old one
// (templates/swarm-sidecar.sh adopt). Only then does `docker stack deploy` roll the rotated
// service; each peer switches to the new key the moment the new task shakes hands with it,
// and none of them restarts. Without this step the agents would restart in the same moment
// as the rotated task, which would then wait for its node's new agent for a sidecar.
import { AGENT_SERVICE, keyTable } from '../render/swarm.js';
import { KEYS_LABEL } from '../sidecar-contract.js';
import { parseKeysCurrent, parseTasks } from '../swarm/status.js';
import type { Topology } from '../topology/topology.js';
import { docker } from './docker-cli.js';
import { say } from './engine.js';
import type { CliIO } from './io.js';

/** Services whose public key differs between two key tables (keyTable), both having them. */
export function rotatedIn(before: string, after: string): string[] {
  const keyOf = (table: string) => new Map(table.split('\n').map((l) => [l.split(' ')[0]!, l.split(' ')[1]] as const));
  const old = keyOf(before);
  return [...keyOf(after)].filter(([s, k]) => old.has(s) && old.get(s) !== k).map(([s]) => s);
}

/**
 * Stages the topology's keys with the running agents, when a deployed service's key changed.
 * Waits (at most `timeout` s) until the agent on every node says its sidecars have them; a
 * failure is a warning: the rollout then goes on, and the peers take the key a little later.
 */
export async function stageKeys(io: CliIO, cli: string, project: string, topology: Topology, timeout: number): Promise<void> {
  const agent = `${project}_${AGENT_SERVICE}`;
  const inspect = await docker(io, cli, ['service', 'inspect', agent, '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Labels}}']);
  if (inspect.code !== 0) return; // not deployed yet
  let labels: Record<string, unknown>;
  try {
    labels = (JSON.parse(inspect.stdout) ?? {}) as Record<string, unknown>;
  } catch {
    return;
  }
  const before = labels[KEYS_LABEL];
  const after = keyTable(topology);
  if (typeof before !== 'string') return; // an agent older than in-place keys: everything rolls anyway
  const rotated = rotatedIn(before, after);
  if (rotated.length === 0) return;
  const started = Date.now();
  io.stderr(`wg-compose: giving the agents the new public key of ${rotated.join(', ')} first, so that its peers take it without a restart\n`);
  const since = new Date(started - 2_000).toISOString();
  const args = ['service', 'update', '--detach', '--no-resolve-image', '--container-label-add', `${KEYS_LABEL}=${after}`, agent];
  const r = await docker(io, cli, args);
  if (r.code !== 0) return warn(io, `\`docker service update\` of ${agent} failed: ${r.stderr.trim().split('\n')[0] ?? ''}`);
  for (;;) {
    const [ps, logs] = await Promise.all([
      docker(io, cli, ['service', 'ps', agent, '--no-trunc', '--filter', 'desired-state=running', '--format', '{{json .}}']),
      docker(io, cli, ['service', 'logs', '--no-trunc', '--since', since, agent]),
    ]);
    const tasks = parseTasks(ps.stdout);
    const current = parseKeysCurrent(logs.stdout + logs.stderr);
    const done = tasks.filter((t) => current.has(t.id)).length;
    if (tasks.length > 0 && done === tasks.length) {
      io.stderr(`wg-compose: the new key is staged on ${done} node(s) (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      return;
    }
    if (Date.now() - started > timeout * 1000) return warn(io, `the new key reached the agents on ${done} of ${tasks.length} node(s) in ${timeout} s`);
    await new Promise((res) => setTimeout(res, 1000));
  }
}

function warn(io: CliIO, why: string): void {
  say(io, { code: 'WGC116', severity: 'warning', message: `${why}; rolling out anyway: peers of the rotated service take its key once their agent gives it to them` });
}
