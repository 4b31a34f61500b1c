// `wg-compose status`: the state of every link direction, from what each running sidecar says
// about its interface. Pure: the probe's output in, rows, JSON and a table out. The probe
// (PROBE, templates/sidecar.sh's `probe`) runs inside each sidecar, which writes its answer to
// a status file every 10 s (compose) or prints it when asked, and it prints public keys, times
// and counters only: `wg show dump` prints the private key and the preshared keys, so they are
// dropped there, at the source, and never reach this process.
import { sidecarScript } from '../render/templates.js';
import type { Topology } from '../topology/topology.js';

/**
 * WireGuard's session lifetime (REJECT_AFTER_TIME, 180 s): a peer whose last handshake is
 * older has no usable session. A link that passes traffic re-handshakes every 120 s
 * (REKEY_AFTER_TIME), so its last handshake is never older.
 */
export const STALE_AFTER_S = 180;
/** REKEY_AFTER_TIME: a handshake older than this is refreshed by the next packet sent. */
export const REFRESH_AFTER_S = 120;

/**
 * Run in a sidecar as `sh -c PROBE sh IFACE`: the `probe` function of templates/sidecar.sh,
 * which each sidecar also runs itself to write its status file (see there for what it
 * prints: public keys, times and counters only, and why it pings idle peers first), so
 * the two can never differ. Exit 3: no such interface.
 */
export const PROBE = probeProgram(sidecarScript());

/** The `probe() { … }` function of a sidecar script (it ends at the first `}` in column 0), and a call of it. */
export function probeProgram(script: string): string {
  const m = /^probe\(\) \{\n[\s\S]*?\n\}\n/m.exec(script);
  if (!m) throw new Error('templates/sidecar.sh has no probe() function');
  return `${m[0]}probe "$1"\n`;
}

export interface PeerSeen {
  readonly endpoint: string | undefined;
  /** Unix time of the last handshake; 0: none. */
  readonly handshake: number;
  readonly rx: number;
  readonly tx: number;
}

export interface InterfaceSeen {
  /** The sidecar's clock when it looked: handshake ages are taken against it. */
  readonly now: number;
  readonly publicKey: string;
  readonly listenPort: number;
  readonly peers: ReadonlyMap<string, PeerSeen>;
}

const KEY = /^[A-Za-z0-9+/]{43}=$/;

/** PROBE's output; undefined when it is not that (the interface is not up, or no `wg`). */
export function parseProbe(text: string): InterfaceSeen | undefined {
  let now: number | undefined;
  let iface: { publicKey: string; listenPort: number } | undefined;
  const peers = new Map<string, PeerSeen>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'now' && /^\d+$/.test(f[1] ?? '')) now = Number(f[1]);
    else if (f[0] === 'interface' && KEY.test(f[1] ?? '')) iface = { publicKey: f[1]!, listenPort: Number(f[2]) };
    else if (f[0] === 'peer' && f.length === 6 && KEY.test(f[1]!)) {
      const [, key, endpoint, hs, rx, tx] = f as [string, string, string, string, string, string];
      peers.set(key, { endpoint: endpoint === '(none)' ? undefined : endpoint, handshake: Number(hs) || 0, rx: Number(rx) || 0, tx: Number(tx) || 0 });
    }
  }
  return now !== undefined && iface ? { now, ...iface, peers } : undefined;
}

/**
 * How old a sidecar's status file may be and still be read (a sidecar writes it every 10 s,
 * templates/sidecar.sh): older, the sidecar is asked directly.
 */
export const STATUS_FRESH_S = 30;

/**
 * A status file's text (probe's output, written by the sidecar), read at `hostNow` (Unix
 * seconds): undefined when it is not probe's output or is not fresh. Its clock is taken to be
 * the reader's (the file lies on the same host as the engine that mounts it), so handshake ages
 * count from now, not from when it was written: an old handshake reads as old as it is.
 */
export function fromStatusFile(text: string, hostNow: number): InterfaceSeen | undefined {
  const seen = parseProbe(text);
  if (!seen || hostNow - seen.now > STATUS_FRESH_S || seen.now - hostNow > STATUS_FRESH_S) return undefined;
  return { ...seen, now: Math.max(hostNow, seen.now) };
}

/**
 * The services whose sidecar should be asked directly after the status files were read: those
 * with a link direction that a file says is not up for a reason the sidecar itself can
 * settle (no handshake yet, stale: asking pings the peer, which makes WireGuard shake hands).
 */
export function needsAsking(rows: readonly LinkRow[]): Set<string> {
  return new Set(rows.filter((r) => r.state === 'no handshake yet' || r.state === 'stale').map((r) => r.from));
}

