// Where a topology's keys come from: the master secret (every key derived, HKDF), keys the
// user imported over it, and the public keys a sealed lockfile vouches for, so a re-render
// does no X25519 work for a service whose epoch did not change.
import { timingSafeEqual } from 'node:crypto';
import { warning, type Diagnostic } from '../diagnostics.js';
import { Derivation, linkPresharedKey, lockfileMac, masterFingerprint, publicKeyOf, servicePrivateKey, toBase64, type MasterSecret } from '../keys/derive.js';
import { sealText, type LockedService, type Lockfile } from '../state/lockfile.js';
import type { Topology } from './topology.js';

export interface KeySource {
  privateKey(service: string, epoch: number): Uint8Array;
  presharedKey(a: string, b: string, epoch: number): Uint8Array;
  /** X25519 (RFC 7748 §6.1); publicKeyOf when absent. Injectable so tests can count the work. */
  publicKey?(privateKey: Uint8Array): Uint8Array;
  /** Whether privateKey(service, epoch) is a key the user imported rather than a derived one. */
  isImported?(service: string, epoch: number): boolean;
  /**
   * Binds a lockfile to the master: its fingerprint and a MAC over its public keys. Without a
   * seal no public key is ever taken from a lockfile.
   */
  readonly seal?: { readonly fingerprint: string; mac(text: string): string };
}

export function masterKeySource(secret: MasterSecret, project: string): KeySource {
  const master = Derivation.of(secret);
  const fingerprint = masterFingerprint(master);
  return {
    privateKey: (s, e) => servicePrivateKey(master, project, s, e),
    presharedKey: (a, b, e) => linkPresharedKey(master, project, a, b, e),
    publicKey: publicKeyOf,
    seal: { fingerprint, mac: (text) => lockfileMac(master, project, text) },
  };
}

/**
 * Imported keys (wg-compose import) over another key source: a service's imported key is used
 * at the epoch the lockfile recorded it for, and only there, so `rotate` (the next epoch)
 * returns the service to a key derived from the master.
 */
export function withImportedKeys(base: KeySource, imported: ReadonlyMap<string, { readonly epoch: number; readonly key: Uint8Array }>): KeySource {
  if (imported.size === 0) return base;
  const hit = (s: string, e: number) => {
    const i = imported.get(s);
    return i !== undefined && i.epoch === e ? i : undefined;
  };
  return {
    ...base,
    privateKey: (s, e) => hit(s, e)?.key ?? base.privateKey(s, e),
    isImported: (s, e) => hit(s, e) !== undefined || (base.isImported?.(s, e) ?? false),
  };
}

/** What `rotate` and `import` change; render changes nothing. */
export interface KeyChanges {
  /** Services whose key moves to the next epoch. */
  readonly rotateServices?: ReadonlySet<string>;
  /** Pairs (`a:b`, a < b) whose preshared key moves to the next epoch. */
  readonly rotateLinks?: ReadonlySet<string>;
  /**
   * The highest epochs the state directory has committed (src/state/epochs.ts): where the
   * lockfile has no entry (a service or link that comes back), counting starts there, not at 0.
   */
  readonly floors?: { readonly services: ReadonlyMap<string, number>; readonly links: ReadonlyMap<string, number> };
  /** Services whose key is being imported now: a key other than the lockfile's is the point. */
  readonly imports?: ReadonlyMap<string, unknown>;
}

/**
 * Public keys the lockfile vouches for: those of derived (not imported) keys, when the
 * lockfile was sealed under this very master and its MAC verifies. A re-render then does no
 * X25519 work for a service whose epoch did not change. Anything else (no seal, another
 * master, a hand-edited or merged lockfile) trusts nothing and recomputes.
 */
export function trustedPublicKeys(lock: Lockfile, keys: KeySource): ReadonlyMap<string, { epoch: number; publicKey: string }> {
  const out = new Map<string, { epoch: number; publicKey: string }>();
  const seal = keys.seal;
  if (!seal || lock.masterFingerprint !== seal.fingerprint || lock.publicKeysMac === undefined) return out;
  if (!timingSafeEqualText(seal.mac(sealText(lock.project, lock.services)), lock.publicKeysMac)) return out;
  for (const [name, s] of lock.services) if (!s.imported && s.publicKey !== '') out.set(name, { epoch: s.epoch, publicKey: s.publicKey });
  return out;
}

