// The commands around a project: check (commit hooks and CI), build (the images), up and down
// (the compose engine). Each module is imported when its command runs (see main.ts for why).
import { Argument, Option } from 'commander';
import { checkCliOptions } from './check-options.js';
import { checkOptions, defineCommand, type WithProject } from './command-spec.js';
import { dryRunOption, keyValue, positiveSeconds, targetOption } from './options.js';

export const check = defineCommand<Record<string, unknown> & { readonly paths: string[] }>({
  name: 'check',
  summary: 'validate compose files for a pre-commit hook or CI: links, x-wireguard, lockfile drift, key hygiene',
  description:
    'Check compose files without a secret and without writing anything. Each FILE is checked as\n' +
    'compose would load it (an override or compose.*.yaml overlay merged over the default file\n' +
    'beside it); each DIR is searched for compose files; with no path, the project render would use.\n' +
    'Problems are printed as file:line:col: severity CODE: message (README: "check rules").\n' +
    'Exit 0 clean, 1 errors (or warnings with --strict), 2 usage error.',
  arguments: [new Argument('[paths...]', 'compose files, wg-compose.lock files or directories')],
  // Declared as data in check-options.ts: the quick way in (check-entry.ts) parses the same table.
  options: checkOptions(),
  run: async (io, o) => {
    const { loadCheck } = await import('./check-entry.js');
    return (await loadCheck()).runCheck(io, o.paths, checkCliOptions(o));
  },
});

interface BuildValues extends WithProject {
  readonly target: 'kernel' | 'init' | 'all' | 'services';
  readonly builder?: string;
  readonly buildArg: readonly (readonly [string, string])[];
  readonly dryRun?: boolean;
}

export const build = defineCommand<BuildValues>({
  name: 'build',
  summary: 'build the kernel and init (tools) images with docker, podman, buildah or linuxkit',
  description:
    'Build the images in kernel/: kernel (a LinuxKit kernel with WireGuard built in) and init (the\n' +
    'tools image: wireguard-tools, wireguard-go, the sidecar and LinuxKit onboot programs; it is also\n' +
    'the compose sidecar image). Each is tagged localhost/wg-compose/NAME:<hash of its build context>\n' +
    "and :latest; an image whose hash tag exists is not rebuilt. The builder's output goes to stderr,\n" +
    'the image references to stdout. Builder: --builder, else WG_COMPOSE_BUILDER, else the first of\n' +
    'docker (if its daemon answers), podman, buildah on PATH. Exit 3 when no builder is found or it\n' +
    'fails. ' +
    'build services builds the project\'s build: services instead (project options select it), each\n' +
    'tagged as the LinuxKit spec of `wg-compose moby` runs it: its image:, else PROJECT-SERVICE.',
  arguments: [new Argument('[target]', 'kernel, init, all (kernel and init) or services (the project\'s build: services)').choices(['kernel', 'init', 'all', 'services']).default('all')],
  options: [
    // Checked by `build` itself: WG_COMPOSE_BUILDER names one the same way, and needs the same check.
    new Option('--builder <builder>', 'docker, podman, buildah or linuxkit, or a path to one of them'),
    new Option('--build-arg <KEY=VALUE>', 'build argument, repeatable (e.g. BASE=localhost/my-base for init)').argParser(keyValue).default([]),
    dryRunOption('stage the contexts and print the exact commands; run nothing'),
  ],
  project: true,
  run: async (io, o) =>
    (await import('./build.js')).runBuild(io, { target: o.target, builder: o.builder, dryRun: o.dryRun === true, buildArgs: o.buildArg, project: o.project }),
});

interface EngineValues extends WithProject {
  readonly args: string[];
  readonly engine?: string;
  readonly dryRun?: boolean;
}

export const up = defineCommand<EngineValues & { readonly build?: boolean; readonly timeout: number; readonly detach?: boolean }>({
  name: 'up',
  summary: 'render, run the compose engine with the stack, and wait until every tunnel is ready',
  description:
    'Render the project, write the stack to .wg-compose/PROJECT/stack.yml and run\n' +
    'the compose engine with it, detached:\n' +
    '  ENGINE -p PROJECT --project-directory DIR -f STACK up -d [ARGS]\n' +
    'then wait until every sidecar has configured its interface and shaken hands\n' +
    'with each peer that is up. ENGINE: --engine, else WG_COMPOSE_ENGINE, else the\n' +
    'first there of docker compose, docker-compose, podman compose, podman-compose.\n' +
    'Then, as compose does, it stays attached to the project\'s logs until Ctrl-C,\n' +
    'which stops the containers; with -d it returns once the tunnels are ready.\n' +
    "Arguments after -- go to the engine's up. The engine's output and the progress\n" +
    'go to stderr. Exit 3 when the engine fails or a tunnel is not ready in time.',
  arguments: [new Argument('[args...]', "after --: arguments for the engine's up (e.g. -- --no-recreate web)")],
  options: [
    new Option('--engine <command>', 'compose engine command line, e.g. "docker compose" or docker-compose (env WG_COMPOSE_ENGINE)'),
    new Option('--build', "build the services' images before starting them (the engine's up --build)"),
    dryRunOption('print the exact commands; write and run nothing'),
    new Option('--timeout <seconds>', 'how long to wait for the tunnels once the first sidecar exists').argParser(positiveSeconds).default(120),
    new Option('-d, --detach', 'return once every tunnel is ready, leaving the project running (else: follow its logs until Ctrl-C)'),
  ],
  project: true,
  run: async (io, o) =>
    (await import('./up.js')).runUp(io, {
      project: o.project,
      engine: o.engine,
      build: o.build === true,
      dryRun: o.dryRun === true,
      timeout: o.timeout,
      extra: o.args,
      detach: o.detach === true,
    }),
});

