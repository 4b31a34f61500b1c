// When is a tunnel ready? Pure: observations of the sidecars in, one state per service out.
// A service's tunnel is ready when its sidecar has configured the interface (the ready file
// templates/sidecar.sh touches after `wg-quick up`) and, for every peer whose own interface is
// up, a WireGuard handshake has completed (wg(8) `latest-handshakes` is non-zero). Peers that
// are not up (not started, or left out with `up -- SERVICE…`) are not waited for.
import type { Topology } from '../topology/topology.js';

export { READY_FILE } from '../sidecar-contract.js';

export interface Observation {
  /** The sidecar container's state (inspect's State.Status); undefined: no container yet. */
  readonly container: string | undefined;
  /** The ready file exists: the interface is configured. */
  readonly interfaceUp: boolean;
  /** Peer public key → unix time of the latest handshake (0: none), from `wg show IFACE latest-handshakes`. */
  readonly handshakes: ReadonlyMap<string, number>;
  /** The sidecar can send a probe packet (ping is in its image); without it handshakes are not required. */
  readonly canProbe: boolean;
}

export type TunnelState =
  | { readonly kind: 'waiting' }
  | { readonly kind: 'starting'; readonly container: string }
  | { readonly kind: 'stopped'; readonly container: string }
  | { readonly kind: 'handshaking'; readonly missing: readonly string[] }
  | { readonly kind: 'ready'; readonly unchecked: boolean };

const STOPPED = new Set(['exited', 'dead', 'removing', 'stopped']);

export function assess(topology: Topology, observed: ReadonlyMap<string, Observation>): Map<string, TunnelState> {
  const out = new Map<string, TunnelState>();
  for (const [name, node] of topology.nodes) {
    const o = observed.get(name);
    if (!o || o.container === undefined) {
      out.set(name, { kind: 'waiting' });
      continue;
    }
    if (!o.interfaceUp) {
      out.set(name, STOPPED.has(o.container) ? { kind: 'stopped', container: o.container } : { kind: 'starting', container: o.container });
      continue;
    }
    const missing = node.peers
      .filter((p) => observed.get(p.service)?.interfaceUp === true && (o.handshakes.get(p.publicKey) ?? 0) === 0)
      .map((p) => p.service)
      .sort();
    out.set(name, missing.length > 0 && o.canProbe ? { kind: 'handshaking', missing } : { kind: 'ready', unchecked: missing.length > 0 });
  }
  return out;
}

/** The peers a sidecar should send a probe packet to: up, and no handshake with them yet. */
export function peersToProbe(topology: Topology, service: string, observed: ReadonlyMap<string, Observation>): string[] {
  const node = topology.nodes.get(service);
  const o = observed.get(service);
  if (!node || !o?.interfaceUp) return [];
  return node.peers
    .filter((p) => observed.get(p.service)?.interfaceUp === true && (o.handshakes.get(p.publicKey) ?? 0) === 0)
    .map((p) => topology.nodes.get(p.service)?.addresses[0])
    .filter((a): a is string => a !== undefined);
}

/** One line of text per state, for progress and for the timeout error. */
export function describe(s: TunnelState): string {
  switch (s.kind) {
    case 'waiting':
      return 'no sidecar container yet';
    case 'starting':
      return `sidecar ${s.container}, interface not configured yet`;
    case 'stopped':
      return `sidecar ${s.container} (it restarts by policy; see its logs)`;
    case 'handshaking':
      return `interface up, no handshake yet with ${s.missing.join(', ')}`;
    case 'ready':
      return s.unchecked ? 'ready (interface up; handshakes not checked: no ping in the sidecar image)' : 'ready';
  }
}

/**
 * Parses `wg show IFACE latest-handshakes`: one "PUBLIC-KEY<TAB>UNIX-TIME" line per peer
 * (wg(8)), 0 for never.
 */
export function parseHandshakes(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9+/]{43}=)\s+(\d+)\s*$/.exec(line.trim());
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}
