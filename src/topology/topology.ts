// The WireGuard topology of a project: one node per linked service, one peer each way per
// unordered linked pair, AllowedIPs exactly the other side's tunnel addresses. Public data
// and secrets are kept in separate structures so nothing that prints the public one can leak
// a key by accident.
import { warning, type Diagnostic, type Pos } from '../diagnostics.js';
import { linkPresharedKey, publicKeyOf, servicePrivateKey, toBase64, type MasterSecret } from '../keys/derive.js';
import { isObject, valueLoc, itemLoc } from '../load/located.js';
import type { ModelView } from '../model/model.js';
import { namespaceName } from '../model/names.js';
import type { Settings } from '../model/settings.js';
import { pairKey, type Lockfile } from '../state/lockfile.js';
import { allocate, type Pin, type Previous } from './allocate.js';

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
  readonly epoch: number;
  readonly mtu: number;
  readonly peers: readonly Peer[];
  /** Every name this service resolves to a peer's tunnel address (its link names), sorted. */
  readonly hosts: readonly { readonly name: string; readonly address: string }[];
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

export interface KeySource {
  privateKey(service: string, epoch: number): Uint8Array;
  presharedKey(a: string, b: string, epoch: number): Uint8Array;
}

export function masterKeySource(master: MasterSecret, project: string): KeySource {
  return {
    privateKey: (s, e) => servicePrivateKey(master, project, s, e),
    presharedKey: (a, b, e) => linkPresharedKey(master, project, a, b, e),
  };
}

export function buildTopology(
  project: string,
  view: ModelView,
  linked: readonly string[],
  settings: Settings,
  lock: Lockfile,
  keys: KeySource,
): { topology: Topology; secrets: Secrets; diagnostics: Diagnostic[] } {
  const pins = new Map<string, Pin>();
  const previous = new Map<string, Previous>();
  for (const s of linked) {
    pins.set(s, pinOf(view, s));
    const l = lock.services.get(s);
    if (l) previous.set(s, { addresses: l.addresses, listenPort: l.listenPort });
  }
  const { allocations, diagnostics } = allocate({
    services: linked,
    pins,
    previous,
    pool4: settings.pool4,
    pool6: settings.pool6,
    portBase: settings.portBase,
  });

  const privateKeys = new Map<string, string>();
  const publicKeys = new Map<string, string>();
  const epochs = new Map<string, number>();
  const changed: string[] = [];
  for (const s of linked) {
    const locked = lock.services.get(s);
    const epoch = locked?.epoch ?? 0;
    const priv = keys.privateKey(s, epoch);
    epochs.set(s, epoch);
    privateKeys.set(s, toBase64(priv));
    publicKeys.set(s, toBase64(publicKeyOf(priv)));
    if (locked?.publicKey && locked.publicKey !== publicKeys.get(s)) changed.push(s);
  }
  if (changed.length > 0) {
    // Same epoch, other key: the master secret is not the one the lockfile was made with
    // (a fresh clone without the team's secret, say). Say so rather than re-key silently.
    diagnostics.push(
      warning(
        'WGC062',
        `the keys of ${changed.map((c) => `"${c}"`).join(', ')} differ from wg-compose.lock at the same epoch: this master secret is not the one the lockfile was made with`,
        undefined,
        'use the shared master secret (WG_COMPOSE_MASTER_KEY_FILE), or keep the new keys and commit the updated lockfile',
      ),
    );
  }

  // Unordered pairs, and for each direction the names used.
  const names = new Map<string, Map<string, Set<string>>>(); // from → to → names
  const pairs = new Set<string>();
  for (const from of linked) {
    for (const l of view.services.get(from)?.links ?? []) {
      if (l.target === from || !allocations.has(l.target)) continue;
      pairs.add(pairKey(from, l.target));
      const m = names.get(from) ?? new Map<string, Set<string>>();
      m.set(l.target, (m.get(l.target) ?? new Set()).add(l.name));
      names.set(from, m);
    }
  }
  const presharedKeys = new Map<string, string>();
  const links = new Map<string, { epoch: number }>();
  for (const k of [...pairs].sort()) {
    const [a, b] = k.split(':') as [string, string];
    const epoch = lock.links.get(k)?.epoch ?? 0;
    links.set(k, { epoch });
    presharedKeys.set(k, toBase64(keys.presharedKey(a, b, epoch)));
  }

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
    for (const other of linked) {
      if (other === s || !pairs.has(pairKey(s, other)) || !allocations.has(other)) continue;
      const aliases = [...(names.get(s)?.get(other) ?? [])].sort();
      peers.push({
        service: other,
        aliases,
        publicKey: publicKeys.get(other)!,
        allowedIPs: addressesOf(other).map((a) => (a.includes(':') ? `${a}/128` : `${a}/32`)),
        endpoint: endpointOf(view, other, allocations.get(other)!.listenPort),
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
      mtu: typeof wg?.['mtu'] === 'number' ? wg['mtu'] : settings.mtu,
      peers,
      hosts,
    });
  }
  return { topology: { project, nodes, links }, secrets: { privateKeys, presharedKeys }, diagnostics };
}

function pinOf(view: ModelView, s: string): Pin {
  const wg = view.services.get(s)?.wireguard;
  if (!wg) return {};
  const addr = wg['address'];
  const addresses: { text: string; pos: Pos | undefined }[] =
    typeof addr === 'string'
      ? [{ text: addr, pos: valueLoc(wg, 'address') }]
      : Array.isArray(addr)
        ? addr.map((a, i) => ({ text: String(a), pos: itemLoc(addr, i) }))
        : [];
  const port = typeof wg['port'] === 'number' ? { value: wg['port'], pos: valueLoc(wg, 'port') } : undefined;
  return { addresses, ...(port ? { port } : {}) };
}

/**
 * How peers reach a service: its namespace owner's name on a shared network (the service's own
 * name would resolve to its tunnel address inside linked services), unless the user set a
 * host or a whole endpoint.
 */
function endpointOf(view: ModelView, s: string, port: number): string {
  const wg = view.services.get(s)?.wireguard;
  if (typeof wg?.['endpoint'] === 'string') return wg['endpoint'];
  const host = typeof wg?.['host'] === 'string' ? wg['host'] : namespaceName(s);
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

export { isObject };
