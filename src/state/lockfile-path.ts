// Where a project's lockfile sits and whose it is: the name beside the first compose file, and
// the project a lockfile's text records. Not a stage of the pipeline (src/pipeline.ts
// re-exports these for the commands); the lockfile's contents are src/state/lockfile.ts.
import { dirname, join } from 'node:path';
import type { LoadedProject } from '../load/load.js';
import { LOCKFILE_NAME } from './lockfile.js';

/**
 * The lockfile sits beside the (first) compose file, where it is committed with it:
 * `wg-compose.lock`, unless that one records another project (`sharedOwner`, read by the
 * caller); then `wg-compose.NAME.lock`. Two projects made from one directory (`-p a`, `-p b`)
 * would otherwise take turns overwriting one lockfile, each time with the other's keys
 * "edited"; the first keeps `wg-compose.lock`, so a single project's never moves.
 */
export const lockfilePath = (project: LoadedProject, sharedOwner?: string): string =>
  join(dirname(project.files[0]!), sharedOwner !== undefined && sharedOwner !== '' && sharedOwner !== project.name ? LOCKFILE_NAME.replace(/\.lock$/, `.${project.name}.lock`) : LOCKFILE_NAME);

/** The project a lockfile's text records, if it is JSON with one (nothing else is looked at). */
export function lockfileOwner(text: string): string | undefined {
  try {
    const p = (JSON.parse(text) as { project?: unknown }).project;
    return typeof p === 'string' ? p : undefined;
  } catch {
    return undefined;
  }
}