/** What was seen of one service's sidecar. */
export type SidecarSeen =
  | { readonly kind: 'none' }
  | { readonly kind: 'stopped'; readonly container: string; readonly status: string }
  | { readonly kind: 'interface-down'; readonly container: string }
  | { readonly kind: 'up'; readonly container: string; readonly where?: string; readonly iface: InterfaceSeen };

export type LinkState = 'up' | 'no handshake yet' | 'stale' | 'peer not running' | 'not running' | 'interface down';

export interface LinkRow {
  readonly from: string;
  readonly to: string;
  /** The names FROM uses for TO (its link aliases); empty when only TO links FROM. */
  readonly names: readonly string[];
  readonly state: LinkState;
  /** Seconds since the last handshake, as FROM sees it; undefined: none, or not seen. */
  readonly lastHandshake: number | undefined;
  readonly rxBytes: number;
  readonly txBytes: number;
  readonly endpoint: string | undefined;
  /** Where FROM's sidecar runs (swarm: the node); undefined on one host. */
  readonly where: string | undefined;
}

/** One row per link direction, FROM → TO, in name order. */
export function linkRows(topology: Topology, seen: ReadonlyMap<string, SidecarSeen>, staleAfter = STALE_AFTER_S): LinkRow[] {
  const rows: LinkRow[] = [];
  const running = (s: string): boolean => {
    const k = seen.get(s)?.kind;
    return k === 'up' || k === 'interface-down';
  };
  for (const n of [...topology.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const mine = seen.get(n.name) ?? { kind: 'none' };
    for (const p of [...n.peers].sort((a, b) => (a.service < b.service ? -1 : 1))) {
      const base = { from: n.name, to: p.service, names: [...p.aliases], where: mine.kind === 'up' ? mine.where : undefined };
      if (mine.kind !== 'up') {
        const state: LinkState = mine.kind === 'interface-down' ? 'interface down' : 'not running';
        rows.push({ ...base, state, lastHandshake: undefined, rxBytes: 0, txBytes: 0, endpoint: undefined });
        continue;
      }
      const peer = mine.iface.peers.get(p.publicKey);
      const age = peer && peer.handshake > 0 ? Math.max(0, mine.iface.now - peer.handshake) : undefined;
      const state: LinkState = !running(p.service) ? 'peer not running' : age === undefined ? 'no handshake yet' : age > staleAfter ? 'stale' : 'up';
      rows.push({ ...base, state, lastHandshake: age, rxBytes: peer?.rx ?? 0, txBytes: peer?.tx ?? 0, endpoint: peer?.endpoint });
    }
  }
  return rows;
}

/** `status --json`: a contract (README), which only gains fields. No key in it. */
export interface StatusJson {
  project: string;
  target: 'compose' | 'swarm';
  /** Every link direction is up. */
  up: boolean;
  links: {
    from: string;
    to: string;
    names: string[];
    state: LinkState;
    lastHandshakeSeconds: number | null;
    rxBytes: number;
    txBytes: number;
    endpoint: string | null;
    node?: string;
  }[];
}

export function statusJson(project: string, target: 'compose' | 'swarm', rows: readonly LinkRow[]): StatusJson {
  return {
    project,
    target,
    up: rows.every((r) => r.state === 'up'),
    links: rows.map((r) => ({
      from: r.from,
      to: r.to,
      names: [...r.names],
      state: r.state,
      lastHandshakeSeconds: r.lastHandshake ?? null,
      rxBytes: r.rxBytes,
      txBytes: r.txBytes,
      endpoint: r.endpoint ?? null,
      ...(r.where !== undefined ? { node: r.where } : {}),
    })),
  };
}

const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : n < 1024 ** 3 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${(n / 1024 ** 3).toFixed(1)} GiB`);
const ago = (s: number | undefined): string => (s === undefined ? '-' : s < 120 ? `${s} s ago` : s < 7200 ? `${Math.floor(s / 60)} min ago` : `${Math.floor(s / 3600)} h ago`);

/** The table for people: a summary line, then one line per link direction. */
export function statusTable(project: string, rows: readonly LinkRow[]): string {
  if (rows.length === 0) return `project ${project}: no links, nothing to tunnel\n`;
  const up = rows.filter((r) => r.state === 'up').length;
  const swarm = rows.some((r) => r.where !== undefined);
  const head = ['FROM', 'TO', 'AS', 'STATE', 'HANDSHAKE', 'RECEIVED', 'SENT', 'ENDPOINT', ...(swarm ? ['NODE'] : [])];
  const table = [head, ...rows.map((r) => [r.from, r.to, r.names.join(',') || '-', r.state, ago(r.lastHandshake), bytes(r.rxBytes), bytes(r.txBytes), r.endpoint ?? '-', ...(swarm ? [r.where ?? '-'] : [])])];
  const widths = head.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = table.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  return `project ${project}: ${up}/${rows.length} link directions up\n${lines.join('\n')}\n`;
}
