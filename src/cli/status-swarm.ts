// `status --target swarm`: one look at every sidecar on every node. The manager cannot exec
// into a container on another node, so a one-shot global job (templates/swarm-status.sh, in
// the tools image, with each node's engine socket) runs the probe in the sidecars of its node
// and prints the answers; they come back through `docker service logs`, and the job is removed.
import { randomBytes } from 'node:crypto';
import { PROJECT_LABEL, ROLE_LABEL } from '../sidecar-contract.js';
import { swarmStatusScript } from '../render/templates.js';
import { parseProbe, PROBE, type SidecarSeen } from '../status/links.js';
import type { Topology } from '../topology/topology.js';
import { docker, failed } from './docker-cli.js';
import type { CliIO } from './io.js';

/** How long the job may take on every node before status gives up. */
const JOB_TIMEOUT_MS = 30_000;
const FINISHED = /^(complete|failed|rejected|shutdown|orphaned)/i;

/** The lines the job printed (`wg-compose-status SERVICE TASK NODE LINE`), as what was seen of each service's sidecar. */
export function parseJobOutput(text: string, topology: Topology): { seen: Map<string, SidecarSeen>; nodesDone: number } {
  const probes = new Map<string, { task: string; node: string; lines: string[] }>();
  let nodesDone = 0;
  for (const line of text.split('\n')) {
    const m = /^wg-compose-status (\S+) (\S+)(?: (\S+) (.*))?$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'done') {
      nodesDone++;
      continue;
    }
    const [, service, task, node, rest] = m as unknown as [string, string, string, string, string];
    const key = `${service}\t${task}`;
    const p = probes.get(key) ?? { task, node, lines: [] };
    if (rest !== 'seen') p.lines.push(rest);
    probes.set(key, p);
  }
  const seen = new Map<string, SidecarSeen>();
  for (const [key, p] of probes) {
    const service = key.split('\t')[0]!;
    if (!topology.nodes.has(service)) continue;
    const iface = parseProbe(p.lines.join('\n'));
    const s: SidecarSeen = iface ? { kind: 'up', container: p.task, where: p.node, iface } : { kind: 'interface-down', container: p.task };
    // During a rolling update a service can have two tasks: the one whose tunnel is up counts.
    if (seen.get(service)?.kind !== 'up') seen.set(service, s);
  }
  return { seen, nodesDone };
}

export async function lookSwarm(io: CliIO, cli: string, topology: Topology, settings: { iface: string; image: string }): Promise<Map<string, SidecarSeen> | number> {
  const name = `${topology.project}_wg-compose-status-${randomBytes(3).toString('hex')}`;
  const create = [
    'service', 'create', '--detach', '--quiet', '--name', name, '--mode', 'global-job',
    '--label', `${PROJECT_LABEL}=${topology.project}`, '--label', `${ROLE_LABEL}=status`,
    '--mount', 'type=bind,source=/var/run/docker.sock,target=/var/run/docker.sock',
    '--env', `WG_COMPOSE_PROJECT=${topology.project}`, '--env', `WG_COMPOSE_INTERFACE=${settings.iface}`, '--env', `WG_COMPOSE_PROBE=${PROBE}`,
    '--entrypoint', '/bin/sh', settings.image, '-c', swarmStatusScript(),
  ];
  const made = await docker(io, cli, create);
  if (made.code !== 0) return failed(io, create.slice(0, 2), made);
  try {
    const started = Date.now();
    for (;;) {
      const ps = await docker(io, cli, ['service', 'ps', name, '--format', '{{.CurrentState}}']);
      const states = ps.stdout.split('\n').filter(Boolean);
      if (states.length > 0 && states.every((s) => FINISHED.test(s))) break;
      if (Date.now() - started > JOB_TIMEOUT_MS) return failed(io, ['service', 'ps'], { code: undefined, stdout: '', stderr: `the status job ${name} did not finish on every node within ${JOB_TIMEOUT_MS / 1000} s: ${states.join(', ')}\n` });
      await new Promise((r) => setTimeout(r, 300));
    }
    const logs = await docker(io, cli, ['service', 'logs', '--raw', '--no-trunc', name]);
    return parseJobOutput(logs.stdout + logs.stderr, topology).seen;
  } finally {
    await docker(io, cli, ['service', 'rm', name]);
  }
}
