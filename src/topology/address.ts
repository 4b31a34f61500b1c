/**
 * IPv4 / IPv6 addresses as bigint values: parsing and formatting.
 *
 * - IPv6 text parsing follows RFC 4291 §2.2; output is the canonical form of
 *   RFC 5952 §4.
 *
 * Pure: no I/O, no dependencies. Prefixes are in cidr.ts.
 */

export type Family = 4 | 6;

const V4_OCTET = /^(0|[1-9][0-9]{0,2})$/; // no leading zeros: '010' is ambiguous (octal)
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Address width in bits for a family. */
export function width(family: Family): number {
  return family === 4 ? 32 : 128;
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
