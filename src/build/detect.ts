// Finding a builder: the one named (--builder, else WG_COMPOSE_BUILDER), else the first of
// docker (only if its daemon answers: the client alone cannot build), podman, buildah on PATH.
// Every candidate that was ruled out is remembered, so "no builder" can say what was tried.
import { execa } from 'execa';
import { findExecutable } from '../system/command-line.js';
import { AUTO_ORDER, parseBuilder, type Builder } from './builders.js';

export type Detected = { ok: true; builder: Builder; tried: string[] } | { ok: false; tried: string[]; named: boolean };

type Env = Readonly<Record<string, string | undefined>>;

/** `docker info` answers only when a daemon does. */
async function dockerDaemonAnswers(command: string, env: Env): Promise<boolean> {
  const r = await execa(command, ['info', '--format', '{{.ServerVersion}}'], {
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 10_000,
  });
  return r.exitCode === 0;
}

/**
 * `named` is the --builder value or WG_COMPOSE_BUILDER (already checked to be a known kind or
 * a path to one). With `planOnly` (--dry-run) a named builder need not be installed: the plan
 * is printed with its name.
 */
export async function detectBuilder(named: string | undefined, env: Env, planOnly: boolean): Promise<Detected> {
  if (named !== undefined) {
    const b = parseBuilder(named);
    if (!b) return { ok: false, tried: [`${named} (not a builder wg-compose knows)`], named: true };
    const found = findExecutable(b.command, env);
    if (found) return { ok: true, builder: { kind: b.kind, command: b.command.includes('/') ? found : b.command }, tried: [] };
    if (planOnly) return { ok: true, builder: b, tried: [] };
    return { ok: false, tried: [b.command.includes('/') ? `${b.command} (not an executable file)` : `${b.command} (not on PATH)`], named: true };
  }
  const tried: string[] = [];
  for (const kind of AUTO_ORDER) {
    if (!findExecutable(kind, env)) {
      tried.push(`${kind} (not on PATH)`);
      continue;
    }
    if (kind === 'docker' && !(await dockerDaemonAnswers(kind, env))) {
      tried.push('docker (on PATH, but no daemon answers `docker info`)');
      continue;
    }
    return { ok: true, builder: { kind, command: kind }, tried };
  }
  return { ok: false, tried, named: false };
}
