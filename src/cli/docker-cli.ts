// The docker CLI, as `deploy`, `rm` and `status --target swarm` call it: found on PATH (or named by
// WG_COMPOSE_DOCKER), run with the command's environment, its failures turned into diagnostics.
import { execa } from 'execa';
import { findExecutable } from '../system/command-line.js';
import { say } from './engine.js';
import { EXIT, type CliIO } from './io.js';

export type Run = { code: number | undefined; stdout: string; stderr: string };

/** The docker CLI: WG_COMPOSE_DOCKER, else `docker` on PATH. */
export function findDocker(io: CliIO): string | undefined {
  const named = io.env['WG_COMPOSE_DOCKER'];
  const found = findExecutable(named ?? 'docker', io.env);
  if (found) return found;
  say(io, {
    code: 'WGC112',
    severity: 'error',
    message: named ? `WG_COMPOSE_DOCKER names ${named}, which is not an executable` : 'no docker CLI on PATH',
    hint: 'install the docker CLI (Debian: docker.io), or name one with WG_COMPOSE_DOCKER',
  });
  return undefined;
}

export async function docker(io: CliIO, cli: string, args: readonly string[], o: { input?: string; cwd?: string } = {}): Promise<Run> {
  const r = await execa(cli, args, { env: io.env, extendEnv: false, cwd: o.cwd ?? io.cwd, reject: false, ...(o.input !== undefined ? { input: o.input } : { stdin: 'ignore' }) });
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  // execa strips the final newline; the output is passed on as lines.
  const lines = (t: string) => (t === '' || t.endsWith('\n') ? t : `${t}\n`);
  return { code: r.exitCode, stdout: lines(text(r.stdout)), stderr: lines(text(r.stderr) || (r.failed && r.exitCode === undefined ? (r.shortMessage ?? '') : '')) };
}

export function failed(io: CliIO, args: readonly string[], r: Run): number {
  const last = r.stderr.split('\n').filter((l) => l.trim() !== '').pop()?.trim();
  say(io, { code: 'WGC113', severity: 'error', message: `\`docker ${args.slice(0, 2).join(' ')}\` failed${r.code === undefined ? '' : ` (exit ${r.code})`}${last ? `: ${last}` : ''}` });
  return EXIT.external;
}

