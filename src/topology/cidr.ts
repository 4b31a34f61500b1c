/**
 * IPv4 / IPv6 address and prefix arithmetic on bigint values.
 *
 * - Prefix notation and aggregation semantics follow RFC 4632 (CIDR).
 * - IPv6 text parsing follows RFC 4291 §2.2; output is the canonical form of
 *   RFC 5952 §4.
 * - IPv4 /31 point-to-point prefixes follow RFC 3021 (both addresses usable).
 *
 * Pure: no I/O, no dependencies.
 */

export type Family = 4 | 6;

export interface Prefix {
  readonly family: Family;
  readonly network: bigint;
  readonly bits: number;
}

const V4_OCTET = /^(0|[1-9][0-9]{0,2})$/; // no leading zeros: '010' is ambiguous (octal)
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX_LEN = /^(0|[1-9][0-9]{0,2})$/;

/** Address width in bits for a family. */
function width(family: Family): number {
  return family === 4 ? 32 : 128;
}

function hostBits(p: Prefix): bigint {
  return BigInt(width(p.family) - p.bits);
}

// ---------------------------------------------------------------------------
// Address parsing
// ---------------------------------------------------------------------------

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!V4_OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

/**
 * Parses a run of colon-separated groups (one side of '::'). The final group
 * may be an embedded dotted IPv4 address (RFC 4291 §2.2 form 3), which
 * contributes two 16-bit groups.
 */
function parseV6Groups(text: string, allowV4Tail: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    if (last && allowV4Tail && part.includes('.')) {
      const v4 = parseV4(part);
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (V6_GROUP.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

function groupsToValue(groups: readonly number[]): bigint {
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** RFC 4291 §2.2: full, '::'-compressed, and IPv4-suffixed text forms. */
function parseV6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined; // '::' may appear at most once
  if (halves.length === 1) {
    const groups = parseV6Groups(text, true);
    return groups?.length === 8 ? groupsToValue(groups) : undefined;
  }
  const head = parseV6Groups(halves[0] ?? '', false);
  const tail = parseV6Groups(halves[1] ?? '', true);
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return undefined; // '::' stands for at least one zero group
  return groupsToValue([...head, ...new Array<number>(missing).fill(0), ...tail]);
}

/**
 * Parses a textual IPv4 or IPv6 address. Rejects leading zeros in IPv4
 * octets, zone identifiers ('%eth0'), whitespace, and anything malformed.
 */
export function parseAddress(text: string): { family: Family; value: bigint } | undefined {
  if (text.includes(':')) {
    const value = parseV6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseV4(text);
  return value === undefined ? undefined : { family: 4, value };
}

// ---------------------------------------------------------------------------
// Address formatting
// ---------------------------------------------------------------------------

function assertInRange(family: Family, value: bigint): void {
  if (value < 0n || value >> BigInt(width(family)) !== 0n) {
    throw new RangeError(`value ${value} is not an IPv${family} address`);
  }
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** Longest run of >= 2 zero groups; first run wins a tie (RFC 5952 §4.2.2, §4.2.3). */
function longestZeroRun(groups: readonly bigint[]): { start: number; length: number } | undefined {
  let best: { start: number; length: number } | undefined;
  let start = -1;
  for (let i = 0; i <= groups.length; i++) {
    const zero = i < groups.length && groups[i] === 0n;
    if (zero && start < 0) start = i;
    if (!zero && start >= 0) {
      const length = i - start;
      if (length >= 2 && (best === undefined || length > best.length)) best = { start, length };
      start = -1;
    }
  }
  return best;
}

/** RFC 5952 §4: lowercase hex, no leading zeros, '::' for the longest zero run. */
function formatV6(value: bigint): string {
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => (value >> shift) & 0xffffn);
  const hex = (gs: readonly bigint[]): string => gs.map((g) => g.toString(16)).join(':');
  const run = longestZeroRun(groups);
  if (run === undefined) return hex(groups);
  const head = hex(groups.slice(0, run.start));
  const tail = hex(groups.slice(run.start + run.length));
  return `${head}::${tail}`;
}

/** Canonical text: dotted quad for IPv4, RFC 5952 for IPv6. Throws RangeError if out of range. */
export function formatAddress(family: Family, value: bigint): string {
  assertInRange(family, value);
  return family === 4 ? formatV4(value) : formatV6(value);
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
