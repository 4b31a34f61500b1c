// What a thrown error means, as an exit code: the one place that catches (DESIGN.md §2). Usage
// errors come from commander; an unsafe state path or a refusing file system is the user's
// environment, reported as a diagnostic; anything else is a bug in wg-compose.
import { CommanderError } from 'commander';
import { error } from '../diagnostics.js';
import { EXIT, type CliIO } from './io.js';
import { report } from './report.js';

const QUIET_EXITS = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

export async function exitCodeOf(io: CliIO, e: unknown): Promise<number> {
  if (e instanceof CommanderError) return QUIET_EXITS.has(e.code) ? EXIT.ok : EXIT.usage;
  // Only a command that writes state can throw this, and it has loaded the module by then.
  const { UnsafePathError } = await import('../state/atomic.js');
  if (e instanceof UnsafePathError) {
    report(io, [error('WGC067', e.message, undefined, 'move it away: wg-compose writes state only into regular files and directories of its own')]);
    return EXIT.input;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && typeof err.syscall === 'string') {
    // The file system said no (permissions, a full disk): the user's environment, not a bug.
    report(io, [error('WGC006', `${err.syscall} ${err.path ?? ''}: ${err.code}`)]);
    return EXIT.input;
  }
  io.stderr(`wg-compose: internal error: ${err?.message ?? String(e)}\nThis is a bug in wg-compose; please report it with the command you ran.\n`);
  if (io.env['WG_COMPOSE_DEBUG']) io.stderr(`${err?.stack ?? ''}\n`);
  return EXIT.internal;
}
