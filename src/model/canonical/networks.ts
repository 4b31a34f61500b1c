// A service's networks in their long form (compose-spec 05-services.md#networks): a list of
// names, a mapping of name to settings (or null), or nothing at all, which is the `default`
// network.
import type { Pos } from '../../diagnostics.js';
import { isObject, itemLoc, keyLoc, type Json, type JsonObject } from '../../load/located.js';

export interface NetworkAttachment {
  readonly name: string;
  /** The user's settings for this network (aliases, ipv4_address…); undefined for the short forms. */
  readonly config: JsonObject | undefined;
  readonly aliases: readonly string[];
  readonly pos: Pos | undefined;
}

export function networksOf(v: Json | undefined): NetworkAttachment[] {
  if (Array.isArray(v)) return v.map((n, i) => ({ name: String(n), config: undefined, aliases: [], pos: itemLoc(v, i) }));
  if (isObject(v)) {
    return Object.keys(v).map((name) => {
      const cfg = v[name];
      const config = isObject(cfg) ? cfg : undefined;
      const aliases = config && Array.isArray(config['aliases']) ? config['aliases'].map(String) : [];
      return { name, config, aliases, pos: keyLoc(v, name) };
    });
  }
  return [{ name: 'default', config: undefined, aliases: [], pos: undefined }];
}
