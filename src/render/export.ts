// `export`: the public topology for other tools — everything `show --json` says, plus the
// settings (pools, ports, MTU), every link with its preshared-key epoch, and the master
// fingerprint the keys were made with. Built from public data only: the Topology (no secret by
// construction), the settings, and the lockfile's fingerprint.
import type { Settings } from '../model/settings.js';
import { formatPrefix } from '../topology/cidr.js';
import type { Topology } from '../topology/topology.js';
import { showJson, type ShowJson } from './show.js';

export const EXPORT_VERSION = 1;

export interface ExportJson extends ShowJson {
  exportVersion: number;
  /** Public name of the master secret (see masterFingerprint); absent before the first render. */
  masterFingerprint?: string;
  settings: { pool: string; pool6?: string; port: number; mtu: number; keepalive: number; interface: string; image: string };
  links: { services: [string, string]; epoch: number }[];
}

export function exportJson(topology: Topology, configPaths: ReadonlyMap<string, string>, settings: Settings, masterFingerprint: string | undefined): ExportJson {
  const show = showJson(topology, configPaths);
  return {
    exportVersion: EXPORT_VERSION,
    project: show.project,
    ...(masterFingerprint !== undefined ? { masterFingerprint } : {}),
    settings: {
      pool: formatPrefix(settings.pool4),
      ...(settings.pool6 ? { pool6: formatPrefix(settings.pool6) } : {}),
      port: settings.portBase,
      mtu: settings.mtu,
      keepalive: settings.keepalive,
      interface: settings.iface,
      image: settings.image,
    },
    services: show.services,
    links: [...topology.links]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, l]) => ({ services: k.split(':') as [string, string], epoch: l.epoch })),
  };
}
