// depends_on in its long form (compose-spec 05-services.md#depends_on): the short form, a
// list of names, means `{condition: service_started}` for each.
import type { Pos } from '../../diagnostics.js';
import { isObject, itemLoc, keyLoc, type Json } from '../../load/located.js';

export interface Dependency {
  readonly service: string;
  /** `service_started` for the short form. */
  readonly condition: string;
  /** The long-form value as the user wrote it (or `{condition: service_started}`), to render back. */
  readonly config: Json;
  readonly pos: Pos | undefined;
}

export function dependsOnOf(v: Json | undefined): Dependency[] {
  if (Array.isArray(v)) {
    return v.map((d, i) => ({ service: String(d), condition: STARTED, config: { condition: STARTED }, pos: itemLoc(v, i) }));
  }
  if (!isObject(v)) return [];
  return Object.keys(v).map((service) => {
    const config = v[service]!;
    // The schema requires a condition in the long form; anything else counts as the default.
    const c = isObject(config) ? config['condition'] : undefined;
    return { service, condition: typeof c === 'string' ? c : STARTED, config, pos: keyLoc(v, service) };
  });
}

const STARTED = 'service_started';
