// Tunnel addresses and listen ports. Once given, an address or port is never renumbered:
// the lockfile remembers every allocation, pins in `x-wireguard` win, and a new service takes
// the lowest free slot, so adding or removing a service changes nobody else's address.
import { error, type Diagnostic, type Pos } from '../diagnostics.js';
import { formatAddress, parseAddress } from './address.js';
import { hostAt, hostIndex, formatPrefix, type Prefix } from './cidr.js';

export interface Pin {
  readonly addresses?: readonly { readonly text: string; readonly pos: Pos | undefined }[];
  readonly port?: { readonly value: number; readonly pos: Pos | undefined };
}

export interface Previous {
  readonly addresses: readonly string[];
  readonly listenPort: number;
}

export interface Allocation {
  readonly address4: string;
  readonly address6: string | undefined;
  readonly listenPort: number;
}

export interface AllocationInput {
  /** The linked services, sorted: new services are numbered in this order. */
  readonly services: readonly string[];
  readonly pins: ReadonlyMap<string, Pin>;
  readonly previous: ReadonlyMap<string, Previous>;
  readonly pool4: Prefix;
  readonly pool6: Prefix | undefined;
  readonly portBase: number;
}

export function allocate(input: AllocationInput): { allocations: Map<string, Allocation>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  checkPins(input, diagnostics);
  const v4 = allocateFamily(input, input.pool4, diagnostics);
  const v6 = input.pool6 ? allocateFamily(input, input.pool6, diagnostics) : undefined;
  const ports = allocatePorts(input, diagnostics);
  const allocations = new Map<string, Allocation>();
  for (const s of input.services) {
    const a4 = v4.get(s);
    const p = ports.get(s);
    if (a4 === undefined || p === undefined) continue;
    allocations.set(s, { address4: a4, address6: v6?.get(s), listenPort: p });
  }
  return { allocations, diagnostics };
}

/**
 * Pin checks that belong to no one family's pass, so each problem is reported once: text that
 * is no address, an IPv6 address when there is no IPv6 pool (it would be dropped silently),
 * and a second address of one family (only one can be the service's tunnel address).
 */
function checkPins(input: AllocationInput, diagnostics: Diagnostic[]): void {
  for (const s of input.services) {
    const families = new Set<number>();
    for (const a of input.pins.get(s)?.addresses ?? []) {
      const parsed = parseAddress(a.text);
      if (!parsed) {
        diagnostics.push(error('WGC051', `"${a.text}" is not an IP address`, a.pos));
      } else if (parsed.family === 6 && !input.pool6) {
        diagnostics.push(error('WGC051', `address ${a.text} of "${s}" is IPv6, but the project has no IPv6 pool`, a.pos, 'set x-wireguard.pool6, or pin an IPv4 address only'));
      } else if (families.has(parsed.family)) {
        diagnostics.push(error('WGC051', `"${s}" pins a second IPv${parsed.family} address, ${a.text}`, a.pos, 'pin at most one IPv4 and one IPv6 address'));
      } else families.add(parsed.family);
    }
  }
}

function allocateFamily(input: AllocationInput, pool: Prefix, diagnostics: Diagnostic[]): Map<string, string> {
  const family = pool.family;
  const taken = new Map<bigint, string>(); // host index → service
  const out = new Map<string, string>();
  const give = (s: string, index: bigint) => {
    taken.set(index, s);
    out.set(s, formatAddress(family, hostAt(pool, index)!));
  };
  // 1. Pins: the user's word, checked against the pool and each other.
  for (const s of input.services) {
    for (const a of input.pins.get(s)?.addresses ?? []) {
      const parsed = parseAddress(a.text);
      // Not an address, or a second one of this family: reported by checkPins.
      if (!parsed || parsed.family !== family || out.has(s)) continue;
      const idx = hostIndex(pool, parsed.value);
      if (idx === undefined) {
        diagnostics.push(error('WGC051', `address ${a.text} of "${s}" is not a usable address of the pool ${formatPrefix(pool)}`, a.pos, 'pin an address inside x-wireguard.pool / pool6'));
      } else if (taken.has(idx)) {
        diagnostics.push(error('WGC051', `address ${a.text} of "${s}" is already pinned for "${taken.get(idx)}"`, a.pos));
      } else give(s, idx);
    }
  }
  // 2. What the lockfile remembers, unless that slot went to a pin meanwhile.
  for (const s of input.services) {
    if (out.has(s)) continue;
    for (const text of input.previous.get(s)?.addresses ?? []) {
      const parsed = parseAddress(text);
      if (!parsed || parsed.family !== family) continue;
      const idx = hostIndex(pool, parsed.value);
      if (idx !== undefined && !taken.has(idx)) give(s, idx);
    }
  }
  // 3. Newcomers take the lowest free slot, in name order, so a fresh render is deterministic.
  let next = 0n;
  for (const s of input.services) {
    if (out.has(s)) continue;
    while (taken.has(next)) next++;
    if (hostAt(pool, next) === undefined) {
      diagnostics.push(error('WGC050', `the address pool ${formatPrefix(pool)} has no free address left for "${s}"`, undefined, 'choose a larger x-wireguard pool'));
      return out;
    }
    give(s, next);
  }
  return out;
}

function allocatePorts(input: AllocationInput, diagnostics: Diagnostic[]): Map<string, number> {
  const taken = new Map<number, string>();
  const out = new Map<string, number>();
  for (const s of input.services) {
    const pin = input.pins.get(s)?.port;
    if (!pin) continue;
    if (taken.has(pin.value)) {
      diagnostics.push(error('WGC052', `listen port ${pin.value} of "${s}" is already pinned for "${taken.get(pin.value)}"`, pin.pos));
      continue;
    }
    taken.set(pin.value, s);
    out.set(s, pin.value);
  }
  for (const s of input.services) {
    if (out.has(s)) continue;
    const prev = input.previous.get(s)?.listenPort;
    if (prev !== undefined && !taken.has(prev)) {
      taken.set(prev, s);
      out.set(s, prev);
    }
  }
  let next = input.portBase;
  for (const s of input.services) {
    if (out.has(s)) continue;
    while (taken.has(next)) next++;
    if (next > 65535) {
      diagnostics.push(error('WGC050', `no free listen port left for "${s}" above ${input.portBase}`, undefined, 'lower x-wireguard.port'));
      return out;
    }
    taken.set(next, s);
    out.set(s, next);
  }
  return out;
}
