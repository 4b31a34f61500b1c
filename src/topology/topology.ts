// The WireGuard topology of a project: one node per linked service, one peer each way per
// unordered linked pair, AllowedIPs exactly the other side's tunnel addresses. Public data
// and secrets are kept in separate structures so nothing that prints the public one can leak
// a key by accident.
import type { Diagnostic } from '../diagnostics.js';
import { toBase64 } from '../keys/derive.js';
import { linkedPairs } from '../model/linked-pairs.js';
import type { ModelView } from '../model/model.js';
import { namespaceName } from '../model/names.js';
import type { ServiceSlot } from '../model/replicas.js';
import type { Settings } from '../model/settings.js';
import type { Lockfile } from '../state/lockfile.js';
import type { Target } from '../state/paths.js';
import { assignAddresses } from './assign.js';
import { serviceKeys, type KeyChanges, type KeySource } from './key-source.js';

export interface Peer {
  readonly service: string;
  /** Names this service uses for the peer in its `links` (empty if only the peer links here). */
  readonly aliases: readonly string[];
  readonly publicKey: string;
  readonly allowedIPs: readonly string[];
  readonly endpoint: string;
  readonly keepalive: number;
}

export interface Node {
  readonly name: string;
  /** Plain addresses, IPv4 first. */
  readonly addresses: readonly string[];
  readonly listenPort: number;
  readonly publicKey: string;
  /** Rotation epoch of this service's key. */
  readonly epoch: number;
  /** The key is one the user imported (wg-compose import), not one derived from the master. */
  readonly imported?: boolean;
  readonly mtu: number;
  readonly peers: readonly Peer[];
  /** Every name this service resolves to a peer's tunnel address (its link names), sorted. */
  readonly hosts: readonly { readonly name: string; readonly address: string }[];
  /** The replica this service holds, when it is one slot of a replicated service. */
  readonly slot?: ServiceSlot;
}

export interface Topology {
  readonly project: string;
  readonly nodes: ReadonlyMap<string, Node>;
  readonly links: ReadonlyMap<string, { readonly epoch: number }>;
}

/** Never rendered anywhere but into the 0600 config files. */
export interface Secrets {
  readonly privateKeys: ReadonlyMap<string, string>;
  readonly presharedKeys: ReadonlyMap<string, string>;
}

export function buildTopology(
  project: string,
  view: ModelView,
  linked: readonly string[],
  settings: Settings,
  lock: Lockfile,
  keys: KeySource,
  changes: KeyChanges = {},
  target: Target = 'compose',
): { topology: Topology; secrets: Secrets; diagnostics: Diagnostic[]; x25519: number } {
  // Addresses and ports first, without keys (check runs the same step on its own).
  const { allocations, diagnostics } = assignAddresses(view, linked, settings, lock);

  const { privateKeys, publicKeys, epochs, imported, x25519: x25519Count, diagnostics: kd } = serviceKeys(linked, lock, keys, changes);
  diagnostics.push(...kd);

  // The linked pairs whose target side got an address, and for each direction the names used.
  const names = new Map<string, Map<string, Set<string>>>(); // from → to → names
  const pairs = new Set<string>();
  for (const [k, p] of linkedPairs(view)) {
    for (const { from, link: l } of p.links) {
      if (!allocations.has(l.target)) continue;
      pairs.add(k);
      const m = names.get(from) ?? new Map<string, Set<string>>();
      m.set(l.target, (m.get(l.target) ?? new Set()).add(l.name));
      names.set(from, m);
    }
  }
  const presharedKeys = new Map<string, string>();
  const links = new Map<string, { epoch: number }>();
  // Each service's peers, in name order (the order of `linked`): an adjacency list, so the
  // work grows with the number of links, not with the square of the number of services.
  const peersOf = new Map<string, string[]>();
  for (const k of [...pairs].sort()) {
    const [a, b] = k.split(':') as [string, string];
    const epoch = (lock.links.get(k)?.epoch ?? changes.floors?.links.get(k) ?? 0) + (changes.rotateLinks?.has(k) ? 1 : 0);
    links.set(k, { epoch });
    presharedKeys.set(k, toBase64(keys.presharedKey(a, b, epoch)));
    if (allocations.has(a) && allocations.has(b)) {
      (peersOf.get(a) ?? peersOf.set(a, []).get(a)!).push(b);
      (peersOf.get(b) ?? peersOf.set(b, []).get(b)!).push(a);
    }
  }
  for (const list of peersOf.values()) list.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));

  const addressesOf = (s: string): string[] => {
    const a = allocations.get(s)!;
    return a.address6 ? [a.address4, a.address6] : [a.address4];
  };
  const nodes = new Map<string, Node>();
  for (const s of linked) {
    const alloc = allocations.get(s);
    if (!alloc) continue;
    const peers: Peer[] = [];
    const hosts: { name: string; address: string }[] = [];
    for (const other of peersOf.get(s) ?? []) {
      const aliases = [...(names.get(s)?.get(other) ?? [])].sort();
      peers.push({
        service: other,
        aliases,
        publicKey: publicKeys.get(other)!,
        allowedIPs: addressesOf(other).map((a) => (a.includes(':') ? `${a}/128` : `${a}/32`)),
        endpoint: endpointOf(view, project, other, allocations.get(other)!.listenPort, target),
        keepalive: keepaliveOf(view, s, settings),
      });
      for (const n of aliases) for (const a of addressesOf(other)) hosts.push({ name: n, address: a });
    }
    hosts.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.address < y.address ? -1 : 1));
    const wg = view.services.get(s)?.wireguard;
    nodes.set(s, {
      name: s,
      addresses: addressesOf(s),
      listenPort: alloc.listenPort,
      publicKey: publicKeys.get(s)!,
      epoch: epochs.get(s)!,
      imported: imported.has(s),
      mtu: typeof wg?.['mtu'] === 'number' ? wg['mtu'] : settings.mtu,
      peers,
      hosts,
      ...(view.slots.has(s) ? { slot: view.slots.get(s)! } : {}),
    });
  }
  return { topology: { project, nodes, links }, secrets: { privateKeys, presharedKeys }, diagnostics, x25519: x25519Count };
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
