/**
 * IPv4 / IPv6 prefix arithmetic on bigint values (addresses: address.ts).
 *
 * - Prefix notation and aggregation semantics follow RFC 4632 (CIDR).
 * - IPv4 /31 point-to-point prefixes follow RFC 3021 (both addresses usable).
 *
 * Pure: no I/O, no dependencies.
 */
import { formatAddress, parseAddress, width, type Family } from './address.js';

export type { Family };

export interface Prefix {
  readonly family: Family;
  readonly network: bigint;
  readonly bits: number;
}

const PREFIX_LEN = /^(0|[1-9][0-9]{0,2})$/;

function hostBits(p: Prefix): bigint {
  return BigInt(width(p.family) - p.bits);
}

// ---------------------------------------------------------------------------
// Prefixes (RFC 4632)
// ---------------------------------------------------------------------------

/**
 * Parses 'address/length'. Fails if either part is malformed, the length is
 * out of range for the family, or host bits are set (RFC 4632 §3.1: the
 * address of a prefix is its network address).
 */
export function parsePrefix(text: string): Prefix | { error: string } {
  const slash = text.indexOf('/');
  if (slash < 0) return { error: `'${text}' is not a CIDR prefix: expected address/length` };
  const addrText = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  const addr = parseAddress(addrText);
  if (addr === undefined) return { error: `'${addrText}' in '${text}' is not a valid IPv4 or IPv6 address` };
  const max = width(addr.family);
  if (!PREFIX_LEN.test(lenText) || Number(lenText) > max) {
    return { error: `'${lenText}' in '${text}' is not a valid IPv${addr.family} prefix length (0-${max})` };
  }
  const bits = Number(lenText);
  const network = (addr.value >> BigInt(max - bits)) << BigInt(max - bits);
  if (network !== addr.value) {
    const suggested = formatPrefix({ family: addr.family, network, bits });
    return { error: `'${text}' has host bits set; the network is ${suggested}` };
  }
  return { family: addr.family, network, bits };
}

export function formatPrefix(p: Prefix): string {
  return `${formatAddress(p.family, p.network)}/${p.bits}`;
}

/** Number of addresses covered: 2^(width - bits). */
export function prefixSize(p: Prefix): bigint {
  return 1n << hostBits(p);
}

export function contains(p: Prefix, family: Family, value: bigint): boolean {
  if (family !== p.family || value < 0n) return false;
  const shift = hostBits(p);
  return value >> shift === p.network >> shift;
}

/** Whether two prefixes share any address; CIDR blocks either nest or are disjoint (RFC 4632 §3). */
export function overlaps(a: Prefix, b: Prefix): boolean {
  if (a.family !== b.family) return false;
  const wider = a.bits <= b.bits ? a : b;
  const narrower = wider === a ? b : a;
  return contains(wider, narrower.family, narrower.network);
}

// ---------------------------------------------------------------------------
// Usable hosts
// ---------------------------------------------------------------------------

/**
 * First usable address and count of usable addresses.
 * - IPv4 /0-/30: network and broadcast addresses are reserved.
 * - IPv4 /31, /32: every address is usable (RFC 3021 for /31; /32 is a host).
 * - IPv6 /0-/127: the network address is the Subnet-Router anycast address
 *   (RFC 4291 §2.6.1) and is skipped; IPv6 has no broadcast.
 * - IPv6 /128: a single host address, usable.
 */
function usableRange(p: Prefix): { first: bigint; count: bigint } {
  const size = prefixSize(p);
  const max = width(p.family);
  if (p.bits === max || (p.family === 4 && p.bits === 31)) return { first: p.network, count: size };
  const reserved = p.family === 4 ? 2n : 1n;
  return { first: p.network + 1n, count: size - reserved };
}

export function usableHosts(p: Prefix): bigint {
  return usableRange(p).count;
}

/** The index-th usable host address of p (0-based), or undefined if out of range. */
export function hostAt(p: Prefix, index: bigint): bigint | undefined {
  const { first, count } = usableRange(p);
  if (index < 0n || index >= count) return undefined;
  return first + index;
}

/** Inverse of hostAt: the index of a usable host, or undefined if value is not one. */
export function hostIndex(p: Prefix, value: bigint): bigint | undefined {
  const { first, count } = usableRange(p);
  const index = value - first;
  if (index < 0n || index >= count) return undefined;
  return index;
}
