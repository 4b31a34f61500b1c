// Finding external commands on PATH, shared by the image builders and the compose engines:
// the same rules wherever wg-compose runs a tool (printing them: src/system/shell-quote.ts).
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * An executable file by that path, or by that name in one of PATH's directories — looked up
 * in the environment the CLI was given (tests pass a PATH of fixture scripts), not the process's.
 */
export function findExecutable(command: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const isExec = (p: string) => {
    try {
      if (!statSync(p).isFile()) return false;
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return isExec(command) ? command : undefined;
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir && isExec(join(dir, command))) return join(dir, command);
  }
  return undefined;
}
