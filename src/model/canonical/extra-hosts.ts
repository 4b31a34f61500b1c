// extra_hosts (compose-spec 05-services.md#extra_hosts): a list of `HOST:IP` or `HOST=IP`
// strings, or a mapping of host to one address or a list of them. The long form is one entry
// per address; the form the user chose is kept too, because the rendered stack writes the
// attribute back in it.
import type { Pos } from '../../diagnostics.js';
import { isObject, itemLoc, valueLoc, type Json, type JsonObject } from '../../load/located.js';

export interface ExtraHost {
  readonly host: string;
  /** '' when a list item has no separator (compose refuses it; it is skipped where it matters). */
  readonly address: string;
  /** The list item, or the mapping's value for this host, as written. */
  readonly written: Json;
  readonly pos: Pos | undefined;
}

export interface ExtraHosts {
  readonly form: 'list' | 'map' | undefined;
  readonly entries: readonly ExtraHost[];
}

export function extraHostsOf(v: Json | undefined): ExtraHosts {
  if (Array.isArray(v)) {
    const entries = v.map((item, i) => {
      const s = String(item);
      // The first ':' or '=' separates: an IPv6 address holds ':' too.
      const at = s.search(/[:=]/);
      return { host: at < 0 ? s : s.slice(0, at), address: at < 0 ? '' : s.slice(at + 1), written: s, pos: itemLoc(v, i) };
    });
    return { form: 'list', entries };
  }
  if (!isObject(v)) return { form: undefined, entries: [] };
  const entries: ExtraHost[] = [];
  for (const host of Object.keys(v)) {
    const written = v[host]!;
    if (Array.isArray(written)) {
      written.forEach((a, i) => entries.push({ host, address: String(a), written, pos: itemLoc(written, i) }));
      // An empty list names no address, but is written back as it was.
      if (written.length === 0) entries.push({ host, address: '', written, pos: valueLoc(v, host) });
    } else entries.push({ host, address: String(written), written, pos: valueLoc(v, host) });
  }
  return { form: 'map', entries };
}

/**
 * The attribute in the user's form, with `hosts` replacing every entry of the same names: a
 * list gains `NAME:ADDRESS` items, a mapping gains keys (a list of addresses for a name with
 * several). A service that had none gets the list form; undefined when there is nothing to write.
 */
export function withHosts(extra: ExtraHosts, hosts: readonly { readonly name: string; readonly address: string }[]): Json | undefined {
  const ours = new Set(hosts.map((h) => h.name));
  const kept = extra.entries.filter((e) => !ours.has(e.host));
  if (kept.length === 0 && hosts.length === 0) return undefined;
  if (extra.form !== 'map') return [...kept.map((e) => e.written), ...hosts.map((h) => `${h.name}:${h.address}`)];
  const out = Object.create(null) as JsonObject;
  for (const e of kept) out[e.host] = e.written;
  for (const h of hosts) {
    const prev = out[h.name];
    out[h.name] = prev === undefined ? h.address : Array.isArray(prev) ? [...prev, h.address] : [String(prev), h.address];
  }
  return out;
}
