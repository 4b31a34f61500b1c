// Key material. Every service key and link PSK is derived from one master secret with HKDF
// (RFC 5869), so the only secret to keep is the master: re-rendering gives the same keys,
// and `rotate` moves one key to a new epoch without touching any other.
import { createHmac, createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';

/** 32 random bytes, kept in the state directory (0600) and never printed. */
export type MasterSecret = Uint8Array;

/** Domain separation: a version prefix so a future scheme can never collide with this one. */
const SALT = 'wg-compose/v1';
const BLOCK_ONE = Uint8Array.of(1);

/**
 * HKDF-SHA256 (RFC 5869) from one master, its extract step (PRK = HMAC(salt, master), §2.2)
 * done once: each key is then a single HMAC, the one block of expand a 32-byte output needs
 * (T(1) = HMAC(PRK, info ‖ 0x01), §2.3). node's hkdfSync redoes the extract for every key,
 * which made the 40,000 keys of a 10,000-service render three times as slow (bench/scale.mjs).
 * The known answers in test/keys/derive.test.ts come from OpenSSL's own HKDF.
 */
export class Derivation {
  private constructor(private readonly prk: KeyObject) {}

  static of(master: MasterSecret): Derivation {
    if (master.length !== 32) throw new RangeError(`master secret must be 32 bytes, got ${master.length}`);
    return new Derivation(createSecretKey(createHmac('sha256', SALT).update(master).digest()));
  }

  key(info: string): Uint8Array {
    return new Uint8Array(createHmac('sha256', this.prk).update(info, 'utf8').update(BLOCK_ONE).digest());
  }
}

function hkdf(from: MasterSecret | Derivation, info: string): Uint8Array {
  return (from instanceof Derivation ? from : Derivation.of(from)).key(info);
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
export function servicePrivateKey(master: MasterSecret | Derivation, project: string, service: string, epoch: number): Uint8Array {
  return clamp(hkdf(master, `service-key\0${project}\0${service}\0${epoch}`));
}

/** One PSK per unordered pair: the names are sorted so A→B and B→A derive the same key. */
export function linkPresharedKey(master: MasterSecret | Derivation, project: string, a: string, b: string, epoch: number): Uint8Array {
  const [x, y] = a < b ? [a, b] : [b, a];
  return hkdf(master, `link-psk\0${project}\0${x}\0${y}\0${epoch}`);
}

/**
 * X25519 public key (RFC 7748 §6.1): scalar multiplication of the base point, by node's
 * native crypto (OpenSSL). It is about ten times faster than @noble/curves' pure-JS ladder
 * (≈ 15,000 against 1,700 keys/s here), which decides whether a cold render of 10,000 services
 * fits in seconds. @noble/curves stays as the independent cross-check in the tests
 * (test/keys/derive.test.ts), beside RFC 7748's vectors and the real `wg pubkey`.
 * The key goes in as a JWK: OpenSSL 3's PKCS#8 decoder costs ~1 ms a key, the JWK path
 * ~0.05 ms. X25519 clamps the scalar itself (RFC 7748 §5), as wg(8) does.
 */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== 32) throw new RangeError(`X25519 private key must be 32 bytes, got ${privateKey.length}`);
  const d = Buffer.from(privateKey).toString('base64url');
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: '' }, format: 'jwk' });
  const x = createPublicKey(key).export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new Error('bug: node returned no X25519 public key');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

/**
 * A public name for a master secret: HKDF output under its own label, so it reveals nothing of
 * the master (it is a PRF output, not a hash of it) and cannot be mistaken for any key. The
 * lockfile records it, so two machines can tell whether they share a master, and cached
 * public keys are only trusted under the master they were made with.
 */
export function masterFingerprint(master: MasterSecret | Derivation): string {
  return Buffer.from(hkdf(master, 'master-fingerprint')).subarray(0, 12).toString('hex');
}

/**
 * HMAC-SHA256 under a key derived from the master (RFC 2104), truncated to 128 bits: the
 * lockfile's seal over its public keys. Only a holder of the master can make a valid one, so an
 * edited public key in a committed lockfile is detected rather than trusted.
 */
export function lockfileMac(master: MasterSecret | Derivation, project: string, text: string): string {
  return createHmac('sha256', hkdf(master, `lockfile-mac\0${project}`)).update(text, 'utf8').digest('hex').slice(0, 32);
}

/** Standard base64 of 32 bytes (44 characters, one "="), the form wg(8) reads and writes. */
export const toBase64 = (k: Uint8Array): string => Buffer.from(k).toString('base64');

export function fromBase64Key(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}