export const down = defineCommand<EngineValues>({
  name: 'down',
  summary: "the compose engine's down for the project up started; keys stay",
  description:
    'Stop and remove the containers and networks of the project, with the stack\n' +
    'up wrote (so a compose file changed since still takes down what runs).\n' +
    'Containers that joined a namespace owner go first: podman refuses to remove\n' +
    'an owner while they exist. The state directory, keys included, stays.',
  arguments: [new Argument('[args...]', "after --: arguments for the engine's down (e.g. -- -v)")],
  options: [new Option('--engine <command>', 'compose engine command line (env WG_COMPOSE_ENGINE)'), dryRunOption('print the exact commands; run nothing')],
  project: true,
  run: async (io, o) => (await import('./down.js')).runDown(io, { project: o.project, engine: o.engine, dryRun: o.dryRun === true, extra: o.args }),
});


export const deploy = defineCommand<WithProject & { readonly dryRun?: boolean; readonly timeout: number }>({
  name: 'deploy',
  summary: 'deploy to Docker Swarm: render for swarm, docker stack deploy, wait until every tunnel is up',
  description:
    'Render the project for Docker Swarm (as render --target swarm), write the stack to\n' +
    '.wg-compose/PROJECT/swarm/stack.yml and deploy it to the swarm of the current docker context\n' +
    '(or DOCKER_HOST) with the docker CLI (WG_COMPOSE_DOCKER names another):\n' +
    '  docker stack deploy --resolve-image never --prune -c - PROJECT   (the stack on stdin)\n' +
    'then wait until every task of every linked service has its tunnel up, passing traffic to\n' +
    'each peer (a handshake, and a ping through the tunnel where the image has ping), with progress\n' +
    'on stderr (tasks running, tunnels up, per node), and remove the secrets of earlier deploys no\n' +
    'task uses. Exit 3 when docker fails or a tunnel is not up in time, naming each task that is\n' +
    'not ready and why.',
  options: [
    dryRunOption('print what would be written and the exact commands; write and run nothing'),
    new Option('--timeout <seconds>', 'how long to wait for the tunnels after the deploy').argParser(positiveSeconds).default(180),
  ],
  project: true,
  run: async (io, o) => (await import('./deploy.js')).runDeploy(io, { project: o.project, dryRun: o.dryRun === true, timeout: o.timeout }),
});

export const status = defineCommand<WithProject & { readonly json?: boolean; readonly watch?: boolean; readonly engine?: string; readonly target: 'compose' | 'swarm' }>({
  name: 'status',
  summary: 'is every link up? one line per link direction, from the running sidecars',
  description:
    'Look at every running sidecar of the project: its status file, which it writes every 10 s into\n' +
    '.wg-compose/PROJECT/status/ (or, when that is missing, old or shows a link not up, the sidecar\n' +
    'itself, through the engine: docker or podman exec). Print one line per link direction: the\n' +
    "two services, the state, the last handshake's age, bytes each way and the endpoint. States:\n" +
    'up; no handshake yet; stale (last handshake older than 180 s: no usable session); peer not\n' +
    "running; not running (this side's sidecar); interface down. A sidecar pings a peer through the\n" +
    'tunnel when their last handshake is over 120 s old, so an idle but healthy link shows up.\n' +
    'Exit 0 when every direction is up, 1 otherwise (a health probe for scripts). No key is\n' +
    'printed, nor written to the status files: the sidecars drop the keys at the source.\n' +
    'With --target swarm, the stack deploy runs: a one-shot global job looks on every node (docker\n' +
    'service create --mode global-job, removed after), and each line names the node.',
  options: [
    new Option('--json', 'machine-readable: {project, target, up, links:[{from, to, names, state, lastHandshakeSeconds, rxBytes, txBytes, endpoint}]}'),
    new Option('--watch', 'look again every 2 s until Ctrl-C (in place on a terminal)'),
    new Option('--engine <command>', 'the compose engine command line; podman\'s means podman is asked (env WG_COMPOSE_ENGINE)'),
    targetOption(),
  ],
  project: true,
  run: async (io, o) => (await import('./status.js')).runStatus(io, { project: o.project, json: o.json === true, watch: o.watch === true, engine: o.engine, target: o.target }),
});

export const rm = defineCommand<WithProject & { readonly dryRun?: boolean; readonly timeout: number }>({
  name: 'rm',
  summary: 'remove the project\'s swarm stack and its secrets; keys stay',
  description:
    'docker stack rm PROJECT, then wait until its services and networks are gone and remove every\n' +
    'secret wg-compose made for it. The state directory, keys included, stays: the next deploy\n' +
    'brings the same tunnels back.',
  options: [
    dryRunOption('print the commands; run nothing'),
    new Option('--timeout <seconds>', 'how long to wait for the stack to go').argParser(positiveSeconds).default(120),
  ],
  project: true,
  run: async (io, o) => (await import('./deploy.js')).runRm(io, { project: o.project, dryRun: o.dryRun === true, timeout: o.timeout }),
});