function timingSafeEqualText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Every linked service's key pair at its epoch (the lockfile's, plus one where rotated): the
 * private keys (for the configs only), the public keys (from a sealed lockfile where it
 * vouches for them, else X25519), and a warning when a key differs from the one the lockfile
 * records at the same epoch.
 */
export function serviceKeys(
  linked: readonly string[],
  lock: Lockfile,
  keys: KeySource,
  changes: KeyChanges,
): { privateKeys: Map<string, string>; publicKeys: Map<string, string>; epochs: Map<string, number>; imported: Set<string>; x25519: number; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const privateKeys = new Map<string, string>();
  const publicKeys = new Map<string, string>();
  const epochs = new Map<string, number>();
  const imported = new Set<string>();
  const changed: string[] = [];
  const trusted = trustedPublicKeys(lock, keys);
  const x25519 = keys.publicKey ?? publicKeyOf;
  let x25519Count = 0;
  for (const s of linked) {
    const locked = lock.services.get(s);
    const epoch = (locked?.epoch ?? changes.floors?.services.get(s) ?? 0) + (changes.rotateServices?.has(s) ? 1 : 0);
    const priv = keys.privateKey(s, epoch);
    const isImported = keys.isImported?.(s, epoch) ?? false;
    epochs.set(s, epoch);
    if (isImported) imported.add(s);
    privateKeys.set(s, toBase64(priv));
    const cached = trusted.get(s);
    if (cached && cached.epoch === epoch && !isImported) {
      publicKeys.set(s, cached.publicKey);
      continue;
    }
    x25519Count++;
    publicKeys.set(s, toBase64(x25519(priv)));
    // A key that should be the one the lockfile records (same epoch, same kind) but is not.
    if (locked?.publicKey && locked.epoch === epoch && (locked.imported === true) === isImported && locked.publicKey !== publicKeys.get(s) && !changes.imports?.has(s)) changed.push(s);
  }
  if (changed.length > 0) {
    // Same epoch, other key: the master secret is not the one the lockfile was made with
    // (a fresh clone without the team's secret, say), or, with the same master (the
    // fingerprints agree), the lockfile's public keys were edited. Say which rather than
    // re-key silently; the keys the master gives are used either way.
    const edited = keys.seal !== undefined && lock.masterFingerprint === keys.seal.fingerprint;
    diagnostics.push(
      warning(
        'WGC062',
        `the keys of ${changed.map((c) => `"${c}"`).join(', ')} differ from wg-compose.lock at the same epoch: ` +
          (edited ? 'the lockfile was made with this master secret, so its public keys were edited (by hand, or in a merge)' : 'this master secret is not the one the lockfile was made with'),
        undefined,
        edited
          ? 'the keys the master gives are used, and the lockfile is corrected: review and commit it'
          : 'use the shared master secret (WG_COMPOSE_MASTER_KEY_FILE), or keep the new keys and commit the updated lockfile',
      ),
    );
  }
  return { privateKeys, publicKeys, epochs, imported, x25519: x25519Count, diagnostics };
}

/** The public record of a topology, sealed under the master when the key source has one. */
export function lockfileOf(t: Topology, keys: KeySource): Lockfile {
  const services = new Map<string, LockedService>();
  for (const n of t.nodes.values()) {
    services.set(n.name, { addresses: n.addresses, listenPort: n.listenPort, publicKey: n.publicKey, epoch: n.epoch, ...(n.imported ? { imported: true } : {}) });
  }
  if (!keys.seal || services.size === 0) return { project: t.project, services, links: t.links };
  return { project: t.project, services, links: t.links, masterFingerprint: keys.seal.fingerprint, publicKeysMac: keys.seal.mac(sealText(t.project, services)) };
}
