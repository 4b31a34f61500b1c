// The hosts file of a linked service on a LinuxKit node (bound over its /etc/hosts).
import type { ExtraHosts } from '../model/canonical/extra-hosts.js';
import type { Node } from '../topology/topology.js';

/**
 * /etc/hosts inside a linked service: its link names resolve to the peers' tunnel addresses
 * (what compose's links did), its own name to its own tunnel address, plus its extra_hosts.
 */
export function hostsFile(service: string, node: Node, extra: ExtraHosts | undefined): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  for (const a of node.addresses) lines.push(`${a}\t${service}`);
  const byAddress = new Map<string, string[]>();
  for (const h of node.hosts) byAddress.set(h.address, [...(byAddress.get(h.address) ?? []), h.name]);
  for (const [a, names] of byAddress) lines.push(`${a}\t${names.join(' ')}`);
  for (const { host, address } of extra?.entries ?? []) if (host && address && address !== 'host-gateway') lines.push(`${address}\t${host}`);
  return `${lines.join('\n')}\n`;
}
