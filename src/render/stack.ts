// The rendered compose file: the input model with every link turned into a WireGuard pair.
// Each linked service becomes three services (see templates/sidecar.yml.hbs for why):
// the application, a namespace owner and a WireGuard sidecar. Everything that is not a link
// is kept as the user wrote it; only what an engine forbids on a container that joins another
// namespace (DESIGN.md §5) moves to the namespace owner.
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { isObject, type Json, type JsonObject } from '../load/located.js';
import { partitionKeys } from '../model/canonical/key-values.js';
import { withHosts } from '../model/canonical/extra-hosts.js';
import type { NetworkAttachment } from '../model/canonical/networks.js';
import { viewOf, type ServiceView } from '../model/model.js';
import { namespaceName, secretName, sidecarName } from '../model/names.js';
import type { Settings } from '../model/settings.js';
import { formatPrefix } from '../topology/cidr.js';
import { pairKey } from '../state/lockfile.js';
import type { Node, Topology } from '../topology/topology.js';
import { stringifyStack } from './stringify-stack.js';
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

/** The stack's text; with a sink, handed to it in pieces instead (and '' returned). */
export function renderStack(input: StackInput, sink?: (piece: string) => void): string {
  const { model, topology } = input;
  // The long forms of each service (the raw model is what is written back).
  const view = viewOf(model, new Set());
  const out = obj();
  // No top-level `name:`: docker-compose 1.x rejects it, and the engine is given the project
  // name (-p) by whoever runs the stack; the header comment records it.
  const services = obj();
  const rawServices = isObject(model['services']) ? model['services'] : obj();
  for (const name of Object.keys(rawServices)) {
    const svc = rawServices[name];
    const sv = view.services.get(name);
    if (!topology.nodes.has(name) || !sv) {
      services[name] = svc ?? null;
      continue;
    }
    const parts = splitService(sv, input);
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

  const comment =
    ` Rendered by wg-compose from ${input.sources.join(', ')} (project "${input.project}").\n` +
    ` Do not edit: change the input and run \`wg-compose render\` again.\n` +
    ` WireGuard configs are compose secrets read from the state directory; no key is in this file.`;
  return stringifyStack(out, comment, escapeDollars, sink);
}

function splitService(sv: ServiceView, input: StackInput): { app: JsonObject; namespace: JsonObject; sidecar: JsonObject } {
  const { name, raw: svc, canonical } = sv;
  const node = input.topology.nodes.get(name)!;
  const { settings } = input;
  const parts = sidecarParts(name, settings);

  const app = obj();
  const namespace = obj();
  Object.assign(namespace, parts.namespace);
  for (const key of Object.keys(svc)) {
    if (key === 'links') continue;
    if ((NAMESPACE_ATTRIBUTES as readonly string[]).includes(key)) continue;
    if (key === 'sysctls') {
      const { yes: net, no: other } = partitionKeys(canonical.sysctls, (k) => k.startsWith('net.'));
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
  // x-wireguard.host is the name peers dial: make the engine's DNS answer it on every network
  // the service is on, as it answers the service's own name.
  const host = sv.wireguard?.['host'];
  const dialName = typeof host === 'string' ? [host] : [];
  if (!Object.hasOwn(svc, 'network_mode')) namespace['networks'] = networksWithAlias(canonical.networks, [name, ...dialName]);
  const hosts = withHosts(canonical.extraHosts, node.hosts);
  if (hosts !== undefined) namespace['extra_hosts'] = hosts;

  // The infrastructure of a profiled service starts only with it.
  if (Object.hasOwn(svc, 'profiles')) {
    namespace['profiles'] = svc['profiles']!;
    parts.sidecar['profiles'] = svc['profiles']!;
  }
  // A file secret's content is not part of a service's definition, so without this label
  // `up` would leave a sidecar running on its old config after a rotation or a new link.
  const labels = parts.sidecar['labels'];
  if (isObject(labels)) labels[CONFIG_LABEL] = configDigest(node, input.topology);
  app['network_mode'] = `service:${namespaceName(name)}`;
  app['depends_on'] = dependsOn(sv);
  return { app, namespace, sidecar: parts.sidecar };
}

/** The sidecar label that changes whenever its wg-quick file does. */
export const CONFIG_LABEL = 'dev.wg-compose.config';

/**
 * A digest of everything in a service's wg-quick file, from public data only: the addresses,
 * port, MTU and peers, and for the secrets their public keys and epochs (the private key and
 * the PSKs change exactly when those do). Never a hash of the file itself, which holds keys.
 */
function configDigest(node: Node, topology: Topology): string {
  const peers = node.peers.map((p) => [p.service, p.publicKey, p.allowedIPs, p.endpoint, p.keepalive, topology.links.get(pairKey(node.name, p.service))?.epoch ?? 0]);
  const text = JSON.stringify([node.addresses, node.listenPort, node.mtu, node.publicKey, node.epoch, node.imported === true, peers]);
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}

/** Stands for the service name in the cached template; no service name or setting holds U+0001. */
const SERVICE_PLACEHOLDER = '\u0001wg-compose-service\u0001';
let partsCache: { readonly key: string; readonly parts: { namespace: JsonObject; sidecar: JsonObject } } | undefined;

/**
 * The namespace owner and sidecar of one service, from templates/sidecar.yml.hbs. The template
 * is rendered and parsed once per set of settings, with a placeholder for the name, and each
 * service gets a copy with its name filled in: parsing it for every service was most of the
 * time of rendering a large stack.
 */
function sidecarParts(name: string, settings: Settings): { namespace: JsonObject; sidecar: JsonObject } {
  const key = JSON.stringify([settings.image, settings.iface]);
  if (partsCache?.key !== key) {
    const parts = parse(
      template('sidecar.yml.hbs')({
        service: SERVICE_PLACEHOLDER,
        image: settings.image,
        networkMode: `service:${namespaceName(SERVICE_PLACEHOLDER)}`,
        secret: secretName(SERVICE_PLACEHOLDER),
        iface: settings.iface,
        configName: `${settings.iface}.conf`,
        configPath: `/run/secrets/${settings.iface}.conf`,
        script: embeddedScript(),
      }),
    ) as { namespace: JsonObject; sidecar: JsonObject };
    partsCache = { key, parts };
  }
  return fillName(partsCache.parts, name) as { namespace: JsonObject; sidecar: JsonObject };
}

/** A deep copy (prototype-free maps, like the rest of the model) with the placeholder replaced by the name. */
function fillName(v: unknown, name: string): Json {
  if (typeof v === 'string') return v.includes(SERVICE_PLACEHOLDER) ? v.replaceAll(SERVICE_PLACEHOLDER, () => name) : v;
  if (Array.isArray(v)) return v.map((x) => fillName(x, name));
  if (v !== null && typeof v === 'object') {
    const out = obj();
    for (const k of Object.keys(v)) out[k] = fillName((v as Record<string, unknown>)[k], name);
    return out;
  }
  return v as Json;
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
function networksWithAlias(networks: readonly NetworkAttachment[], names: readonly string[]): JsonObject {
  const out = obj();
  for (const net of networks) {
    const c = obj();
    if (net.config) Object.assign(c, net.config);
    const aliases = [...net.aliases];
    for (const n of names) if (!aliases.includes(n)) aliases.push(n);
    c['aliases'] = aliases;
    out[net.name] = c;
  }
  return out;
}

/**
 * Start order: a link made its target start first, and the application must not start
 * before its tunnel is up, so it waits for its sidecar to be healthy.
 */
function dependsOn(sv: ServiceView): JsonObject {
  const out = obj();
  for (const d of sv.canonical.dependsOn) out[d.service] = d.config;
  for (const { target } of sv.links) {
    if (!Object.hasOwn(out, target)) out[target] = { condition: 'service_started' };
  }
  out[sidecarName(sv.name)] = { condition: 'service_healthy' };
  return out;
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
  if (typeof v === 'string') return v.includes('$') ? escapedText(v) : v;
  if (Array.isArray(v)) return v.map(escapeDollars);
  if (isObject(v)) {
    const out = obj();
    for (const k of Object.keys(v)) out[k] = escapeDollars(v[k]!);
    return out;
  }
  return v;
}

/** The sidecar script, the same in every sidecar, is escaped once, not once per service. */
let lastEscaped: { readonly text: string; readonly escaped: string } | undefined;
function escapedText(text: string): string {
  if (lastEscaped?.text === text) return lastEscaped.escaped;
  const escaped = text.replaceAll('$', '$$$$');
  if (text.length > 256) lastEscaped = { text, escaped };
  return escaped;
}

const obj = (): JsonObject => Object.create(null) as JsonObject;
