// The CLI shell: parse arguments, run one command, turn every outcome into an exit code.
// This is the only place that catches: user errors arrive as diagnostics, usage errors from
// commander, and anything else is a bug, reported without a stack trace (set
// WG_COMPOSE_DEBUG=1 to see one).
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { formatDiagnostic } from '../diagnostics.js';
import { UnsafePathError } from '../state/atomic.js';
import { EXIT, type CliIO } from './io.js';
import { projectOptions, withProjectOptions } from './project-options.js';
import { runRender } from './render.js';
import { runShow } from './show.js';

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
      ),
  ).action((o: Record<string, unknown>) => {
    code = runRender(io, projectOptions(o));
  });

  withProjectOptions(
    program
      .command('show')
      .summary('print the tunnel topology: addresses, ports, public keys, peers')
      .description('Print the public topology of the rendered project (needs the state that render creates).')
      .option('--json', 'machine-readable: {project, services:[{name, addresses, publicKey, listenPort, config, peers:[…]}]}'),
  ).action((o: Record<string, unknown>) => {
    code = runShow(io, projectOptions(o), o['json'] === true);
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
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
