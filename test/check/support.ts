// Helpers for the `check` tests: run the real CLI with --format json and read its report.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serializeLockfile } from '../../src/state/lockfile.js';
import { runCli, type CliResult } from '../helpers/cli.js';

export interface JsonDiagnostic {
  file: string | null;
  line: number | null;
  col: number | null;
  severity: 'error' | 'warning' | 'note';
  code: string;
  message: string;
  hint: string | null;
}

export interface JsonReport {
  version: number;
  diagnostics: JsonDiagnostic[];
  files: string[];
}

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = `${ROOT}bin/wg-compose.js`;

/** `check --format json ARGS` in `cwd`; the report and the exit code. */
export async function checkJson(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<{ code: number; report: JsonReport; stderr: string }> {
  const r: CliResult = await runCli(['check', '--format', 'json', ...args], { cwd, env });
  if (r.stdout === '') throw new Error(`check printed no report (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout) as JsonReport, stderr: r.stderr };
}

/** `code@line:col` for each diagnostic with that code: what a rule test asserts. */
export const where = (r: JsonReport, code: string): string[] =>
  r.diagnostics.filter((d) => d.code === code).map((d) => `${d.severity} ${d.file}:${d.line}:${d.col}`);

/** A lockfile as render writes it: services name → [addresses, port], linked pairs `a:b`. */
export function lockfile(project: string, services: Record<string, [string[], number]>, links: string[]): string {
  return serializeLockfile({
    project,
    services: new Map(Object.entries(services).map(([n, [addresses, listenPort]]) => [n, { addresses, listenPort, publicKey: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', epoch: 0 }])),
    links: new Map(links.map((k) => [k, { epoch: 0 }])),
  });
}

/** Runs git in a directory; throws on failure (test setup). */
export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}
