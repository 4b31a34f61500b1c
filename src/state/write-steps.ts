// The write steps of the state writer, for one test hook: installTestCrashHook
// (src/state/crash-hook.ts) kills the process after the N-th step, so the crash tests can
// stop it between any two changes on disk.
/**
 * Test hook, set only by installTestCrashHook (src/state/crash-hook.ts) when the
 * WG_COMPOSE_TEST_CRASH_AT variable asks for it: called after every step of a state write
 * that changes what is on disk, so the crash tests can kill the process between any two.
 * Unset, it costs one comparison per step.
 */
let stepHook: ((step: string, path: string) => void) | undefined;
export function setWriteStepHook(hook: ((step: string, path: string) => void) | undefined): void {
  stepHook = hook;
}
export const step = (what: string, path: string): void => {
  if (stepHook !== undefined) stepHook(what, path);
};
