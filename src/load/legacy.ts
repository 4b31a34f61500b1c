// Compose file formats as users still write them. The Compose Specification format (no
// `version`) and the v2/v3 formats (`version: "2.x"`/`"3.x"` with `services:`) share a shape;
// the legacy v1 format has the services at the top level and a few attributes that were
// renamed later. Everything becomes the Specification shape here, so later stages see one
// format and the rendered stack is in the Specification format whatever came in.
import type { Diagnostic } from '../diagnostics.js';
import { copyKey, isObject, keyLoc, newMap, selfLoc, setKeyLoc as setKey, valueLoc, type Json, type JsonObject } from './located.js';
import { v1Volumes } from './legacy-volumes.js';
import { carryTags } from './tags.js';

export type Format = 'spec' | 'v2' | 'v3' | 'v1';

/** Top-level keys of the Specification and v2/v3 formats. */
const TOP_LEVEL = new Set(['version', 'name', 'services', 'networks', 'volumes', 'secrets', 'configs', 'include', 'models']);

export function detectFormat(doc: JsonObject): Format {
  const version = doc['version'];
  if (typeof version === 'string' || typeof version === 'number') {
    const v = String(version);
    if (v.startsWith('1')) return 'v1';
    if (v.startsWith('2')) return 'v2';
    return 'v3';
  }
  if (Object.hasOwn(doc, 'services')) return 'spec';
  const keys = Object.keys(doc).filter((k) => !k.startsWith('x-'));
  // A file of only networks/volumes (an override file) is not a v1 file of services named so.
  if (keys.every((k) => TOP_LEVEL.has(k))) return 'spec';
  return 'v1';
}

/** Returns the document in the Specification shape, with `version` dropped (it is obsolete). */
export function toSpec(doc: JsonObject): { doc: JsonObject; format: Format; diagnostics: Diagnostic[] } {
  const format = detectFormat(doc);
  const diagnostics: Diagnostic[] = [];
  if (format !== 'v1') {
    const out = newMap(selfLoc(doc));
    for (const k of Object.keys(doc)) if (k !== 'version') copyKey(out, doc, k);
    carryTags(out, doc);
    return { doc: out, format, diagnostics };
  }
  const out = newMap(selfLoc(doc));
  const services = newMap(selfLoc(doc));
  const names = Object.keys(doc).filter((k) => k !== 'version' && !k.startsWith('x-'));
  for (const name of Object.keys(doc)) {
    if (name === 'version') continue;
    if (name.startsWith('x-')) {
      copyKey(out, doc, name);
      continue;
    }
    const svc = doc[name] as Json;
    copyKey(services, doc, name, isObject(svc) ? fromV1Service(svc) : svc);
  }
  // A tagged key of a v1 file names a service (or an x- field: those tags do no harm there).
  carryTags(services, doc);
  out['services'] = services;
  const volumes = v1Volumes(doc, names, diagnostics);
  if (volumes) out['volumes'] = volumes;
  return { doc: out, format, diagnostics };
}

/** The v1 attributes that were renamed or reshaped in v2 (docker-compose's config/config.py). */
function fromV1Service(svc: JsonObject): JsonObject {
  const out = newMap(selfLoc(svc));
  for (const k of Object.keys(svc)) {
    switch (k) {
      case 'net':
        // `net: container:X` became `network_mode: container:X`; `net: host|none|bridge` likewise.
        copyKey(out, svc, k);
        renameLast(out, 'net', 'network_mode');
        break;
      case 'dockerfile':
      case 'log_driver':
      case 'log_opt':
        break; // folded below
      case 'volume_driver':
        break; // the `driver` of the named volumes it creates: see legacy-volumes.ts
      default:
        copyKey(out, svc, k);
    }
  }
  carryTags(out, svc);
  if (Object.hasOwn(svc, 'dockerfile')) {
    const build = newMap(valueLoc(svc, 'build') ?? keyLoc(svc, 'dockerfile'));
    const context = svc['build'];
    build['context'] = context ?? '.';
    build['dockerfile'] = svc['dockerfile'] as Json;
    out['build'] = build;
  }
  if (Object.hasOwn(svc, 'log_driver') || Object.hasOwn(svc, 'log_opt')) {
    const logging = newMap(keyLoc(svc, 'log_driver') ?? keyLoc(svc, 'log_opt'));
    if (Object.hasOwn(svc, 'log_driver')) copyKey(logging, svc, 'log_driver', svc['log_driver'] as Json);
    if (Object.hasOwn(svc, 'log_opt')) copyKey(logging, svc, 'log_opt', svc['log_opt'] as Json);
    renameLast(logging, 'log_driver', 'driver');
    renameLast(logging, 'log_opt', 'options');
    out['logging'] = logging;
  }
  return out;
}

function renameLast(obj: JsonObject, from: string, to: string): void {
  if (!Object.hasOwn(obj, from)) return;
  const tmp = newMap(selfLoc(obj));
  copyKey(tmp, obj, from);
  delete obj[from];
  const k = keyLoc(tmp, from);
  const v = valueLoc(tmp, from);
  obj[to] = tmp[from] as Json;
  if (k && v) setKey(obj, to, k, v);
}

