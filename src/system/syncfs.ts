// syncfs(2) for the state writer's large batches (src/state/atomic.ts): node exposes fsync
// but not syncfs, and coreutils' `sync -f FILE` (≥ 8.24) is exactly syncfs of FILE's file
// system. An fsync costs about a millisecond here, so 10,000 configs would spend 10 s in
// fsync alone; one syncfs does the same in ~0.1 s.
import { spawnSync } from 'node:child_process';

/** Makes every written file on `path`'s file system durable; false when `sync -f` is unavailable. */
export function syncFileSystem(path: string): boolean {
  return spawnSync('sync', ['-f', path], { stdio: 'ignore' }).status === 0;
}
