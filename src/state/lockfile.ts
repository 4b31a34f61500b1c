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
  readonly epoch: number;
}

export interface Lockfile {
  readonly project: string;
  readonly services: ReadonlyMap<string, LockedService>;
  /** Keyed `a:b` with a < b; one entry per linked pair. */
  readonly links: ReadonlyMap<string, { readonly epoch: number }>;
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
    if (!Number.isInteger(listenPort) || !Number.isInteger(epoch) || epoch < 0) return bad(`entry for service "${name}" is malformed`);
    services.set(name, { addresses, listenPort, publicKey, epoch });
  }
  const rawLinks = isRecord(raw['links']) ? raw['links'] : {};
  for (const [k, l] of Object.entries(rawLinks)) {
    const epoch = isRecord(l) && typeof l['epoch'] === 'number' ? l['epoch'] : 0;
    links.set(k, { epoch });
  }
  return { lock: { project: typeof raw['project'] === 'string' ? raw['project'] : '', services, links }, diagnostics: [] };
}

/** Sorted keys and a trailing newline: the same topology always gives the same bytes. */
export function serializeLockfile(lock: Lockfile): string {
  const services: Record<string, unknown> = {};
  for (const name of [...lock.services.keys()].sort()) {
    const s = lock.services.get(name)!;
    services[name] = { addresses: s.addresses, epoch: s.epoch, listenPort: s.listenPort, publicKey: s.publicKey };
  }
  const links: Record<string, unknown> = {};
  for (const k of [...lock.links.keys()].sort()) links[k] = { epoch: lock.links.get(k)!.epoch };
  return `${JSON.stringify({ lockfileVersion: LOCKFILE_VERSION, project: lock.project, services, links }, null, 2)}\n`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
