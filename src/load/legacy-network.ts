// Networking of a legacy v1 project, decided once its files are merged (a link or a `net:`
// may name a service of another file). v1 had no project network: every container ran on the
// engine's default bridge, and a service found another by name only through a link. The
// Specification format puts every service without `network_mode` on one project network where
// all reach all by name, which would give unlinked services a path v1 never gave them. So:
//
// - `net: container:NAME` (already `network_mode: container:NAME`) where NAME is a service of
//   the project means that service's container: `service:NAME`, as docker-compose 1.29 reads
//   it (config.py, finalize_service_dict); another NAME stays a container name.
// - a service in no link (either side) and without `net:` stays on the default bridge:
//   `network_mode: bridge`, as docker-compose 1.29 runs it (and prints it in `config`).
// - a linked service joins one network per service it is linked with, shared by that pair
//   only (`v1-link-A-B`, the two names in order): the tunnel's UDP endpoint (the namespace
//   owner NAME-wgns) is reachable by its peers and by no one else, and the link names
//   resolve to tunnel addresses (extra_hosts), as the link made them resolve in v1.
import { isObject, keyLoc, newMap, selfLoc, setKeyLoc, valueLoc, type Json, type JsonObject } from './located.js';

/** Reshapes the merged model of a v1 project in place (see above). */
export function v1Networking(model: JsonObject): void {
  const services = model['services'];
  if (!isObject(services)) return;
  const names = new Set(Object.keys(services));
  for (const name of names) {
    const svc = services[name];
    const mode = isObject(svc) ? svc['network_mode'] : undefined;
    if (isObject(svc) && typeof mode === 'string' && mode.startsWith('container:') && names.has(mode.slice('container:'.length))) {
      svc['network_mode'] = `service:${mode.slice('container:'.length)}`;
    }
  }
  const pairs = linkPairs(services, names);
  const networks = isObject(model['networks']) ? model['networks'] : newMap(selfLoc(model));
  const joined = new Map<string, string[]>();
  for (const [a, b] of pairs) {
    const net = pairNetwork(a, b, networks);
    networks[net] = newMap(selfLoc(services[a]));
    for (const s of [a, b]) joined.set(s, [...(joined.get(s) ?? []), net]);
  }
  for (const name of names) {
    const svc = services[name];
    if (!isObject(svc) || Object.hasOwn(svc, 'network_mode') || Object.hasOwn(svc, 'networks')) continue;
    const nets = joined.get(name);
    if (nets === undefined) {
      setAt(svc, 'network_mode', 'bridge', selfLoc(svc));
      continue;
    }
    // Positions: the links that made the networks (the target's own links when it has none).
    setAt(svc, 'networks', nets, valueLoc(svc, 'links') ?? selfLoc(svc), keyLoc(svc, 'links'));
  }
  if (Object.keys(networks).length > 0) model['networks'] = networks;
}

/** Unordered pairs of services joined by a link, each once, in order. */
function linkPairs(services: JsonObject, names: ReadonlySet<string>): [string, string][] {
  const seen = new Map<string, [string, string]>();
  for (const name of names) {
    const svc = services[name];
    const links: Json = isObject(svc) ? (svc['links'] ?? []) : [];
    for (const link of Array.isArray(links) ? links : []) {
      if (typeof link !== 'string') continue;
      const target = link.split(':')[0]!;
      if (target === name || !names.has(target)) continue; // WGC041, WGC040 say why
      const pair: [string, string] = name < target ? [name, target] : [target, name];
      seen.set(pair.join('\0'), pair);
    }
  }
  return [...seen.values()].sort((x, y) => (x[0] === y[0] ? cmp(x[1], y[1]) : cmp(x[0], y[0])));
}

/** `v1-link-A-B`, with a number added in the unlikely case two pairs (or the user) spell one name. */
function pairNetwork(a: string, b: string, taken: JsonObject): string {
  const base = `v1-link-${a}-${b}`;
  let net = base;
  for (let i = 2; Object.hasOwn(taken, net); i++) net = `${base}-${i}`;
  return net;
}

function setAt(obj: JsonObject, key: string, value: Json, pos: ReturnType<typeof selfLoc>, kpos = pos): void {
  obj[key] = value;
  if (pos && kpos) setKeyLoc(obj, key, kpos, pos);
}

const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
