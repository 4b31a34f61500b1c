// `show`: the public topology, as JSON for scripts (a contract, DESIGN.md §5) or as a table
// for people. Built from the Topology only, which holds no secret by construction.
// The JSON contract only grows: fields are added, never renamed or removed.
import { pairKey } from '../state/lockfile.js';
import { slotName } from '../model/replicas.js';
import type { Node, Topology } from '../topology/topology.js';

export interface ShowJson {
  project: string;
  services: {
    name: string;
    addresses: string[];
    publicKey: string;
    listenPort: number;
    config: string;
    peers: {
      service: string;
      aliases: string[];
      publicKey: string;
      allowedIPs: string[];
      endpoint: string;
      /** The live epoch of the peer's key (the key this config carries for it). */
      epoch: number;
      /** The live epoch of this pair's preshared key. */
      linkEpoch: number;
    }[];
    /** The live epoch of this service's key: `rotate SERVICE` moves it on by one. */
    epoch: number;
    /** The key is one the user imported, not one derived from the master secret. */
    imported: boolean;
    /**
     * Only on a replicated service (deploy.replicas or scale > 1), which is slot 1: every
     * replica, slot 1 included, in slot order. Slot k is the service `NAME-k` of this list.
     */
    replicas?: { slot: number; service: string; addresses: string[]; publicKey: string; listenPort: number }[];
    /** Only on the service that holds replica `slot` ≥ 2 of `service`. */
    replicaOf?: { service: string; slot: number };
  }[];
}

export function showJson(topology: Topology, configPaths: ReadonlyMap<string, string>): ShowJson {
  return {
    project: topology.project,
    services: [...topology.nodes.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((n) => ({
        name: n.name,
        addresses: [...n.addresses],
        publicKey: n.publicKey,
        listenPort: n.listenPort,
        config: configPaths.get(n.name)!,
        peers: n.peers.map((p) => ({
          service: p.service,
          aliases: [...p.aliases],
          publicKey: p.publicKey,
          allowedIPs: [...p.allowedIPs],
          endpoint: p.endpoint,
          epoch: topology.nodes.get(p.service)?.epoch ?? 0,
          linkEpoch: topology.links.get(pairKey(n.name, p.service))?.epoch ?? 0,
        })),
        epoch: n.epoch,
        imported: n.imported === true,
        ...replicaFields(topology, n),
      })),
  };
}

function replicaFields(topology: Topology, n: Node): Pick<ShowJson['services'][number], 'replicas' | 'replicaOf'> {
  if (!n.slot) return {};
  if (n.slot.slot !== 1) return { replicaOf: { service: n.slot.service, slot: n.slot.slot } };
  const replicas: NonNullable<ShowJson['services'][number]['replicas']> = [];
  for (let slot = 1; slot <= n.slot.of; slot++) {
    const r = topology.nodes.get(slotName(n.name, slot));
    if (r) replicas.push({ slot, service: r.name, addresses: [...r.addresses], publicKey: r.publicKey, listenPort: r.listenPort });
  }
  return { replicas };
}

/** A plain-text table: one block per service, its peers indented below it. */
export function showTable(topology: Topology, configPaths: ReadonlyMap<string, string>): string {
  const j = showJson(topology, configPaths);
  if (j.services.length === 0) return `project ${j.project}: no links, nothing to tunnel\n`;
  const rows: string[][] = [['SERVICE', 'ADDRESS', 'PORT', 'EPOCH', 'PUBLIC KEY', 'PEERS (name in this service → endpoint, link epoch)']];
  for (const s of j.services) {
    const peers = s.peers.map(
      (p) => `${p.service}${p.aliases.length && p.aliases.join(',') !== p.service ? ` as ${p.aliases.join(',')}` : ''} → ${p.endpoint}, link epoch ${p.linkEpoch}`,
    );
    rows.push([s.name, s.addresses.join(', '), String(s.listenPort), `${s.epoch}${s.imported ? ' (imported)' : ''}`, s.publicKey, peers[0] ?? '-']);
    for (const p of peers.slice(1)) rows.push(['', '', '', '', '', p]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
  return `project ${j.project}\n${lines.join('\n')}\n`;
}
