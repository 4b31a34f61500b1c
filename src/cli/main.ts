// The CLI shell: parse arguments, run one command, turn every outcome into an exit code.
// This is the only place that catches: user errors arrive as diagnostics, usage errors from
// commander, and anything else is a bug, reported without a stack trace (set
// WG_COMPOSE_DEBUG=1 to see one).
//
// Command modules are imported inside their action, not here: each command pays only for what
// it uses. `check` runs on every commit and must start nearly as fast as node itself, so it
// must not load the renderer, templates or key derivation that `render` needs.
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { formatDiagnostic } from '../diagnostics.js';
import { EXIT, type CliIO } from './io.js';
import { projectOptions, withProjectOptions } from './project-options.js';

const VERSION = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;

const ABOUT = `Turns every docker-compose \`links:\` entry into an authenticated, encrypted WireGuard
peer pair between the two services, with keys it generates and keeps.`;

const FOOTER = `
Keys: a master secret in .wg-compose/ (mode 0700; files 0600) in the project directory, or
the file named by WG_COMPOSE_MASTER_KEY_FILE. Every key and PSK is derived from it; no key is
ever printed. wg-compose.lock beside the compose file holds public data only: commit it.

Exit codes: 0 ok, 1 problems in the input (diagnostics on stderr), 2 usage error,
3 an external tool failed, 4 internal error (a bug: please report it).`;

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command('wg-compose')
    .description(ABOUT)
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(see wg-compose --help)')
    .addHelpText('after', FOOTER);

  withProjectOptions(
    program
      .command('render')
      .summary('print the compose file with WireGuard sidecars; keep keys in .wg-compose/')
      .description(
        'Render the project: every linked service gets a WireGuard sidecar and a namespace owner,\n' +
          'its wg-quick config as a compose secret, and its link names resolving to tunnel addresses.\n' +
          'The stack goes to stdout (wg-compose render > stack.yml, beside the compose file);\n' +
          'configs go to .wg-compose/PROJECT/, the public allocation to wg-compose.lock.',
      )
      .option('--dry-run', 'print the plan (files with their modes, removals, commands); write nothing'),
  ).action(async (o: Record<string, unknown>) => {
    const { runRender } = await import('./render.js');
    code = await runRender(io, projectOptions(o), { dryRun: o['dryRun'] === true });
  });

  withProjectOptions(
    program
      .command('show')
      .summary('print the tunnel topology: addresses, ports, public keys, peers')
      .description('Print the public topology of the rendered project (needs the state that render creates).')
      .option('--json', 'machine-readable: {project, services:[{name, addresses, publicKey, listenPort, config, peers:[…]}]}'),
  ).action(async (o: Record<string, unknown>) => {
    const { runShow } = await import('./show.js');
    code = await runShow(io, projectOptions(o), o['json'] === true);
  });

  withProjectOptions(
    program
      .command('rotate')
      .summary('new keys for one service (SERVICE) or one link (A:B); nothing else changes')
      .description(
        'Rotate SERVICE: its key pair moves to the next epoch. Rotate A:B: the preshared key of that\n' +
          'pair moves to the next epoch. The lockfile records the epoch; the configs that carry the\n' +
          'material (both sides of each affected tunnel) are rewritten together, and which ones is\n' +
          'printed on stderr. Apply them to both sides together (README: "Rotating keys without a split").',
      )
      .argument('<target>', 'a linked service, or a linked pair as A:B')
      .option('--dry-run', 'print the plan (files with their modes, removals, commands); write nothing'),
  ).action(async (target: string, o: Record<string, unknown>) => {
    const { runRotate } = await import('./rotate.js');
    code = await runRotate(io, projectOptions(o), target, { dryRun: o['dryRun'] === true });
  });

  withProjectOptions(
    program
      .command('import')
      .summary("use an existing WireGuard private key for a service (from a file or stdin)")
      .description(
        'Import SERVICE\'s private key (as `wg genkey` prints it) from --private-key-file FILE or stdin,\n' +
          'never from the command line. It is kept in .wg-compose/PROJECT/imported/ (0600) and used at the\n' +
          "service's current epoch until `wg-compose rotate SERVICE` returns it to a derived key; the\n" +
          'lockfile records its public key and that it is imported.',
      )
      .argument('<service>', 'a linked service')
      .option('--dry-run', 'print the plan (files with their modes, removals, commands); write nothing')
      .option('--private-key-file <file>', 'file holding the private key (- or absent: stdin)'),
  ).action(async (service: string, o: Record<string, unknown>) => {
    const { runImport } = await import('./import.js');
    code = await runImport(io, projectOptions(o), service, o['privateKeyFile'] as string | undefined, { dryRun: o['dryRun'] === true });
  });

  withProjectOptions(
    program
      .command('export')
      .summary('print the public topology for other tools: services, peers, epochs, pools (no secrets)')
      .description('Print show --json plus the settings (pools, ports, MTU), every link with its epoch and the master fingerprint.')
      .addOption(new Option('--format <format>', 'output format').choices(['json', 'yaml']).default('json')),
  ).action(async (o: Record<string, unknown>) => {
    const { runExport } = await import('./export.js');
    code = await runExport(io, projectOptions(o), o['format'] === 'yaml' ? 'yaml' : 'json');
  });

  program
    .command('check')
    .summary('validate compose files for a pre-commit hook or CI: links, x-wireguard, lockfile drift, key hygiene')
    .description(
      'Check compose files without a secret and without writing anything. Each FILE is checked as\n' +
        'compose would load it (an override or compose.*.yaml overlay merged over the default file\n' +
        'beside it); each DIR is searched for compose files; with no path, the project render would use.\n' +
        'Problems are printed as file:line:col: severity CODE: message (README: "check rules").\n' +
        'Exit 0 clean, 1 errors (or warnings with --strict), 2 usage error.',
    )
    .argument('[paths...]', 'compose files, wg-compose.lock files or directories')
    .addOption(new Option('--format <format>', 'text on stderr, or a report on stdout').choices(['text', 'json', 'sarif']).default('text'))
    .option('--strict', 'warnings fail the check too')
    .option('--locked', 'a project with links but no wg-compose.lock is an error, not a note')
    .addOption(new Option('--profile <name>', 'enable services of a profile; repeatable, * for all (env COMPOSE_PROFILES)').argParser((v: string, p: string[]) => [...p, v]).default([]))
    .action(async (paths: string[], o: Record<string, unknown>) => {
      const { loadCheck } = await import('./check-entry.js');
      const { runCheck } = await loadCheck();
      code = runCheck(io, paths, {
        format: o['format'] as 'text' | 'json' | 'sarif',
        strict: o['strict'] === true,
        locked: o['locked'] === true,
        profiles: o['profile'] as string[],
      });
    });

  withProjectOptions(
    program
      .command('moby')
      .summary('print a LinuxKit (Moby) image spec running the services on one node, each linked one behind WireGuard')
      .description(
        'Print a LinuxKit image spec (wg-compose moby > wireguard.yaml): an onboot container per linked\n' +
          'service creates and configures its WireGuard link in a network namespace of its own, which the\n' +
          'service joins; peers meet on the node\'s loopback. Keys are not in the spec: they are written as\n' +
          'LinuxKit user data to .wg-compose/PROJECT/linuxkit-userdata.json (linuxkit run … --data-file F).\n' +
          'Compose features a LinuxKit node cannot have (ports, build:, health checks…) are reported.',
      )
      .option('--embed-keys', 'put the wg-quick files, private keys included, into the spec (files:, mode 0600); warned')
      .option('--stock', "LinuxKit's own kernel (WireGuard as a module) and linuxkit/ip instead of the images wg-compose build makes")
      .option('--kernel-image <ref>', 'kernel image (default: the one wg-compose build kernel tags)')
      .option('--tools-image <ref>', 'onboot image configuring each link (default: x-wireguard.image if set, else the one wg-compose build init tags)')
      .option('--dry-run', 'print the plan (files with their modes, removals, commands); write nothing'),
  ).action(async (o: Record<string, unknown>) => {
    const { runMoby } = await import('./moby.js');
    code = await runMoby(io, projectOptions(o), {
      embedKeys: o['embedKeys'] === true,
      stock: o['stock'] === true,
      kernelImage: o['kernelImage'] as string | undefined,
      toolsImage: o['toolsImage'] as string | undefined,
      dryRun: o['dryRun'] === true,
    });
  });

  program
    .command('build')
    .summary('build the kernel and init (tools) images with docker, podman, buildah or linuxkit')
    .description(
      'Build the images in kernel/: kernel (a LinuxKit kernel with WireGuard built in) and init (the\n' +
        'tools image: wireguard-tools, wireguard-go, the sidecar and LinuxKit onboot programs; it is also\n' +
        'the compose sidecar image). Each is tagged localhost/wg-compose/NAME:<hash of its build context>\n' +
        'and :latest; an image whose hash tag exists is not rebuilt. The builder\'s output goes to stderr,\n' +
        'the image references to stdout. Builder: --builder, else WG_COMPOSE_BUILDER, else the first of\n' +
        'docker (if its daemon answers), podman, buildah on PATH. Exit 3 when no builder is found or it fails.',
    )
    .argument('[target]', 'kernel, init or all', 'all')
    .option('--builder <builder>', 'docker, podman, buildah or linuxkit, or a path to one of them')
    .option('--build-arg <KEY=VALUE>', 'build argument, repeatable (e.g. BASE=localhost/my-base for init)', (v: string, p: string[]) => [...p, v], [])
    .option('--dry-run', 'stage the contexts and print the exact commands; run nothing')
    .action(async (target: string, o: Record<string, unknown>) => {
      if (target !== 'kernel' && target !== 'init' && target !== 'all') {
        io.stderr(`wg-compose: error: unknown build target ${JSON.stringify(target)} (kernel, init or all)\n`);
        code = EXIT.usage;
        return;
      }
      const { runBuild } = await import('./build.js');
      code = await runBuild(io, {
        target,
        builder: o['builder'] as string | undefined,
        dryRun: o['dryRun'] === true,
        buildArgs: o['buildArg'] as string[],
      });
    });

  withProjectOptions(
    program
      .command('up')
      .summary('render, run the compose engine with the stack, and wait until every tunnel is ready')
      .description(
        'Render the project, write the stack to .wg-compose/PROJECT/stack.yml and run\n' +
          'the compose engine with it, detached:\n' +
          '  ENGINE -p PROJECT --project-directory DIR -f STACK up -d [ARGS]\n' +
          'then wait until every sidecar has configured its interface and shaken hands\n' +
          'with each peer that is up. ENGINE: --engine, else WG_COMPOSE_ENGINE, else the\n' +
          'first there of docker compose, docker-compose, podman compose, podman-compose.\n' +
          "Arguments after -- go to the engine's up. The engine's output and the progress\n" +
          'go to stderr. Exit 3 when the engine fails or a tunnel is not ready in time.',
      )
      .argument('[args...]', "after --: arguments for the engine's up (e.g. -- --no-recreate web)")
      .option('--engine <command>', 'compose engine command line, e.g. "docker compose" or docker-compose (env WG_COMPOSE_ENGINE)')
      .option('--build', "build the services' images before starting them (the engine's up --build)")
      .option('--dry-run', 'print the exact commands; write and run nothing')
      .option('--timeout <seconds>', 'how long to wait for the tunnels once the first sidecar exists', '120'),
  ).action(async (args: string[], o: Record<string, unknown>) => {
    const timeout = Number(o['timeout']);
    if (!Number.isFinite(timeout) || timeout <= 0) {
      io.stderr(`wg-compose: error: --timeout must be a positive number of seconds, not ${JSON.stringify(o['timeout'])}\n`);
      code = EXIT.usage;
      return;
    }
    const { runUp } = await import('./up.js');
    code = await runUp(io, {
      project: projectOptions(o),
      engine: o['engine'] as string | undefined,
      build: o['build'] === true,
      dryRun: o['dryRun'] === true,
      timeout,
      extra: args,
    });
  });

  withProjectOptions(
    program
      .command('down')
      .summary("the compose engine's down for the project up started; keys stay")
      .description(
        'Stop and remove the containers and networks of the project, with the stack\n' +
          'up wrote (so a compose file changed since still takes down what runs).\n' +
          'Containers that joined a namespace owner go first: podman refuses to remove\n' +
          'an owner while they exist. The state directory, keys included, stays.',
      )
      .argument('[args...]', "after --: arguments for the engine's down (e.g. -- -v)")
      .option('--engine <command>', 'compose engine command line (env WG_COMPOSE_ENGINE)')
      .option('--dry-run', 'print the exact commands; run nothing'),
  ).action(async (args: string[], o: Record<string, unknown>) => {
    const { runDown } = await import('./down.js');
    code = await runDown(io, { project: projectOptions(o), engine: o['engine'] as string | undefined, dryRun: o['dryRun'] === true, extra: args });
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    // Only a command that writes state can throw this, and it has loaded the module by then.
    const { UnsafePathError } = await import('../state/atomic.js');
    if (e instanceof UnsafePathError) {
      io.stderr(`${formatDiagnostic({ code: 'WGC060', severity: 'error', message: e.message })}\n`);
      return EXIT.input;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && typeof err.syscall === 'string') {
      // The file system said no (permissions, a full disk): the user's environment, not a bug.
      io.stderr(`wg-compose: error: ${err.syscall} ${err.path ?? ''}: ${err.code}\n`);
      return EXIT.input;
    }
    io.stderr(`wg-compose: internal error: ${err?.message ?? String(e)}\nThis is a bug in wg-compose; please report it with the command you ran.\n`);
    if (io.env['WG_COMPOSE_DEBUG']) io.stderr(`${err?.stack ?? ''}\n`);
    return EXIT.internal;
  }
}
