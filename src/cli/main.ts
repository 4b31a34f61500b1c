// The CLI shell: parse arguments, run one command, turn every outcome into an exit code.
// The commands are a table (commands-state.ts, commands-tools.ts), each declared the same way
// (command-spec.ts): help, arguments and options with their checks, and a run function taking
// one typed object. Thrown errors become exit codes in failure.ts, the only place that catches;
// user errors arrive as diagnostics. Set WG_COMPOSE_DEBUG=1 to see a bug's stack trace.
//
// Command modules are imported inside their run function, not here: each command pays only for
// what it uses. `check` runs on every commit and must start nearly as fast as node itself, so
// it must not load the renderer, templates or key derivation that `render` needs.
import { createRequire } from 'node:module';
import { Command } from 'commander';
import type { Registration } from './command-spec.js';
import { exportTopology, importKey, moby, render, rotate, show } from './commands-state.js';
import { build, check, deploy, down, rm, status, up } from './commands-tools.js';
import { exitCodeOf } from './failure.js';
import { EXIT, type CliIO } from './io.js';

const VERSION = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;

const ABOUT = `Turns every docker-compose \`links:\` entry into an authenticated, encrypted WireGuard
peer pair between the two services, with keys it generates and keeps.`;

const FOOTER = `
Keys: a master secret in .wg-compose/ (mode 0700; files 0600) in the project directory, or
the file named by WG_COMPOSE_MASTER_KEY_FILE. Every key and PSK is derived from it; no key is
ever printed. wg-compose.lock beside the compose file holds public data only: commit it.

Exit codes: 0 ok, 1 problems in the input (diagnostics on stderr), 2 usage error,
3 an external tool failed, 4 internal error (a bug: please report it).`;

/** The width help text is laid out for; every description line fits in it (test/cli/commands.test.ts). */
export const HELP_WIDTH = 100;

/** In the order `wg-compose --help` lists them. */
export const COMMANDS: readonly Registration[] = [render, show, rotate, importKey, exportTopology, check, moby, build, up, down, status, deploy, rm];

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command('wg-compose')
    .description(ABOUT)
    .version(VERSION, '-V, --version')
    .exitOverride()
    // Descriptions are wrapped by hand (under 100 columns); commander would wrap them again at
    // 80 whenever stdout is not a terminal, breaking every line in two.
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, getOutHelpWidth: () => HELP_WIDTH, getErrHelpWidth: () => HELP_WIDTH })
    .showHelpAfterError('(see wg-compose --help)')
    .addHelpText('after', FOOTER);
  for (const register of COMMANDS) {
    register(program, io, (c) => {
      code = c;
    });
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    return exitCodeOf(io, e);
  }
}
