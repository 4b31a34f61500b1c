// A test hook, and nothing else: the crash-safety tests (test/state/crash.test.ts) run the real
// CLI with WG_COMPOSE_TEST_CRASH_AT=N, and the process kills itself with SIGKILL right after
// the N-th step of its state writes (a temporary file written, a rename, a link, a removal, a
// directory made — see the step() calls in atomic.ts). SIGKILL cannot be caught, so what is on
// disk afterwards is exactly what any crash at that instant would leave. Without the variable
// nothing is installed and the write path pays one comparison per step.
import { writeSync } from 'node:fs';
import { setWriteStepHook } from './write-steps.js';

export const CRASH_ENV = 'WG_COMPOSE_TEST_CRASH_AT';

/** Installs the hook when the environment asks for it (commands that write state call this). */
export function installTestCrashHook(env: Readonly<Record<string, string | undefined>>): void {
  const raw = env[CRASH_ENV];
  if (raw === undefined || raw === '') return;
  const at = Number(raw);
  if (!Number.isSafeInteger(at) || at < 1) return;
  let count = 0;
  setWriteStepHook((step, path) => {
    count++;
    if (count !== at) return;
    // Say where, for the test's record (stderr, synchronously: the next instant is SIGKILL).
    writeSync(2, `wg-compose: test hook: SIGKILL after step ${count} (${step} ${path})\n`);
    process.kill(process.pid, 'SIGKILL');
  });
}
