// Named volumes of a legacy v1 file. v1 has no top-level `volumes:`: a service's
// `pgdata:/var/lib/postgresql/data` names a Docker volume `pgdata` directly (no project
// prefix), created by the service's `volume_driver` when it does not exist yet. The
// Specification format refuses a named volume that is not declared, and prefixes declared
// ones with the project name, so each one is declared here with `name:` (the same volume v1
// used) and the service's `volume_driver` as its `driver`.
import { warning, type Diagnostic } from '../diagnostics.js';
import { isObject, itemLoc, keyLoc, newMap, selfLoc, setKeyLoc, valueLoc, type Json, type JsonObject } from './located.js';

/** The volume name of a v1 volume entry, when it names one (not a path, not anonymous). */
export function v1VolumeName(entry: string): string | undefined {
  const colon = entry.indexOf(':');
  if (colon <= 0) return undefined; // `/data`: an anonymous volume
  const source = entry.slice(0, colon);
  // docker-compose 1.x: a source starting with `.`, `/` or `~` is a host path (config.py, is_named_volume).
  if (/^[./~]/.test(source)) return undefined;
  return source;
}

/**
 * The top-level `volumes:` a v1 file needs, from its services (in the original v1 shape),
 * or undefined when it uses no named volume. Warns (WGC033) where a `volume_driver` cannot
 * be carried over: a service without named volumes, or a second driver for one volume.
 */
export function v1Volumes(doc: JsonObject, services: readonly string[], diagnostics: Diagnostic[]): JsonObject | undefined {
  const declared = newMap(selfLoc(doc));
  const drivers = new Map<string, string | undefined>();
  for (const name of services) {
    const svc = doc[name];
    if (!isObject(svc)) continue;
    const driver = typeof svc['volume_driver'] === 'string' ? svc['volume_driver'] : undefined;
    const volumes: Json = svc['volumes'] ?? [];
    let named = 0;
    (Array.isArray(volumes) ? volumes : []).forEach((v, i) => {
      const volume = typeof v === 'string' ? v1VolumeName(v) : undefined;
      if (volume === undefined) return;
      named++;
      const pos = itemLoc(volumes, i) ?? selfLoc(volumes);
      if (!drivers.has(volume)) {
        drivers.set(volume, driver);
        const decl = newMap(pos);
        decl['name'] = volume;
        if (driver !== undefined) decl['driver'] = driver;
        declared[volume] = decl;
        if (pos) setKeyLoc(declared, volume, pos, pos);
      } else if (driver !== undefined && drivers.get(volume) !== driver) {
        diagnostics.push(
          warning('WGC033', `v1 volume "${volume}" is already created with ${describe(drivers.get(volume))}: volume_driver "${driver}" of service "${name}" is dropped for it`, valueLoc(svc, 'volume_driver'), 'give every service that shares the volume the same volume_driver'),
        );
      }
    });
    if (driver !== undefined && named === 0) {
      diagnostics.push(warning('WGC033', `v1 volume_driver of service "${name}" applies to named volumes only, and it has none: dropped`, keyLoc(svc, 'volume_driver')));
    }
  }
  return Object.keys(declared).length > 0 ? declared : undefined;
}

const describe = (driver: string | undefined): string => (driver === undefined ? 'the default driver' : `driver "${driver}"`);
