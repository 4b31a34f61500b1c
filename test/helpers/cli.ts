// Runs the real CLI in-process with captured output, a chosen directory and environment.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { readBounded } from '../../src/system/bounded-read.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** With `sources`, diagnostics quote their source line as the real command does (bin/wg-compose.js). */
export async function runCli(args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; stdin?: string; sources?: boolean }): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    env: opts.env ?? {},
    cwd: opts.cwd,
    readStdin: async () => opts.stdin,
    ...(opts.sources ? { readSource: (path: string) => sourceOf(path, opts.env ?? {}) } : {}),
  });
  return { code, stdout, stderr };
}

/** As bin/wg-compose.js reads a diagnostic's source line. */
function sourceOf(path: string, env: Record<string, string | undefined>): string | undefined {
  const r = readBounded(path, 8 * 1024 * 1024, env);
  return r.ok ? r.text : undefined;
}

/** A fresh directory holding the given files (paths relative to it). */
export function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'wgc-test-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

/** A fixed master secret so keys, and therefore golden outputs, are the same on every run. */
export function fixedMaster(dir: string, byte = 7): Record<string, string> {
  const path = join(dir, 'fixed-master.key');
  writeFileSync(path, `${Buffer.alloc(32, byte).toString('base64')}\n`, { mode: 0o600 });
  return { WG_COMPOSE_MASTER_KEY_FILE: path };
}
