// Key material. Every service key and link PSK is derived from one master secret with HKDF
// (RFC 5869), so the only secret to keep is the master: re-rendering gives the same keys,
// and `rotate` moves one key to a new epoch without touching any other.
import { hkdfSync } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';

/** 32 random bytes, kept in the state directory (0600) and never printed. */
export type MasterSecret = Uint8Array;

/** Domain separation: a version prefix so a future scheme can never collide with this one. */
const SALT = 'wg-compose/v1';

function hkdf(master: MasterSecret, info: string): Uint8Array {
  if (master.length !== 32) throw new RangeError(`master secret must be 32 bytes, got ${master.length}`);
  return new Uint8Array(hkdfSync('sha256', master, SALT, info, 32));
}

/**
 * RFC 7748 §5 clamping, as `wg genkey` does: clear the 3 low bits, clear the top bit, set
 * bit 254. wg(8) clamps on use anyway; clamping here makes the stored key canonical.
 */
export function clamp(k: Uint8Array): Uint8Array {
  const out = Uint8Array.from(k);
  out[0]! &= 248;
  out[31]! &= 127;
  out[31]! |= 64;
  return out;
}

/** NUL separates fields: service names cannot contain it, so no two inputs share an info string. */
export function servicePrivateKey(master: MasterSecret, project: string, service: string, epoch: number): Uint8Array {
  return clamp(hkdf(master, `service-key\0${project}\0${service}\0${epoch}`));
}

/** One PSK per unordered pair: the names are sorted so A→B and B→A derive the same key. */
export function linkPresharedKey(master: MasterSecret, project: string, a: string, b: string, epoch: number): Uint8Array {
  const [x, y] = a < b ? [a, b] : [b, a];
  return hkdf(master, `link-psk\0${project}\0${x}\0${y}\0${epoch}`);
}

/** X25519 public key (RFC 7748 §6.1): scalar multiplication of the base point. */
export const publicKeyOf = (privateKey: Uint8Array): Uint8Array => x25519.getPublicKey(privateKey);

/** Standard base64 of 32 bytes (44 characters, one "="), the form wg(8) reads and writes. */
export const toBase64 = (k: Uint8Array): string => Buffer.from(k).toString('base64');

export function fromBase64Key(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}
