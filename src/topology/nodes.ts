// One node of the topology: a linked service's addresses, key and listen port, and a peer for
// each service it is linked with, allowed exactly that service's tunnel addresses.
import type { ModelView } from '../model/model.js';
import { namespaceName } from '../model/names.js';
import type { Settings } from '../model/settings.js';
import type { Target } from '../state/paths.js';
import type { Allocation } from './allocate.js';
import type { Node, Peer } from './topology.js';

/** What buildTopology has worked out for the whole project before it makes the nodes. */
export interface NodeContext {
  readonly project: string;
  readonly view: ModelView;
  readonly settings: Settings;
  readonly target: Target;
  readonly allocations: ReadonlyMap<string, Allocation>;
  readonly publicKeys: ReadonlyMap<string, string>;
  readonly epochs: ReadonlyMap<string, number>;
  readonly imported: ReadonlySet<string>;
  /** from → to → the names `from` uses for `to` in its links. */
  readonly names: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>;
  /** Each service's peers, sorted. */
  readonly peersOf: ReadonlyMap<string, readonly string[]>;
}

/** The node of service `s`, which got the allocation `alloc`. */
export function nodeOf(ctx: NodeContext, s: string, alloc: Allocation): Node {
  const { peers, hosts } = peersAndHosts(ctx, s);
  const wg = ctx.view.services.get(s)?.wireguard;
  return {
    name: s,
    addresses: addressesOf(ctx.allocations, s),
    listenPort: alloc.listenPort,
    publicKey: ctx.publicKeys.get(s)!,
    epoch: ctx.epochs.get(s)!,
    imported: ctx.imported.has(s),
    mtu: typeof wg?.['mtu'] === 'number' ? wg['mtu'] : ctx.settings.mtu,
    peers,
    hosts,
    ...(ctx.view.slots.has(s) ? { slot: ctx.view.slots.get(s)! } : {}),
  };
}

/** The peers of `s`, and the names it resolves to their tunnel addresses (its link names), sorted. */
function peersAndHosts(ctx: NodeContext, s: string): { peers: Peer[]; hosts: { name: string; address: string }[] } {
  const { project, view, settings, target, allocations } = ctx;
  const peers: Peer[] = [];
  const hosts: { name: string; address: string }[] = [];
  for (const other of ctx.peersOf.get(s) ?? []) {
    const aliases = [...(ctx.names.get(s)?.get(other) ?? [])].sort();
    peers.push({
      service: other,
      aliases,
      publicKey: ctx.publicKeys.get(other)!,
      allowedIPs: addressesOf(allocations, other).map((a) => (a.includes(':') ? `${a}/128` : `${a}/32`)),
      endpoint: endpointOf(view, project, other, allocations.get(other)!.listenPort, target),
      keepalive: keepaliveOf(view, s, settings),
    });
    for (const n of aliases) for (const a of addressesOf(allocations, other)) hosts.push({ name: n, address: a });
  }
  hosts.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.address < y.address ? -1 : 1));
  return { peers, hosts };
}

/** A service's tunnel addresses, plain, IPv4 first. */
function addressesOf(allocations: ReadonlyMap<string, Allocation>, s: string): string[] {
  const a = allocations.get(s)!;
  return a.address6 ? [a.address4, a.address6] : [a.address4];
}

/**
 * How peers reach a service: on one host, its namespace owner's name on a shared network (the
 * service's own name would resolve to its tunnel address inside linked services); on swarm,
 * `tasks.PROJECT_NAME`, the task's own address on the overlay (no VIP, no routing mesh, and
 * never shadowed by a link name); unless the user set a host or a whole endpoint. The stack's
 * full service name, not the short one: every replica slot carries its service's short name
 * as a network alias, and `tasks.api` answers with the tasks of every slot, api-2's too, so a
 * peer re-resolving it would move its endpoint for api to api-2's task and back.
 */
function endpointOf(view: ModelView, project: string, s: string, port: number, target: Target): string {
  const wg = view.services.get(s)?.wireguard;
  if (typeof wg?.['endpoint'] === 'string') return wg['endpoint'];
  const host = typeof wg?.['host'] === 'string' ? wg['host'] : target === 'swarm' ? `tasks.${project}_${s}` : namespaceName(s);
  return `${host}:${port}`;
}

/**
 * PersistentKeepalive on the peers of `s`: its own setting, else 25 s if it declares itself
 * behind NAT (it must keep its mapping open), else the project's (0 = off).
 */
function keepaliveOf(view: ModelView, s: string, settings: Settings): number {
  const wg = view.services.get(s)?.wireguard;
  if (typeof wg?.['keepalive'] === 'number') return wg['keepalive'];
  if (wg?.['nat'] === true) return settings.keepalive || 25;
  return settings.keepalive;
}
