// The lockfile: `wg-compose.lock` beside the compose file, safe to commit. It holds public
// data only — addresses, listen ports, public keys and rotation epochs — so that addresses
// never move between renders and machines, and a review shows what a change did to the
// topology. Private keys and PSKs live only in the state directory.
import { error, type Diagnostic } from '../diagnostics.js';

export const LOCKFILE_NAME = 'wg-compose.lock';
export const LOCKFILE_VERSION = 1;

export interface LockedService {
  readonly addresses: readonly string[];
  readonly listenPort: number;
  readonly publicKey: string;
  /** Rotation epoch of the service's key: `rotate SERVICE` adds one. */
  readonly epoch: number;
  /**
   * The key at this epoch is one the user imported (`wg-compose import`), kept in the state
   * directory, rather than one derived from the master. Written only when true.
   */
  readonly imported?: boolean;
}

export interface Lockfile {
  readonly project: string;
  readonly services: ReadonlyMap<string, LockedService>;
  /** Keyed `a:b` with a < b; one entry per linked pair; `rotate A:B` adds one to its epoch. */
  readonly links: ReadonlyMap<string, { readonly epoch: number }>;
  /** Public name of the master secret the keys were made with (see masterFingerprint). */
  readonly masterFingerprint?: string;
  /**
   * MAC over the services' (name, epoch, imported, public key) under the master (see
   * sealText): while it verifies, a re-render may take the public keys from here instead of
   * redoing X25519 for every service. A hand-edited or merged lockfile fails it and is simply
   * recomputed.
   */
  readonly publicKeysMac?: string;
}

export const EMPTY_LOCK: Lockfile = { project: '', services: new Map(), links: new Map() };

export const pairKey = (a: string, b: string): string => (a < b ? `${a}:${b}` : `${b}:${a}`);

export function parseLockfile(text: string, file: string): { lock: Lockfile; diagnostics: Diagnostic[] } {
  const bad = (why: string) => ({
    lock: EMPTY_LOCK,
    diagnostics: [error('WGC061', `lockfile ${why}`, { file, line: 1, col: 1 }, 'fix it, or delete it to allocate afresh (addresses may change)')],
  });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return bad(`is not valid JSON: ${(e as Error).message}`);
  }
  if (!isRecord(raw) || raw['lockfileVersion'] !== LOCKFILE_VERSION) return bad(`has an unknown format (expected lockfileVersion ${LOCKFILE_VERSION})`);
  const services = new Map<string, LockedService>();
  const links = new Map<string, { epoch: number }>();
  const rawServices = isRecord(raw['services']) ? raw['services'] : {};
  for (const [name, s] of Object.entries(rawServices)) {
    if (!isRecord(s)) return bad(`entry for service "${name}" is not an object`);
    const addresses = Array.isArray(s['addresses']) ? s['addresses'].filter((a): a is string => typeof a === 'string') : [];
    const listenPort = typeof s['listenPort'] === 'number' ? s['listenPort'] : NaN;
    const epoch = typeof s['epoch'] === 'number' ? s['epoch'] : 0;
    const publicKey = typeof s['publicKey'] === 'string' ? s['publicKey'] : '';
    const imported = s['imported'] === true;
    if (!Number.isInteger(listenPort) || !Number.isSafeInteger(epoch) || epoch < 0) return bad(`entry for service "${name}" is malformed`);
    services.set(name, { addresses, listenPort, publicKey, epoch, ...(imported ? { imported } : {}) });
  }
  const rawLinks = isRecord(raw['links']) ? raw['links'] : {};
  for (const [k, l] of Object.entries(rawLinks)) {
    const epoch = isRecord(l) && typeof l['epoch'] === 'number' ? l['epoch'] : 0;
    if (!Number.isSafeInteger(epoch) || epoch < 0) return bad(`entry for link "${k}" is malformed`);
    links.set(k, { epoch });
  }
  const str = (k: string): string | undefined => (typeof raw[k] === 'string' ? raw[k] : undefined);
  const masterFingerprint = str('masterFingerprint');
  const publicKeysMac = str('publicKeysMac');
  return {
    lock: {
      project: str('project') ?? '',
      services,
      links,
      ...(masterFingerprint !== undefined ? { masterFingerprint } : {}),
      ...(publicKeysMac !== undefined ? { publicKeysMac } : {}),
    },
    diagnostics: [],
  };
}

/**
 * What publicKeysMac authenticates: every service's name, epoch, imported flag and public
 * key, one line each in name order, NUL-separated (no service name holds a NUL).
 */
export function sealText(project: string, services: ReadonlyMap<string, LockedService>): string {
  const lines = [`wg-compose.lock/v${LOCKFILE_VERSION}\0${project}`];
  for (const name of [...services.keys()].sort()) {
    const s = services.get(name)!;
    lines.push(`${name}\0${s.epoch}\0${s.imported === true ? 1 : 0}\0${s.publicKey}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Sorted keys and a trailing newline: the same topology always gives the same bytes. The maps
 * have no prototype, so a service called `__proto__` is an entry like any other.
 */
export function serializeLockfile(lock: Lockfile): string {
  const services = Object.create(null) as Record<string, unknown>;
  for (const name of [...lock.services.keys()].sort()) {
    const s = lock.services.get(name)!;
    services[name] = { addresses: s.addresses, epoch: s.epoch, ...(s.imported ? { imported: true } : {}), listenPort: s.listenPort, publicKey: s.publicKey };
  }
  const links = Object.create(null) as Record<string, unknown>;
  for (const k of [...lock.links.keys()].sort()) links[k] = { epoch: lock.links.get(k)!.epoch };
  const out: Record<string, unknown> = { lockfileVersion: LOCKFILE_VERSION, project: lock.project };
  if (lock.masterFingerprint !== undefined) out['masterFingerprint'] = lock.masterFingerprint;
  out['services'] = services;
  out['links'] = links;
  if (lock.publicKeysMac !== undefined) out['publicKeysMac'] = lock.publicKeysMac;
  return `${JSON.stringify(out, null, 2)}\n`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
