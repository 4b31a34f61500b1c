// `show`: the public topology, as JSON for scripts (a contract, DESIGN.md §5) or as a table
// for people. Built from the Topology only, which holds no secret by construction.
// The JSON contract only grows: fields are added, never renamed or removed.
import { pairKey } from '../state/lockfile.js';
import type { Topology } from '../topology/topology.js';

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
      })),
  };
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
