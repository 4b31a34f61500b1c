// The engine command lines `up` and `down` run, as data: built here without I/O, printed as
// they are by --dry-run, executed as they are otherwise. Every command names the project, the
// project directory and the rendered stack, so relative paths in the stack (build contexts,
// env files, the `./.wg-compose/…` secret files) resolve as they would beside the input.
import type { Argv } from './detect.js';

export interface EngineTarget {
  readonly engine: Argv;
  readonly project: string;
  /** Absolute. */
  readonly projectDir: string;
  /** Absolute path of the stack written into the state directory. */
  readonly stackFile: string;
  /** Active profiles (--profile): the stack keeps `profiles:`, so the engine must be told too. */
  readonly profiles: readonly string[];
}

/** The options every compose implementation (v1, v2, podman's) takes before its subcommand, then `rest`. */
function base(t: EngineTarget, ...rest: string[]): Argv {
  const [head, ...tail] = t.engine;
  const out: [string, ...string[]] = [head, ...tail, '-p', t.project, '--project-directory', t.projectDir, '-f', t.stackFile];
  for (const p of t.profiles) out.push('--profile', p);
  out.push(...rest);
  return out;
}

/** `up`, detached (wg-compose waits for the tunnels itself), with the user's extra arguments last. */
export function upCommand(t: EngineTarget, o: { build: boolean; extra: readonly string[] }): Argv {
  return base(t, 'up', '-d', ...(o.build ? ['--build'] : []), ...o.extra);
}

/** Following the project's logs from now on: what a foreground `up` shows until Ctrl-C. */
export function logsCommand(t: EngineTarget): Argv {
  return base(t, 'logs', '-f', '--tail', '0');
}

/** Stopping the project's containers (kept, as compose's Ctrl-C keeps them): the end of a foreground `up`. */
export function stopCommand(t: EngineTarget): Argv {
  return base(t, 'stop');
}

/**
 * `down`, after removing the containers that joined another service's network namespace.
 * Why not `down` alone: docker-compose removes a project's containers in parallel, and podman
 * refuses to remove a namespace owner while a container that joined it still exists ("has
 * dependent containers"), so a plain `down` on podman leaves every `NAME-wgns` and the
 * project's networks behind. Removing the joiners first, deepest first, makes the order
 * explicit for every engine.
 */
export function downCommands(t: EngineTarget, joinerLevels: readonly (readonly string[])[], extra: readonly string[]): Argv[] {
  const out: Argv[] = [];
  for (const level of joinerLevels) if (level.length > 0) out.push(base(t, 'rm', '--stop', '--force', ...level));
  out.push(base(t, 'down', ...extra));
  return out;
}

/**
 * Services that join another service's network namespace (`network_mode: service:X`), grouped
 * so each group can go before the one after it: the deepest joiners first. A stack rendered by
 * wg-compose has one level (each application and sidecar joins its `NAME-wgns`); a user's own
 * chains of `service:` modes get more. Cycles (which compose refuses anyway) end the walk.
 */
export function joinerLevels(services: Readonly<Record<string, unknown>>): string[][] {
  const parent = new Map<string, string>();
  for (const [name, svc] of Object.entries(services)) {
    const mode = svc !== null && typeof svc === 'object' ? (svc as Record<string, unknown>)['network_mode'] : undefined;
    if (typeof mode === 'string' && mode.startsWith('service:')) parent.set(name, mode.slice('service:'.length));
  }
  const depth = (name: string): number => {
    let d = 0;
    const seen = new Set<string>();
    for (let p = parent.get(name); p !== undefined && !seen.has(p); p = parent.get(p)) {
      seen.add(p);
      d++;
    }
    return d;
  };
  const byDepth = new Map<number, string[]>();
  for (const name of parent.keys()) {
    const d = depth(name);
    byDepth.set(d, [...(byDepth.get(d) ?? []), name]);
  }
  return [...byDepth.keys()].sort((a, b) => b - a).map((d) => byDepth.get(d)!.sort());
}
