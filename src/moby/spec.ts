// `wg-compose moby`: the project as one LinuxKit node (a Moby image spec), following
// LinuxKit's own WireGuard pattern (examples/wireguard.yml):
//
// - one onboot container per linked service, `net: new`, whose runtime creates a WireGuard
//   link (`runtime.interfaces: add: wireguard, createInRoot: true`) and keeps the container's
//   network namespace at /run/netns/IFACE (`bindNS.net`); it configures the link from the
//   service's wg-quick file and exits;
// - the service joins that namespace (`net: /run/netns/IFACE`): its only interfaces are
//   loopback and the tunnel, so its only way to its peers is WireGuard;
// - createInRoot: LinuxKit's init creates the link in the root namespace and then moves it
//   (pkg/init/cmd/service/prepare.go). A WireGuard link keeps its UDP socket in the
//   namespace it was created in, so every listen port is on the node's root namespace and each
//   peer's endpoint is 127.0.0.1:<its listen port>; the links are named by those ports
//   (wg51820…), unique on the node, as one root namespace holds them all before the move.
//
// Keys stay out of the image by default: each wg-quick file is a LinuxKit user-data entry
// (pkg/metadata turns the JSON into /run/config/wg-compose/IFACE.conf at boot) and only the
// onboot container of that interface binds its own file. --embed-keys puts them in `files:`.
import { Document, isMap, isSeq, type YAMLMap } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';
import { isObject, type JsonObject } from '../load/located.js';
import { viewOf, type ModelView } from '../model/model.js';
import { OPTIONS } from '../render/yaml-text.js';
import type { Secrets, Topology } from '../topology/topology.js';
import { STOCK, USERDATA_KEY } from './images.js';
import { hostsFilePath, interfaceName, linkEntries, netnsPath } from './links.js';
import { projectLevel } from './project-level.js';
import { serviceEntry } from './service.js';

export interface MobyImages {
  /** The kernel image (ours: WireGuard built in), or LinuxKit's stock one. */
  readonly kernel: string;
  /** The onboot image that configures each link: ours (wg-compose-onboot), or linuxkit/ip. */
  readonly tools: string;
  /** linuxkit/ip's lk-wg-config instead of wg-compose-onboot. */
  readonly stockTools: boolean;
}

export interface MobyInput {
  readonly project: string;
  /** The merged compose model (with source positions, for diagnostics). */
  readonly model: JsonObject;
  /** Services the active profiles disabled: not on the node. */
  readonly disabled: ReadonlySet<string>;
  readonly topology: Topology;
  readonly secrets: Secrets;
  readonly images: MobyImages;
  readonly embedKeys: boolean;
  /** For the header comment. */
  readonly sources: readonly string[];
  /** For the header comment: where the user-data file is, relative to the project directory. */
  readonly userdataPath: string;
}

export interface MobyOutput {
  /** The LinuxKit YAML (stdout). Holds private keys only with embedKeys. */
  readonly yaml: string;
  /** The spec as data, for validation. */
  readonly spec: JsonObject;
  /** Metadata-package JSON holding every wg-quick file. Secret. Empty with embedKeys. */
  readonly userdata: string;
  readonly diagnostics: Diagnostic[];
}

export function renderMoby(input: MobyInput): MobyOutput {
  const { topology, model } = input;
  // The long forms of each service's attributes (the model stays for its positions).
  const view = viewOf(model, input.disabled);
  const linked = [...topology.nodes.keys()].sort();
  const ifaceOf = new Map(linked.map((s) => [s, interfaceName(topology.nodes.get(s)!)]));
  const netnsOf = new Map([...ifaceOf].map(([s, i]) => [s, netnsPath(i)]));

  const { onboot, files, userdataEntries } = linkEntries(input, view, linked, ifaceOf, netnsOf);
  const { services, diagnostics } = serviceEntries(input, view, ifaceOf, netnsOf);
  diagnostics.push(...projectLevel(model));

  const spec: JsonObject = {
    kernel: { image: input.images.kernel, cmdline: STOCK.cmdline },
    init: [...STOCK.init],
    onboot,
    services,
  };
  if (files.length) spec['files'] = files;

  const userdata = input.embedKeys || linked.length === 0 ? '' : `${JSON.stringify({ [USERDATA_KEY]: { entries: userdataEntries } }, null, 2)}\n`;
  return { yaml: toYaml(spec, input, ifaceOf), spec, userdata, diagnostics };
}

/** The `services:` section, in the model's order, and what each service could not carry over. */
function serviceEntries(
  input: MobyInput,
  view: ModelView,
  ifaceOf: ReadonlyMap<string, string>,
  netnsOf: ReadonlyMap<string, string>,
): { services: JsonObject[]; diagnostics: Diagnostic[] } {
  const { model } = input;
  const diagnostics: Diagnostic[] = [];
  const rawServices = isObject(model['services']) ? model['services'] : {};
  // Entropy for the node, as in LinuxKit's examples (unless a service already has that name).
  const services: JsonObject[] = Object.hasOwn(rawServices, 'rngd') ? [] : [{ name: 'rngd', image: STOCK.rngd }];
  const volumes = isObject(model['volumes']) ? model['volumes'] : {};
  for (const name of Object.keys(rawServices)) {
    const sv = view.services.get(name);
    if (!sv || input.disabled.has(name)) continue;
    const iface = ifaceOf.get(name);
    const r = serviceEntry({
      project: input.project,
      name,
      svc: sv.raw,
      canonical: sv.canonical,
      net: netnsOf.get(name),
      netnsOf,
      hostsFile: iface ? hostsFilePath(iface) : undefined,
      volumes,
    });
    diagnostics.push(...r.diagnostics);
    if (r.entry) services.push(r.entry);
  }
  return { services, diagnostics };
}

function toYaml(spec: JsonObject, input: MobyInput, ifaceOf: ReadonlyMap<string, string>): string {
  // YAML 1.1 quoting: linuxkit reads the spec with Go's yaml.v2, where an unquoted `yes` in a
  // command is a boolean; quoting for 1.1 is also valid YAML 1.2.
  const doc = new Document(spec, OPTIONS);
  doc.commentBefore =
    ` LinuxKit image spec rendered by wg-compose from ${input.sources.join(', ')} (project "${input.project}").\n` +
    ` Do not edit: change the input and run \`wg-compose moby\` again.\n` +
    (input.embedKeys
      ? ' WARNING: private keys are embedded below (--embed-keys): treat this file and every image built from it as secret.'
      : ` No key is in this file: boot the node with ${input.userdataPath} as its user data\n` +
        ` (linuxkit run … --data-file ${input.userdataPath}); linuxkit/metadata puts each\n` +
        ` interface's config in /run/config/${USERDATA_KEY}/.`);
  // A comment on each WireGuard onboot entry and linked service: which service, which address.
  const byIface = new Map([...ifaceOf].map(([s, i]) => [i, s]));
  const onboot = doc.get('onboot', true);
  if (isSeq(onboot)) {
    for (const item of onboot.items) {
      if (!isMap(item)) continue;
      const service = byIface.get(String((item as YAMLMap).get('name')));
      const node = service === undefined ? undefined : input.topology.nodes.get(service);
      if (node) item.commentBefore = ` service "${service}": ${node.addresses.join(', ')}, listening on 127.0.0.1:${node.listenPort}`;
    }
  }
  return doc.toString({ lineWidth: 0 });
}
