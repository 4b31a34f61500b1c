// What the rendered stack says in public: the readable `x-wireguard` block (addresses,
// ports, public keys, who peers with whom) and each sidecar's config digest label. Built from
// public data only: nothing here may ever see a private key or a PSK.
import { createHash } from 'node:crypto';
import type { JsonObject } from '../load/located.js';
import { pairKey } from '../state/lockfile.js';
import { formatPrefix } from '../topology/cidr.js';
import type { Node, Topology } from '../topology/topology.js';
import type { StackInput } from './stack.js';

/** The sidecar label that changes whenever its wg-quick file does. */
export const CONFIG_LABEL = 'dev.wg-compose.config';

/**
 * A digest of everything in a service's wg-quick file, from public data only: the addresses,
 * port, MTU and peers, and for the secrets their public keys and epochs (the private key and
 * the PSKs change exactly when those do). Never a hash of the file itself, which holds keys.
 * With `peerKeys` false, of a swarm config, which holds no peer's public key (renderWgQuick).
 */
export function configDigest(node: Node, topology: Topology, peerKeys = true): string {
  const peers = node.peers.map((p) => [p.service, peerKeys ? p.publicKey : '', p.allowedIPs, p.endpoint, p.keepalive, topology.links.get(pairKey(node.name, p.service))?.epoch ?? 0]);
  const text = JSON.stringify([node.addresses, node.listenPort, node.mtu, node.publicKey, node.epoch, node.imported === true, peers]);
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}

/** Public information only: settings, addresses, ports, public keys, who peers with whom. */
export function publicBlock(input: StackInput): JsonObject {
  const s = input.settings;
  const block = obj();
  block['pool'] = formatPrefix(s.pool4);
  if (s.pool6) block['pool6'] = formatPrefix(s.pool6);
  block['port'] = s.portBase;
  block['mtu'] = s.mtu;
  if (s.keepalive) block['keepalive'] = s.keepalive;
  block['image'] = s.image;
  block['interface'] = s.iface;
  const topo = obj();
  for (const [name, n] of [...input.topology.nodes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const peers = obj();
    for (const p of n.peers) peers[p.service] = { allowedIPs: [...p.allowedIPs], endpoint: p.endpoint };
    topo[name] = { addresses: [...n.addresses], listenPort: n.listenPort, publicKey: n.publicKey, peers };
  }
  block['topology'] = topo;
  return block;
}

const obj = (): JsonObject => Object.create(null) as JsonObject;
