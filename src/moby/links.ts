// The WireGuard side of the node (the pattern is described at the top of spec.ts): per linked
// service, the onboot container that creates and configures its link, its wg-quick file (user
// data, or `files:` with --embed-keys) and the hosts file bound over its /etc/hosts.
import type { JsonObject } from '../load/located.js';
import type { ModelView } from '../model/model.js';
import { renderWgQuick } from '../render/wg-quick.js';
import type { Node, Secrets, Topology } from '../topology/topology.js';
import { STOCK, USERDATA_KEY } from './images.js';
import { hostsFile } from './hosts.js';
import type { MobyImages, MobyInput } from './spec.js';

/** The link of a service on the node: named by its listen port, unique and ≤ 15 characters. */
export const interfaceName = (node: Node): string => `wg${node.listenPort}`;
export const netnsPath = (iface: string): string => `/run/netns/${iface}`;
export const hostsFilePath = (iface: string): string => `/etc/wg-compose/hosts/${iface}`;
const keyFilePath = (iface: string): string => `/etc/wg-compose/keys/${iface}.conf`;
const userdataFilePath = (iface: string): string => `/run/config/${USERDATA_KEY}/${iface}.conf`;

/** The wg-quick file of a service on the node: as `render` writes it, but peers on loopback. */
export function nodeConfig(project: string, node: Node, topology: Topology, secrets: Secrets): string {
  const onNode: Node = {
    ...node,
    peers: node.peers.map((p) => ({ ...p, endpoint: `127.0.0.1:${topology.nodes.get(p.service)!.listenPort}` })),
  };
  return renderWgQuick(project, onNode, secrets);
}

export interface LinkEntries {
  /** The whole `onboot:` section: LinuxKit's stock steps, then one container per link. */
  readonly onboot: JsonObject[];
  /** `files:` entries: the hosts files, and the wg-quick files with embedKeys. */
  readonly files: JsonObject[];
  /** The metadata package's entries, one wg-quick file per link (empty with embedKeys). */
  readonly userdataEntries: JsonObject;
}

/** What the node needs for its links, in the order of `linked`. */
export function linkEntries(
  input: MobyInput,
  view: ModelView,
  linked: readonly string[],
  ifaceOf: ReadonlyMap<string, string>,
  netnsOf: ReadonlyMap<string, string>,
): LinkEntries {
  const files: JsonObject[] = [];
  const userdataEntries: JsonObject = {};
  const onboot: JsonObject[] = [
    { name: 'sysctl', image: STOCK.sysctl },
    { name: 'dhcpcd', image: STOCK.dhcpcd, command: ['/sbin/dhcpcd', '--nobackground', '-f', '/dhcpcd.conf', '-1'] },
  ];
  if (!input.embedKeys && linked.length > 0) onboot.push({ name: 'metadata', image: STOCK.metadata });

  for (const s of linked) {
    const node = input.topology.nodes.get(s)!;
    const iface = ifaceOf.get(s)!;
    const conf = nodeConfig(input.project, node, input.topology, input.secrets);
    let source: string;
    if (input.embedKeys) {
      source = keyFilePath(iface);
      files.push({ path: source.slice(1), contents: conf, mode: '0600' });
    } else {
      source = userdataFilePath(iface);
      userdataEntries[`${iface}.conf`] = { perm: '0600', content: conf };
    }
    onboot.push(linkEntry(input.images, iface, source, netnsOf.get(s)!));
    files.push({ path: hostsFilePath(iface).slice(1), contents: hostsFile(s, node, view.services.get(s)?.canonical.extraHosts), mode: '0644' });
  }
  return { onboot, files, userdataEntries };
}

/** The onboot container that creates the link IFACE, keeps its namespace at NETNS, and configures it from the wg-quick file at SOURCE. */
function linkEntry(images: MobyImages, iface: string, source: string, netns: string): JsonObject {
  const target = `/etc/wireguard/${iface}.conf`;
  const entry: JsonObject = {
    name: iface,
    image: images.tools,
    net: 'new',
    binds: [`${source}:${target}:ro`],
    command: images.stockTools ? ['/usr/bin/lk-wg-config', 'configure', target] : ['/usr/local/bin/wg-compose-onboot', target],
    runtime: { interfaces: [{ name: iface, add: 'wireguard', createInRoot: true }], bindNS: { net: netns } },
  };
  if (!images.stockTools) entry['capabilities'] = ['CAP_NET_ADMIN'];
  return entry;
}
