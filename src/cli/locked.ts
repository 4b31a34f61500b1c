// Commands that write state (render, rotate, import; `up` too) run under the project
// directory's state lock (src/state/lock.ts): this is how they take it, say that they wait,
// and report a lock that stays held.
import { error } from '../diagnostics.js';
import { installTestCrashHook } from '../state/crash-hook.js';
import { lockTimeoutFromEnv, stateLockPath, StateLockedError, withStateLock } from '../state/lock.js';
import { describeHolder } from '../state/lock-holder.js';
import { EXIT, type CliIO } from './io.js';
import { displayPath, report } from './report.js';

export async function underStateLock(io: CliIO, projectDir: string, command: string, fn: () => number | Promise<number>): Promise<number> {
  installTestCrashHook(io.env);
  const where = displayPath(io.cwd, stateLockPath(projectDir));
  try {
    return await withStateLock(projectDir, fn, {
      command,
      ...timeout(io),
      onWait: (holder) => report(io, [{ code: 'WGC100', severity: 'note', message: `waiting for ${describeHolder(holder)} to release ${where}` }]),
    });
  } catch (e) {
    if (!(e instanceof StateLockedError)) throw e;
    report(io, [
      error(
        'WGC100',
        `${where} is held by ${describeHolder(e.holder)}; gave up after ${Math.round(e.waitedMs / 1000)} s`,
        undefined,
        `wait for it to finish (or raise WG_COMPOSE_LOCK_TIMEOUT, in seconds); a lock whose process is gone is taken over by itself`,
      ),
    ]);
    return EXIT.input;
  }
}

function timeout(io: CliIO): { timeoutMs?: number } {
  const t = lockTimeoutFromEnv(io.env);
  return t === undefined ? {} : { timeoutMs: t };
}
