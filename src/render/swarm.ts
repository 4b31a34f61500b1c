// The rendered stack for Docker Swarm (`render --target swarm`, for `docker stack deploy`):
// the input model with every link turned into a WireGuard pair between swarm tasks.
//
// Swarm has no `network_mode: service:` and ignores `devices`, so the compose shape (a
// namespace owner and a sidecar beside each service) cannot be expressed in a stack. Instead:
// - each linked service (each replica slot: src/model/replicas.ts) stays one swarm service,
//   its image and privileges untouched, carrying its own wg-quick file as a swarm secret
//   (encrypted in the raft log, delivered only to the node running the task, readable by
//   root only) and labels that ask for a sidecar;
// - a node agent (templates/swarm-agent.yml.hbs, one task per node) starts a plain sidecar
//   container in the namespace of each such task on its node, handing it that secret's file;
// - peers dial each other at `tasks.PROJECT_NAME` (the tasks' own addresses on a shared
//   overlay network), which needs neither VIPs nor the routing mesh; so the stack must be
//   deployed under the project's name, as `wg-compose deploy` does;
// - link names resolve to tunnel addresses through `extra_hosts`, as on one host.
// Secrets are named after a digest of the public data of the config they hold: swarm secrets
// are immutable, so a rotated key is a new secret and the service update is a rolling one.
import { parse } from 'yaml';
import { isObject, type Json, type JsonObject } from '../load/located.js';
import { SWARM_KEYS } from '../model/check-swarm.js';
import { serviceView, type ServiceView } from '../model/model.js';
import { secretName } from '../model/names.js';
import type { Settings } from '../model/settings.js';
import type { Node, Topology } from '../topology/topology.js';
import { PEERS_LABEL, PROJECT_LABEL, ROLE_LABEL, SECRET_LABEL, SERVICE_LABEL } from '../sidecar-contract.js';
import { embeddedScript } from './sidecar-parts.js';
import { CONFIG_LABEL, configDigest, publicBlock } from './public-data.js';
import { dollarEscaper } from './dollar-escape.js';
import { networksWithAlias, type StackInput } from './stack.js';
import { stringifyStack } from './stringify-stack.js';
import { swarmAgentScript, swarmSidecarScript, template } from './templates.js';

/** The stack file format `docker stack deploy` reads (docker/cli 20.10 knows up to 3.9). */
export const SWARM_VERSION = '3.8';
/** The node agent's service name in the stack. */
export const AGENT_SERVICE = 'wg-compose-agent';

/** Where the node's engine keeps containers: the agent reads which secret file is a task's. */
const CONTAINERS_DIR = '/var/lib/docker/containers';

/** The secret target inside a task: a name no user secret is likely to take. */
export const swarmSecretTarget = (settings: Settings): string => `wg-compose-${settings.iface}.conf`;

/**
 * The stack's text; with a sink, handed to it in pieces instead (and '' returned). What it
 * leaves out was reported by src/model/check-swarm.ts.
 */
export function renderSwarmStack(input: StackInput, sink?: (piece: string) => void): string {
  const { model, topology } = input;
  const out = obj();
  out['version'] = SWARM_VERSION;
  const services = obj();
  const rawServices = isObject(model['services']) ? model['services'] : obj();
  for (const name of Object.keys(rawServices)) {
    const svc = rawServices[name];
    if (!isObject(svc)) {
      services[name] = svc ?? null;
      continue;
    }
    services[name] = swarmService(serviceView(name, svc), input);
  }
  if (topology.nodes.size > 0) services[AGENT_SERVICE] = agentService(input);
  out['services'] = services;
  for (const key of Object.keys(model)) {
    if (key === 'services' || key === 'name' || key === 'version' || key === 'x-wireguard' || key === 'secrets') continue;
    out[key] = model[key]!;
  }
  const secrets = obj();
  if (isObject(model['secrets'])) Object.assign(secrets, model['secrets']);
  for (const name of [...topology.nodes.keys()].sort()) {
    secrets[secretName(name)] = {
      file: input.configPaths.get(name)!,
      name: swarmSecretOf(input.project, topology.nodes.get(name)!, topology),
      labels: { [PROJECT_LABEL]: input.project, [SERVICE_LABEL]: name },
    };
  }
  if (Object.keys(secrets).length > 0) out['secrets'] = secrets;
  out['x-wireguard'] = publicBlock(input);
  const comment =
    ` Rendered by wg-compose for Docker Swarm from ${input.sources.join(', ')} (project "${input.project}").\n` +
    ` Deploy: docker stack deploy --resolve-image never -c THIS_FILE ${input.project}  (or wg-compose deploy)\n` +
    ` WireGuard configs are swarm secrets read from the state directory; no key is in this file.`;
  return stringifyStack(out, comment, dollarEscaper(), sink);
}

