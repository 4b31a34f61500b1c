// The commands that read or write a project's keys and state: render, show, rotate, import,
// export and moby. Each module is imported when its command runs (see main.ts for why).
import { Argument, Option } from 'commander';
import { defineCommand, type WithProject } from './command-spec.js';
import { EXIT } from './io.js';
import type { Target } from '../state/paths.js';
import { dryRunOption, targetOption } from './options.js';

const SHOW_FORMATS = ['table', 'json', 'mermaid', 'dot'] as const;
type ShowFormat = (typeof SHOW_FORMATS)[number];

/** Commands that write state take --dry-run; the run functions receive it as `{ dryRun }`. */
interface DryRun {
  readonly dryRun?: boolean;
}
const PLAN_ONLY = 'print what would be written (files with their modes) and write nothing';

export const render = defineCommand<WithProject & DryRun & { readonly target?: Target }>({
  name: 'render',
  summary: 'print the compose file with WireGuard sidecars; keep keys in .wg-compose/',
  description:
    'Render the project: every linked service gets a WireGuard sidecar and a namespace owner,\n' +
    'its wg-quick config as a compose secret, and its link names resolving to tunnel addresses.\n' +
    'The stack goes to stdout (wg-compose render > stack.yml, beside the compose file);\n' +
    'configs go to .wg-compose/PROJECT/, the public allocation to wg-compose.lock.\n' +
    'With --target swarm, a stack for docker stack deploy instead: each linked service (each\n' +
    'replica) carries its config as a swarm secret, a node agent (one task per node) joins a\n' +
    'WireGuard sidecar to each of its tasks, and peers meet at their tasks\' overlay addresses;\n' +
    'its configs go to .wg-compose/PROJECT/swarm/.',
  options: [dryRunOption(PLAN_ONLY), targetOption()],
  project: true,
  run: async (io, o) => (await import('./render.js')).runRender(io, { ...o.project, target: o.target ?? 'compose' }, { dryRun: o.dryRun === true }),
});

export const show = defineCommand<WithProject & { readonly json?: boolean; readonly format: ShowFormat }>({
  name: 'show',
  summary: 'print the tunnel topology: addresses, ports, public keys, peers; or draw it',
  description:
    'Print the public topology of the rendered project (needs the state that render creates).\n' +
    '--format table (the default) is for people; json is a contract for scripts (README); mermaid\n' +
    'and dot draw it: services with their tunnel addresses, links as edges labelled with their\n' +
    'names, replicas grouped, services without a link apart (paste mermaid into markdown; render\n' +
    'dot with Graphviz: wg-compose show --format dot | dot -Tsvg > topology.svg).',
  options: [
    new Option('--format <format>', 'table, json, mermaid (a Mermaid graph) or dot (Graphviz)').choices(SHOW_FORMATS).default('table'),
    new Option('--json', 'the same as --format json: {project, services:[{name, addresses, publicKey, listenPort, config, peers:[…]}]}'),
  ],
  project: true,
  run: async (io, o) => (await import('./show.js')).runShow(io, o.project, o.json === true ? 'json' : o.format),
});

export const rotate = defineCommand<WithProject & DryRun & { readonly target: string }>({
  name: 'rotate',
  summary: 'new keys for one service (SERVICE) or one link (A:B); nothing else changes',
  description:
    'Rotate SERVICE: its key pair moves to the next epoch. Rotate A:B: the preshared key of that\n' +
    'pair moves to the next epoch. The lockfile records the epoch; the configs that carry the\n' +
    'material (both sides of each affected tunnel) are rewritten together, and which ones is\n' +
    'printed on stderr. Apply them to both sides together (README: "Rotating keys without a split").',
  arguments: [new Argument('<target>', 'a linked service, or a linked pair as A:B')],
  options: [dryRunOption(PLAN_ONLY)],
  project: true,
  run: async (io, o) => (await import('./rotate.js')).runRotate(io, o.project, o.target, { dryRun: o.dryRun === true }),
});

export const importKey = defineCommand<WithProject & DryRun & { readonly service: string; readonly privateKeyFile?: string }>({
  name: 'import',
  summary: 'use an existing WireGuard private key for a service (from a file or stdin)',
  description:
    "Import SERVICE's private key (as `wg genkey` prints it) from --private-key-file FILE or stdin,\n" +
    'never from the command line. It is kept in .wg-compose/PROJECT/imported/ (0600) and used at the\n' +
    "service's current epoch until `wg-compose rotate SERVICE` returns it to a derived key; the\n" +
    'lockfile records its public key and that it is imported.',
  arguments: [new Argument('<service>', 'a linked service')],
  options: [new Option('--private-key-file <file>', 'file holding the private key (- or absent: stdin)'), dryRunOption(PLAN_ONLY)],
  project: true,
  run: async (io, o) => {
    if (o.project.files.includes('-') && (o.privateKeyFile === undefined || o.privateKeyFile === '-')) {
      const { error } = await import('../diagnostics.js');
      const { report } = await import('./report.js');
      report(io, [error('WGC103', 'standard input holds the compose file (-f -): give the private key with --private-key-file FILE')]);
      return EXIT.usage;
    }
    return (await import('./import.js')).runImport(io, o.project, o.service, o.privateKeyFile, { dryRun: o.dryRun === true });
  },
});

export const exportTopology = defineCommand<WithProject & { readonly format: 'json' | 'yaml' }>({
  name: 'export',
  summary: 'print the public topology for other tools: services, peers, epochs, pools (no secrets)',
  description: 'Print show --json plus the settings (pools, ports, MTU), every link with its epoch and the\nmaster fingerprint.',
  options: [new Option('--format <format>', 'output format').choices(['json', 'yaml']).default('json')],
  project: true,
  run: async (io, o) => (await import('./export.js')).runExport(io, o.project, o.format),
});

interface MobyValues extends WithProject, DryRun {
  readonly embedKeys?: boolean;
  readonly stock?: boolean;
  readonly kernelImage?: string;
  readonly toolsImage?: string;
}

export const moby = defineCommand<MobyValues>({
  name: 'moby',
  summary: 'print a LinuxKit (Moby) image spec running the services on one node, each linked one behind WireGuard',
  description:
    'Print a LinuxKit image spec (wg-compose moby > wireguard.yaml): an onboot container per linked\n' +
    'service creates and configures its WireGuard link in a network namespace of its own, which the\n' +
    "service joins; peers meet on the node's loopback. Keys are not in the spec: they are written as\n" +
    'LinuxKit user data to .wg-compose/PROJECT/linuxkit-userdata.json (linuxkit run … --data-file F).\n' +
    'Compose features a LinuxKit node cannot have (ports, build:, health checks…) are reported.',
  options: [
    new Option('--embed-keys', 'put the wg-quick files, private keys included, into the spec (files:, mode 0600); warned'),
    new Option('--stock', "LinuxKit's own kernel (WireGuard as a module) and linuxkit/ip instead of the images wg-compose build makes"),
    new Option('--kernel-image <ref>', 'kernel image (default: the one wg-compose build kernel tags)'),
    new Option('--tools-image <ref>', 'onboot image configuring each link (default: x-wireguard.image if set, else the one wg-compose build init tags)'),
    dryRunOption(PLAN_ONLY),
  ],
  project: true,
  run: async (io, o) =>
    (await import('./moby.js')).runMoby(io, o.project, {
      embedKeys: o.embedKeys === true,
      stock: o.stock === true,
      kernelImage: o.kernelImage,
      toolsImage: o.toolsImage,
      dryRun: o.dryRun === true,
    }),
});
