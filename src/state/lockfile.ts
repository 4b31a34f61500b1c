// The lockfile: `wg-compose.lock` beside the compose file, safe to commit. It holds public
// data only — addresses, listen ports, public keys and rotation epochs — so that addresses
// never move between renders and machines, and a review shows what a change did to the
// topology. Private keys and PSKs live only in the state directory.
import { error, type Diagnostic } from '../diagnostics.js';
// Not node:net's isIP: loading node:net (streams, dns) cost `check` 6 ms of its start-up.
import { parseAddress } from '../topology/address.js';

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

/**
 * Every field, checked for type and range before anything uses it: the lockfile is committed
 * and may be edited by anyone with push access, and its public keys and ports end up in
 * wg-quick files, so a value that is not exactly what render writes is refused, never
 * passed on (a publicKey holding a newline would put a raw line into a [Peer]). Messages name
 * the field, never its content: no control character or key material from the file is
 * printed.
 */
const FIELD = {
  /** compose-spec: service names. */
  service: /^[a-zA-Z0-9._-]{1,255}$/,
  /** compose's normalized project names. */
  project: /^([a-z0-9][a-z0-9_-]*)?$/,
  /** Standard base64 of 32 bytes, as wg(8) prints keys. */
  publicKey: /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/,
  fingerprint: /^[0-9a-f]{24}$/,
  mac: /^[0-9a-f]{32}$/,
} as const;

const isEpoch = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
const isAddress = (v: unknown): v is string => typeof v === 'string' && parseAddress(v) !== undefined;

export function parseLockfile(text: string, file: string): { lock: Lockfile; diagnostics: Diagnostic[] } {
  const bad = (why: string, line = 1, col = 1) => ({
    lock: EMPTY_LOCK,
    diagnostics: [error('WGC061', `lockfile ${why}`, { file, line, col }, 'fix it, or delete it to allocate afresh (addresses may change)')],
  });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // V8's message quotes the input ("Unexpected token 'Z', "ZxWf7i"..."): only its position is kept.
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    if (at === undefined) return bad('is not valid JSON');
    const before = text.slice(0, Number(at)).split('\n');
    return bad('is not valid JSON', before.length, before[before.length - 1]!.length + 1);
  }
  if (!isRecord(raw) || raw['lockfileVersion'] !== LOCKFILE_VERSION) return bad(`has an unknown format (expected lockfileVersion ${LOCKFILE_VERSION})`);
  const services = new Map<string, LockedService>();
  const links = new Map<string, { epoch: number }>();
  const rawServices = raw['services'] === undefined ? {} : raw['services'];
  if (!isRecord(rawServices)) return bad('field "services" is not an object');
  for (const [name, s] of Object.entries(rawServices)) {
    if (!FIELD.service.test(name)) return bad('has a service entry whose name is not a compose service name');
    const field = checkService(s);
    if (field) return bad(`entry for service "${name}": ${field}`);
    const e = s as Record<string, unknown> & LockedService;
    services.set(name, { addresses: e.addresses, listenPort: e.listenPort, publicKey: e.publicKey, epoch: e.epoch ?? 0, ...(e.imported === true ? { imported: true } : {}) });
  }
  const rawLinks = raw['links'] === undefined ? {} : raw['links'];
  if (!isRecord(rawLinks)) return bad('field "links" is not an object');
  for (const [k, l] of Object.entries(rawLinks)) {
    const [a, b, ...rest] = k.split(':');
    if (rest.length > 0 || !a || !b || !FIELD.service.test(a) || !FIELD.service.test(b) || pairKey(a, b) !== k) return bad('has a link entry that is not "A:B" (two service names, in order)');
    if (!isRecord(l) || !isEpoch(l['epoch'])) return bad(`entry for link "${k}": field "epoch" is not a whole number ≥ 0`);
    links.set(k, { epoch: l['epoch'] });
  }
  const project = raw['project'] ?? '';
  if (typeof project !== 'string' || !FIELD.project.test(project)) return bad('field "project" is not a compose project name');
  const masterFingerprint = raw['masterFingerprint'];
  const publicKeysMac = raw['publicKeysMac'];
  if (masterFingerprint !== undefined && (typeof masterFingerprint !== 'string' || !FIELD.fingerprint.test(masterFingerprint))) return bad('field "masterFingerprint" is malformed');
  if (publicKeysMac !== undefined && (typeof publicKeysMac !== 'string' || !FIELD.mac.test(publicKeysMac))) return bad('field "publicKeysMac" is malformed');
  return {
    lock: { project, services, links, ...(masterFingerprint !== undefined ? { masterFingerprint } : {}), ...(publicKeysMac !== undefined ? { publicKeysMac } : {}) },
    diagnostics: [],
  };
}

/** What is wrong with one service entry (the first thing found), or undefined. */
function checkService(s: unknown): string | undefined {
  if (!isRecord(s)) return 'not an object';
  if (!Array.isArray(s['addresses']) || s['addresses'].length === 0 || s['addresses'].length > 2 || !s['addresses'].every(isAddress)) return 'field "addresses" is not one or two IP addresses';
  if (!isPort(s['listenPort'])) return 'field "listenPort" is not a port (1–65535)';
  if (typeof s['publicKey'] !== 'string' || !FIELD.publicKey.test(s['publicKey'])) return 'field "publicKey" is not a WireGuard public key';
  if (!isEpoch(s['epoch'] ?? 0)) return 'field "epoch" is not a whole number ≥ 0';
  if (s['imported'] !== undefined && typeof s['imported'] !== 'boolean') return 'field "imported" is not true or false';
  return undefined;
}

/**
 * What publicKeysMac authenticates: every service's name, epoch, imported flag and public
 * key, one line each in name order, NUL-separated. Unambiguous because parseLockfile admits
 * only fields that cannot hold a separator (compose names, decimal epochs, base64 keys):
 * no crafted value can move a field boundary.
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
