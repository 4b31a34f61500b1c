// The rendered compose file: the input model with every link turned into a WireGuard pair.
// Each linked service becomes three services (see templates/sidecar.yml.hbs for why):
// the application, a namespace owner and a WireGuard sidecar. Everything that is not a link
// is kept as the user wrote it; only what an engine forbids on a container that joins another
// namespace (DESIGN.md §5) moves to the namespace owner.
import { Document, parse } from 'yaml';
import { isObject, type Json, type JsonObject } from '../load/located.js';
import { parseLink } from '../model/model.js';
import { namespaceName, secretName, sidecarName } from '../model/names.js';
import type { Settings } from '../model/settings.js';
import { formatPrefix } from '../topology/cidr.js';
import type { Topology } from '../topology/topology.js';
import { sidecarScript, template } from './templates.js';

/** Attributes docker and podman refuse beside `network_mode: service:…`; they belong to the namespace owner. */
export const NAMESPACE_ATTRIBUTES = [
  'ports',
  'expose',
  'networks',
  'network_mode',
  'hostname',
  'domainname',
  'dns',
  'dns_search',
  'dns_opt',
  'extra_hosts',
  'mac_address',
  // docker-compose passes external links to the engine as links, which docker refuses on a
  // container that joins another's namespace.
  'external_links',
] as const;

export interface StackInput {
  readonly project: string;
  readonly model: JsonObject;
  readonly topology: Topology;
  readonly settings: Settings;
  /** Where each service's wg-quick file is, relative to the project directory. */
  readonly configPaths: ReadonlyMap<string, string>;
  /** The input files, for the header comment (relative to the project directory). */
  readonly sources: readonly string[];
}

export function renderStack(input: StackInput): string {
  const { model, topology } = input;
  const out = obj();
  // No top-level `name:`: docker-compose 1.x rejects it, and the engine is given the project
  // name (-p) by whoever runs the stack; the header comment records it.
  const services = obj();
  const rawServices = isObject(model['services']) ? model['services'] : obj();
  for (const name of Object.keys(rawServices)) {
    const svc = rawServices[name];
    const node = topology.nodes.get(name);
    if (!node || !isObject(svc)) {
      services[name] = svc ?? null;
      continue;
    }
    const parts = splitService(name, svc, input);
    services[name] = parts.app;
    services[namespaceName(name)] = parts.namespace;
    services[sidecarName(name)] = parts.sidecar;
  }
  out['services'] = services;
  for (const key of Object.keys(model)) {
    if (key === 'services' || key === 'name' || key === 'x-wireguard' || key === 'secrets') continue;
    out[key] = model[key]!;
  }
  const secrets = obj();
  if (isObject(model['secrets'])) Object.assign(secrets, model['secrets']);
  for (const name of [...topology.nodes.keys()].sort()) {
    secrets[secretName(name)] = { file: input.configPaths.get(name)! };
  }
  if (Object.keys(secrets).length > 0) out['secrets'] = secrets;
  out['x-wireguard'] = publicBlock(input);

  const doc = new Document(escapeDollars(out), { version: '1.1', aliasDuplicateObjects: false });
  doc.commentBefore =
    ` Rendered by wg-compose from ${input.sources.join(', ')} (project "${input.project}").\n` +
    ` Do not edit: change the input and run \`wg-compose render\` again.\n` +
    ` WireGuard configs are compose secrets read from the state directory; no key is in this file.`;
  // YAML 1.1 quoting: docker-compose v1 reads with PyYAML (YAML 1.1), where an unquoted
  // "yes" is a boolean and "22:22" a number; quoting for 1.1 is also valid YAML 1.2.
  return doc.toString({ lineWidth: 0 });
}

function splitService(name: string, svc: JsonObject, input: StackInput): { app: JsonObject; namespace: JsonObject; sidecar: JsonObject } {
  const node = input.topology.nodes.get(name)!;
  const { settings } = input;
  const parts = parse(
    template('sidecar.yml.hbs')({
      service: name,
      image: settings.image,
      networkMode: `service:${namespaceName(name)}`,
      secret: secretName(name),
      iface: settings.iface,
      configName: `${settings.iface}.conf`,
      configPath: `/run/secrets/${settings.iface}.conf`,
      script: embeddedScript(),
    }),
  ) as { namespace: JsonObject; sidecar: JsonObject };

  const app = obj();
  const namespace = obj();
  Object.assign(namespace, parts.namespace);
  for (const key of Object.keys(svc)) {
    if (key === 'links') continue;
    if ((NAMESPACE_ATTRIBUTES as readonly string[]).includes(key)) continue;
    if (key === 'sysctls') {
      const { net, other } = splitSysctls(svc[key]!);
      if (net) namespace['sysctls'] = net;
      if (other) app['sysctls'] = other;
      continue;
    }
    app[key] = svc[key]!;
  }
  for (const key of NAMESPACE_ATTRIBUTES) {
    if (key === 'networks' || key === 'extra_hosts' || !Object.hasOwn(svc, key)) continue;
    namespace[key] = svc[key]!;
  }
  if (!Object.hasOwn(svc, 'network_mode')) namespace['networks'] = networksWithAlias(svc['networks'], name);
  const hosts = extraHosts(svc['extra_hosts'], node.hosts);
  if (Array.isArray(hosts) ? hosts.length > 0 : Object.keys(hosts as JsonObject).length > 0) namespace['extra_hosts'] = hosts;

  // The infrastructure of a profiled service starts only with it.
  if (Object.hasOwn(svc, 'profiles')) {
    namespace['profiles'] = svc['profiles']!;
    parts.sidecar['profiles'] = svc['profiles']!;
  }
  app['network_mode'] = `service:${namespaceName(name)}`;
  app['depends_on'] = dependsOn(svc, name);
  return { app, namespace, sidecar: parts.sidecar };
}