/**
 * A secret's name in the swarm: the project's, the service's, and a digest of the public
 * data of the config (configDigest), so a new config is a new secret (swarm secrets cannot
 * change) and an unchanged one is the same secret on every deploy.
 */
export const swarmSecretName = (project: string, service: string, digest: string): string => `${project}_${secretName(service)}-${digest.slice(0, 12)}`;

/**
 * The secret holding NODE's config. Its digest leaves the peers' public keys out, as the config
 * does: a peer's rotated key changes no other service's secret, so only the rotated service's
 * tasks roll, and the agent hands its peers the new key in place (templates/swarm-agent.sh).
 */
export const swarmSecretOf = (project: string, node: Node, topology: Topology): string => swarmSecretName(project, node.name, configDigest(node, topology, false));

/**
 * Every linked service's public key and tunnel addresses, a line each (`SERVICE KEY ADDRESS…`),
 * for the agent (its KEYS_LABEL): it gives each sidecar its peers' keys, at start and when a
 * peer's key is rotated. Public data, as in the lockfile.
 */
export function keyTable(topology: Topology): string {
  return [...topology.nodes.values()]
    .map((n) => [n.name, n.publicKey, ...n.addresses].join(' '))
    .sort()
    .join('\n');
}

function swarmService(sv: ServiceView, input: StackInput): JsonObject {
  const { name, raw: svc } = sv;
  const node = input.topology.nodes.get(name);
  const out = obj();
  for (const key of Object.keys(svc)) {
    if (key === 'scale' || key === 'links') continue;
    if (SWARM_KEYS.has(key) || key.startsWith('x-')) out[key] = svc[key]!;
  }
  // `scale` is compose's; swarm counts replicas in deploy. Slot services run one each.
  if (typeof svc['scale'] === 'number' && !node) out['deploy'] = { ...(isObject(svc['deploy']) ? svc['deploy'] : {}), replicas: svc['scale'] };
  if (!node) return out;

  const target = swarmSecretTarget(input.settings);
  out['secrets'] = [...(Array.isArray(svc['secrets']) ? svc['secrets'] : []), { source: secretName(name), target, uid: '0', gid: '0', mode: 0o400 }];
  const labels = obj();
  for (const l of sv.canonical.labels.entries) labels[l.key] = l.value ?? '';
  labels[ROLE_LABEL] = 'task';
  labels[PROJECT_LABEL] = input.project;
  labels[SERVICE_LABEL] = name;
  labels[SECRET_LABEL] = target;
  labels[CONFIG_LABEL] = configDigest(node, input.topology, false);
  labels[PEERS_LABEL] = node.peers.map((p) => p.service).join(' ');
  out['labels'] = labels;
  // The stack format takes extra_hosts as a list; a name may repeat (one line per replica).
  const ours = new Set(node.hosts.map((h) => h.name));
  const hosts = [...sv.canonical.extraHosts.entries.filter((e) => !ours.has(e.host)).map((e) => `${e.host}:${e.address}`), ...node.hosts.map((h) => `${h.name}:${h.address}`)];
  if (hosts.length > 0) out['extra_hosts'] = hosts;
  // Every replica answers to the replicated service's name, as a scaled service's tasks do.
  if (node.slot && node.slot.service !== name && !Object.hasOwn(svc, 'network_mode')) out['networks'] = networksWithAlias(sv.canonical.networks, [node.slot.service]);
  return out;
}

function agentService(input: StackInput): Json {
  const text = template('swarm-agent.yml.hbs')({
    image: input.settings.image,
    containersDir: CONTAINERS_DIR,
    project: input.project,
    iface: input.settings.iface,
    sidecar: embeddedScript(),
    wrapper: embeddedScript(swarmSidecarScript()),
    keys: keyTable(input.topology),
    script: swarmAgentScript(),
  });
  return parse(text) as Json;
}

const obj = (): JsonObject => Object.create(null) as JsonObject;
