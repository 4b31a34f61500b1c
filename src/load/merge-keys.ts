// What makes two items of a merged sequence the same item, per attribute: compose-go's
// indexers (override/uncity.go), which its loader applies after every merge ("EnforceUnicity")
// and again once values are canonical. Here the key is canonical from the start, so `"8080:80"`
// and `{target: 80, published: 8080}` are one port whichever syntax each file used. The merge
// runs before schema validation, so every key function takes any value without throwing.
import { isObject, type Json } from './located.js';

/** A value as text: strings as they are, anything else as JSON (never `[object Object]`). */
export const text = (v: Json | undefined): string =>
  typeof v === 'string' ? v : v === undefined ? '' : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);

/** `KEY=VALUE` items (and plain names: cap_add, dns, links…) are one item per KEY. */
export const keyValueKey = (v: Json): string => (typeof v === 'string' ? v.split('=', 1)[0]! : text(v));

/** expose: `80` and `"80"` are one port. */
export const exposeKey = (v: Json): string => text(v);

/** env_file: one entry per path, short or long syntax. */
export const envFileKey = (v: Json): string => (isObject(v) ? text(v['path']) : text(v));

/** volumes: the mount point inside the container. */
export const volumeTarget = (v: Json): string => {
  if (isObject(v)) return text(v['target']);
  const parts = text(v).split(':');
  return parts.length === 1 ? parts[0]! : parts[1]!;
};

/** devices: the path inside the container (the host path when it is not mapped elsewhere). */
export const deviceTarget = (v: Json): string => {
  if (isObject(v)) return text(v['target'] ?? v['source']);
  const parts = text(v).split(':');
  return parts[1] ?? parts[0]!;
};

/**
 * secrets and configs: the mount point, a relative one (and the short syntax, which names the
 * source) taken under the default directory: `/run/secrets` for secrets, `/` for configs
 * (compose-spec 05-services.md#secrets, #configs).
 */
export const mountTarget =
  (dir: string) =>
  (v: Json): string => {
    const t = isObject(v) ? text(v['target'] ?? v['source']) : text(v);
    return t.startsWith('/') ? t : `${dir}/${t}`;
  };

/**
 * ports: `{host_ip, published, target, protocol}` (13-merge.md's unique key), with compose's
 * defaults (host 0.0.0.0, protocol tcp), from either syntax:
 * `[HOST:][PUBLISHED:]TARGET[/PROTOCOL]`, HOST an IPv4 address or a bracketed IPv6 one.
 */
export function portKey(v: Json): string {
  if (typeof v === 'number') return canonical('', '', String(v), '');
  if (isObject(v)) return canonical(text(v['host_ip']), text(v['published']), text(v['target']), text(v['protocol']));
  if (typeof v !== 'string') return text(v);
  let rest = v;
  let protocol = '';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) [rest, protocol] = [rest.slice(0, slash), rest.slice(slash + 1)];
  let host = '';
  if (rest.startsWith('[') && rest.includes(']:')) {
    host = rest.slice(1, rest.indexOf(']:'));
    rest = rest.slice(rest.indexOf(']:') + 2);
  }
  const parts = rest.split(':');
  if (parts.length === 3 && host === '') return canonical(parts[0]!, parts[1]!, parts[2]!, protocol);
  if (parts.length === 2) return canonical(host, parts[0]!, parts[1]!, protocol);
  if (parts.length === 1) return canonical(host, '', parts[0]!, protocol);
  return v; // not a port the schema accepts: only equal to itself
}

const canonical = (host: string, published: string, target: string, protocol: string): string =>
  `${host === '' ? '0.0.0.0' : host}:${published}:${target}/${protocol === '' ? 'tcp' : protocol}`;
