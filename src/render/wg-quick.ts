// One wg-quick(8) file per linked service: the only place private keys and PSKs are written.
import { pairKey } from '../state/lockfile.js';
import type { Node, Secrets } from '../topology/topology.js';
import { template } from './templates.js';

/**
 * With `peerKeys` false (swarm), the peers' public keys are left out: a swarm secret cannot
 * change, and a peer's key is public, so it reaches the sidecar from the node agent instead
 * (templates/swarm-agent.sh), and a rotated peer changes no other service's secret.
 */
export function renderWgQuick(project: string, node: Node, secrets: Secrets, peerKeys = true): string {
  const privateKey = secrets.privateKeys.get(node.name);
  if (privateKey === undefined) throw new Error(`bug: no private key for ${node.name}`);
  return template('wg-quick.conf.hbs')({
    project,
    service: node.name,
    addresses: node.addresses.map((a) => (a.includes(':') ? `${a}/128` : `${a}/32`)),
    listenPort: node.listenPort,
    privateKey,
    mtu: node.mtu,
    peers: node.peers.map((p) => ({
      ...p,
      publicKey: peerKeys ? p.publicKey : undefined,
      presharedKey: secrets.presharedKeys.get(pairKey(node.name, p.service)),
    })),
  });
}
