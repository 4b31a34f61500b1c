// The rendered compose file: the input model with every link turned into a WireGuard pair.
// Each linked service becomes three services (see templates/sidecar.yml.hbs for why):
// the application, a namespace owner and a WireGuard sidecar. Everything that is not a link
// is kept as the user wrote it; only what an engine forbids on a container that joins another
// namespace (DESIGN.md §5) moves to the namespace owner.
import { isObject, type Json, type JsonObject } from '../load/located.js';
import { partitionKeys } from '../model/canonical/key-values.js';
import { withHosts } from '../model/canonical/extra-hosts.js';
import type { NetworkAttachment } from '../model/canonical/networks.js';
import { serviceView, type ServiceView } from '../model/model.js';
import { namespaceName, secretName, sidecarName } from '../model/names.js';
import type { Settings } from '../model/settings.js';
import type { Topology } from '../topology/topology.js';
import { writeStackText } from './stringify-stack.js';
import { CONFIG_LABEL, configDigest, publicBlock } from './public-data.js';
import { dollarEscaper } from './dollar-escape.js';
import { fillName, sharedScript, sidecarTemplate, type SidecarParts } from './sidecar-parts.js';

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
  // The sidecar template, rendered and parsed once for this stack (see sidecarTemplate).
  const sidecar = sidecarTemplate(input.settings, input.project);
  const rawServices = isObject(model['services']) ? model['services'] : obj();
  // No top-level `name:`: docker-compose 1.x rejects it, and the engine is given the project
  // name (-p) by whoever runs the stack; the header comment records it.
  const rest = obj();
  for (const key of Object.keys(model)) {
    if (key === 'services' || key === 'name' || key === 'x-wireguard' || key === 'secrets') continue;
    rest[key] = model[key]!;
  }
  const secrets = obj();
  if (isObject(model['secrets'])) Object.assign(secrets, model['secrets']);
  for (const name of [...topology.nodes.keys()].sort()) {
    secrets[secretName(name)] = { file: input.configPaths.get(name)! };
  }
  if (Object.keys(secrets).length > 0) rest['secrets'] = secrets;
  rest['x-wireguard'] = publicBlock(input);

  const comment =
    ` Rendered by wg-compose from ${input.sources.join(', ')} (project "${input.project}").\n` +
    ` Do not edit: change the input and run \`wg-compose render\` again.\n` +
    ` WireGuard configs are compose secrets read from the state directory; no key is in this file.`;
  const shared = sharedScript(sidecar);
  return writeStackText({ services: renderedServices(rawServices, input, sidecar), rest }, { comment, prepare: dollarEscaper(), ...(shared ? { shared } : {}) }, sink);
}

/**
 * The stack's services in order, each linked one followed by its namespace owner and sidecar,
 * made one at a time as they are written: all 30,000 of a 10,000-service stack at once would
 * be tens of megabytes held until the last is written.
 */
function* renderedServices(rawServices: JsonObject, input: StackInput, sidecar: SidecarParts): Generator<readonly [string, Json]> {
  for (const name of Object.keys(rawServices)) {
    const svc = rawServices[name];
    if (!input.topology.nodes.has(name) || !isObject(svc)) {
      yield [name, svc ?? null];
      continue;
    }
    // The long forms of this service, made as it is rendered (and dropped after), as the service is.
    const parts = splitService(serviceView(name, svc), input, sidecar);
    yield [name, parts.app];
    yield [namespaceName(name), parts.namespace];
    yield [sidecarName(name), parts.sidecar];
  }
}

function splitService(sv: ServiceView, input: StackInput, sidecar: SidecarParts): { app: JsonObject; namespace: JsonObject; sidecar: JsonObject } {
  const { name, raw: svc, canonical } = sv;
  const node = input.topology.nodes.get(name)!;
  const parts = { namespace: fillName(sidecar.namespace, name) as JsonObject, sidecar: fillName(sidecar.sidecar, name) as JsonObject };

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
  // Every replica answers to the replicated service's name, as compose's DNS does for a scaled service.
  const origin = node.slot && node.slot.service !== name ? [node.slot.service] : [];
  if (!Object.hasOwn(svc, 'network_mode')) namespace['networks'] = networksWithAlias(canonical.networks, [name, ...origin, ...dialName]);
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

/**
 * The application keeps its name on every network through an alias on the namespace owner,
 * so services that are not linked reach it exactly as before.
 */
export function networksWithAlias(networks: readonly NetworkAttachment[], names: readonly string[]): JsonObject {
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

const obj = (): JsonObject => Object.create(null) as JsonObject;
