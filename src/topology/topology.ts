// The WireGuard topology of a project: one node per linked service, one peer each way per
// unordered linked pair, AllowedIPs exactly the other side's tunnel addresses. Public data
// and secrets are kept in separate structures so nothing that prints the public one can leak
// a key by accident.
import type { Diagnostic } from '../diagnostics.js';
import { toBase64 } from '../keys/derive.js';
import type { ModelView } from '../model/model.js';
import type { ServiceSlot } from '../model/replicas.js';
import type { Settings } from '../model/settings.js';
import type { Lockfile } from '../state/lockfile.js';
import type { Target } from '../state/paths.js';
import type { Allocation } from './allocate.js';
import { assignAddresses } from './assign.js';
import { serviceKeys, type KeyChanges, type KeySource } from './key-source.js';
import { nodeOf, type NodeContext } from './nodes.js';

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

  const { names, pairs } = linkNames(view, allocations);
  const { links, presharedKeys, peersOf } = pairKeys(pairs, allocations, lock, keys, changes);

  const ctx: NodeContext = { project, view, settings, target, allocations, publicKeys, epochs, imported, names, peersOf };
  const nodes = new Map<string, Node>();
  for (const s of linked) {
    const alloc = allocations.get(s);
    if (alloc) nodes.set(s, nodeOf(ctx, s, alloc));
  }
  return { topology: { project, nodes, links }, secrets: { privateKeys, presharedKeys }, diagnostics, x25519: x25519Count };
}

/** The linked pairs whose target side got an address, and for each direction the names used. */
function linkNames(view: ModelView, allocations: ReadonlyMap<string, Allocation>): { names: Map<string, Map<string, Set<string>>>; pairs: Set<string> } {
  const names = new Map<string, Map<string, Set<string>>>(); // from → to → names
  const pairs = new Set<string>();
  for (const [k, p] of view.pairs) {
    for (const { from, link: l } of p.links) {
      if (!allocations.has(l.target)) continue;
      pairs.add(k);
      const m = names.get(from) ?? new Map<string, Set<string>>();
      m.set(l.target, (m.get(l.target) ?? new Set()).add(l.name));
      names.set(from, m);
    }
  }
  return { names, pairs };
}

/**
 * Each pair's epoch (the lockfile's, or the committed floor, moved on by `rotate`) and
 * preshared key, in pair order, and which services peer with which.
 */
function pairKeys(
  pairs: ReadonlySet<string>,
  allocations: ReadonlyMap<string, Allocation>,
  lock: Lockfile,
  keys: KeySource,
  changes: KeyChanges,
): { links: Map<string, { epoch: number }>; presharedKeys: Map<string, string>; peersOf: Map<string, string[]> } {
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
  return { links, presharedKeys, peersOf };
}