/**
 * The sidecar script as the sidecar's command, comment lines dropped (the stack points at
 * templates/sidecar.sh for the commented source). Its "$" are escaped with everything else.
 */
function embeddedScript(): string {
  const lines = sidecarScript()
    .split('\n')
    .filter((l) => !/^\s*#/.test(l));
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim() + '\n';
}

/**
 * The application keeps its name on every network through an alias on the namespace owner,
 * so services that are not linked reach it exactly as before.
 */
function networksWithAlias(networks: Json | undefined, name: string): JsonObject {
  const out = obj();
  const entries: [string, Json][] = Array.isArray(networks)
    ? networks.map((n) => [String(n), null])
    : isObject(networks)
      ? Object.keys(networks).map((k) => [k, networks[k]!])
      : [['default', null]];
  for (const [net, cfg] of entries) {
    const c = obj();
    if (isObject(cfg)) Object.assign(c, cfg);
    const aliases = Array.isArray(c['aliases']) ? c['aliases'].map(String) : [];
    if (!aliases.includes(name)) aliases.push(name);
    c['aliases'] = aliases;
    out[net] = c;
  }
  return out;
}

/** Link names resolve to tunnel addresses through /etc/hosts, which wins over DNS. */
function extraHosts(existing: Json | undefined, hosts: readonly { name: string; address: string }[]): Json {
  const ours = new Set(hosts.map((h) => h.name));
  if (isObject(existing)) {
    const out = obj();
    for (const k of Object.keys(existing)) if (!ours.has(k)) out[k] = existing[k]!;
    for (const h of hosts) {
      const prev = out[h.name];
      out[h.name] = prev === undefined ? h.address : Array.isArray(prev) ? [...prev, h.address] : [String(prev), h.address];
    }
    return out;
  }
  const kept = Array.isArray(existing) ? existing.map(String).filter((e) => !ours.has(e.split(/[:=]/)[0]!)) : [];
  return [...kept, ...hosts.map((h) => `${h.name}:${h.address}`)];
}

/**
 * Start order: a link made its target start first, and the application must not start
 * before its tunnel is up, so it waits for its sidecar to be healthy.
 */
function dependsOn(svc: JsonObject, name: string): JsonObject {
  const out = obj();
  const existing = svc['depends_on'];
  if (Array.isArray(existing)) for (const d of existing) out[String(d)] = { condition: 'service_started' };
  else if (isObject(existing)) Object.assign(out, existing);
  const links = Array.isArray(svc['links']) ? svc['links'] : [];
  for (const l of links) {
    const { target } = parseLink(String(l));
    if (!Object.hasOwn(out, target)) out[target] = { condition: 'service_started' };
  }
  out[sidecarName(name)] = { condition: 'service_healthy' };
  return out;
}

function splitSysctls(v: Json): { net: Json | undefined; other: Json | undefined } {
  const isNet = (k: string) => k.startsWith('net.');
  if (Array.isArray(v)) {
    const net = v.filter((e) => isNet(String(e)));
    const other = v.filter((e) => !isNet(String(e)));
    return { net: net.length ? net : undefined, other: other.length ? other : undefined };
  }
  if (isObject(v)) {
    const net = obj();
    const other = obj();
    for (const k of Object.keys(v)) (isNet(k) ? net : other)[k] = v[k]!;
    return { net: Object.keys(net).length ? net : undefined, other: Object.keys(other).length ? other : undefined };
  }
  return { net: undefined, other: v };
}

/** Public information only: settings, addresses, ports, public keys, who peers with whom. */
function publicBlock(input: StackInput): JsonObject {
  const s = input.settings;
  const block = obj();
  block['pool'] = formatPrefix(s.pool4);
  if (s.pool6) block['pool6'] = formatPrefix(s.pool6);
  block['port'] = s.portBase;
  block['mtu'] = s.mtu;
  if (s.keepalive) block['keepalive'] = s.keepalive;
  block['image'] = s.image;
  block['interface'] = s.iface;
  const topo = obj();
  for (const [name, n] of [...input.topology.nodes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const peers = obj();
    for (const p of n.peers) peers[p.service] = { allowedIPs: [...p.allowedIPs], endpoint: p.endpoint };
    topo[name] = { addresses: [...n.addresses], listenPort: n.listenPort, publicKey: n.publicKey, peers };
  }
  block['topology'] = topo;
  return block;
}

/**
 * Compose interpolates the rendered file again when it reads it. Every value here is final
 * (the input was interpolated already, and `$$` became `$`), so every "$" is a literal and
 * is written back as "$$"; otherwise `$$HOME` in the input would become the host's $HOME.
 * It copies: the model it renders from is shared with the caller.
 */
function escapeDollars(v: Json): Json {
  if (typeof v === 'string') return v.replaceAll('$', '$$$$');
  if (Array.isArray(v)) return v.map(escapeDollars);
  if (isObject(v)) {
    const out = obj();
    for (const k of Object.keys(v)) out[k] = escapeDollars(v[k]!);
    return out;
  }
  return v;
}

const obj = (): JsonObject => Object.create(null) as JsonObject;
