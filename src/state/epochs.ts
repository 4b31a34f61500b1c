// The epoch record: the highest rotation epoch this state directory has ever committed, per
// service and per linked pair, in `.wg-compose/PROJECT/epochs.json` (0600). The lockfile is
// committed to git and can be rolled back with it; a restored lockfile from before a `rotate`
// names the retired epoch, and rendering it would bring the retired private key and PSK back
// into use, silently. With the record, a lockfile older than what was made here is refused
// (WGC068, with the override), and a service that comes back after being removed continues
// from its recorded epoch instead of reusing epoch 0's keys. Written after the lockfile it
// follows (src/plan/apply.ts): a crash between the two leaves the record behind, never ahead.
import type { Lockfile } from './lockfile.js';
import { parseJsonObject } from './json-object.js';

export const EPOCHS_FILE = 'epochs.json';
/** Set to 1 to use a lockfile older than the epoch record anyway. */
export const ALLOW_ROLLBACK_ENV = 'WG_COMPOSE_ALLOW_ROLLBACK';

export interface EpochRecord {
  readonly services: ReadonlyMap<string, number>;
  readonly links: ReadonlyMap<string, number>;
}

export const EMPTY_RECORD: EpochRecord = { services: new Map(), links: new Map() };

const isEpoch = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const NAME = /^[a-zA-Z0-9._:-]{1,511}$/;

/** The record, or undefined when the text is not one (the caller says where). */
export function parseEpochRecord(text: string): EpochRecord | undefined {
  const raw = parseJsonObject(text);
  if (!raw) return undefined;
  const map = (v: unknown): Map<string, number> | undefined => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    const out = new Map<string, number>();
    for (const [k, e] of Object.entries(v)) {
      if (!NAME.test(k) || !isEpoch(e)) return undefined;
      out.set(k, e);
    }
    return out;
  };
  const services = map(raw['services']);
  const links = map(raw['links']);
  return services && links ? { services, links } : undefined;
}

export function serializeEpochRecord(r: EpochRecord): string {
  const obj = (m: ReadonlyMap<string, number>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify({ services: obj(r.services), links: obj(r.links) }, null, 2)}\n`;
}

/** The record with a committed lockfile's epochs folded in (the highest of each). */
export function advanceRecord(r: EpochRecord, lock: Lockfile): EpochRecord {
  const services = new Map(r.services);
  const links = new Map(r.links);
  for (const [s, l] of lock.services) services.set(s, Math.max(services.get(s) ?? 0, l.epoch));
  for (const [k, l] of lock.links) links.set(k, Math.max(links.get(k) ?? 0, l.epoch));
  return { services, links };
}

/** What in a lockfile is older than the record: "NAME at epoch L (E made here)" each. */
export function rolledBack(lock: Lockfile, r: EpochRecord): string[] {
  const out: string[] = [];
  for (const [s, l] of lock.services) {
    const e = r.services.get(s);
    if (e !== undefined && l.epoch < e) out.push(`"${s}" at epoch ${l.epoch} (${e} made here)`);
  }
  for (const [k, l] of lock.links) {
    const e = r.links.get(k);
    if (e !== undefined && l.epoch < e) out.push(`link ${k} at epoch ${l.epoch} (${e} made here)`);
  }
  return out;
}
