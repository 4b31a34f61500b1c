// The single-container CLI beside the compose engine (podman or docker), which `up` uses to
// see whether the sidecar image is there and to watch the sidecars: compose implementations
// have no common machine-readable `ps`, while `ps -q --filter label=…`, `inspect` and `exec`
// are the same in both CLIs. Every call is bounded in time, so a stuck engine cannot hang `up`.
import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { execa } from 'execa';
import { findExecutable } from '../system/command-line.js';

export type RuntimeKind = 'podman' | 'docker';

export interface Runtime {
  readonly kind: RuntimeKind;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const CALL_TIMEOUT_MS = 15_000;

/**
 * Whether the Docker API the engine talks to is podman's: DOCKER_HOST (or the default
 * /var/run/docker.sock, which podman-docker links to podman's socket) names a socket under a
 * podman path.
 */
export function dockerHostIsPodman(env: Env, realpath: (p: string) => string = realpathSafe): boolean {
  const host = env['DOCKER_HOST'] ?? 'unix:///var/run/docker.sock';
  if (!host.startsWith('unix://')) return false;
  const path = host.slice('unix://'.length);
  return /podman/.test(path) || /podman/.test(realpath(path));
}

function realpathSafe(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * podman for podman's compose and for a Docker API served by podman (only podman's CLI can run
 * the healthchecks podman never schedules without systemd: see watch.ts); docker for Docker;
 * otherwise whichever is on PATH.
 */
export function chooseRuntime(engine: readonly string[], env: Env, onPath: (cmd: string) => boolean, podmanApi: boolean): RuntimeKind | undefined {
  const head = basename(engine[0] ?? '');
  const prefer: RuntimeKind[] =
    head === 'podman' || head === 'podman-compose' || podmanApi ? ['podman', 'docker'] : ['docker', 'podman'];
  return prefer.find((k) => onPath(k));
}

export function detectRuntime(engine: readonly string[], env: Env, cwd: string): Runtime | undefined {
  const kind = chooseRuntime(engine, env, (c) => findExecutable(c, env) !== undefined, dockerHostIsPodman(env));
  return kind ? { kind, env, cwd } : undefined;
}

async function call(rt: Runtime, args: readonly string[], timeoutMs = CALL_TIMEOUT_MS): Promise<{ ok: boolean; exitCode: number | undefined; stdout: string; stderr: string }> {
  const r = await execa(rt.kind, [...args], {
    env: rt.env,
    extendEnv: false,
    cwd: rt.cwd,
    reject: false,
    stdin: 'ignore',
    timeout: timeoutMs,
    forceKillAfterDelay: 1_000,
  });
  return { ok: !r.failed && r.exitCode === 0, exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** What `inspect` says about one container; only the fields `up` reads. */
export interface ContainerInfo {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** created, running, restarting, exited, dead, … */
  readonly status: string;
  /** starting, healthy, unhealthy; undefined without a healthcheck. */
  readonly health: string | undefined;
  /** When it last started: a restart changes it, so with the id it names one run of a container. */
  readonly startedAt: string;
  /** The healthcheck's interval in ms (Config.Healthcheck.Interval); undefined: the engine's default. */
  readonly healthInterval: number | undefined;
}

/** The label compose puts on every container of a project, naming it. */
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';

/** Every container of a compose project (compose labels each with its project). */
export async function projectContainers(rt: Runtime, project: string): Promise<ContainerInfo[]> {
  const ps = await call(rt, ['ps', '-a', '-q', '--no-trunc', '--filter', `label=${COMPOSE_PROJECT_LABEL}=${project}`]);
  if (!ps.ok) return [];
  const ids = ps.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) return [];
  // A container can go between ps and inspect: inspect reports the others and exits non-zero.
  const r = await call(rt, ['inspect', ...ids]);
  return parseInspect(r.stdout);
}

export function parseInspect(json: string): ContainerInfo[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  const out: ContainerInfo[] = [];
  for (const c of data) {
    if (c === null || typeof c !== 'object') continue;
    const o = c as {
      Id?: unknown;
      Name?: unknown;
      Config?: { Labels?: unknown; Healthcheck?: { Interval?: unknown } };
      State?: { Status?: unknown; StartedAt?: unknown; Health?: { Status?: unknown }; Healthcheck?: { Status?: unknown } };
    };
    if (typeof o.Id !== 'string') continue;
    const labels: Record<string, string> = {};
    const raw = o.Config?.Labels;
    if (raw && typeof raw === 'object') for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') labels[k] = v;
    const health = o.State?.Health?.Status ?? o.State?.Healthcheck?.Status;
    out.push({
      id: o.Id,
      name: typeof o.Name === 'string' ? o.Name.replace(/^\//, '') : o.Id.slice(0, 12),
      labels,
      status: typeof o.State?.Status === 'string' ? o.State.Status : 'unknown',
      health: typeof health === 'string' && health !== '' ? health : undefined,
      startedAt: typeof o.State?.StartedAt === 'string' ? o.State.StartedAt : '',
      // Nanoseconds, in both APIs.
      healthInterval: typeof o.Config?.Healthcheck?.Interval === 'number' && o.Config.Healthcheck.Interval > 0 ? o.Config.Healthcheck.Interval / 1e6 : undefined,
    });
  }
  return out;
}

/** `exec` in a running container; undefined when it could not run there (stopped, restarting). */
export async function execIn(rt: Runtime, id: string, argv: readonly string[]): Promise<string | undefined> {
  const r = await call(rt, ['exec', id, ...argv]);
  return r.ok ? r.stdout : undefined;
}

/** Runs a container's healthcheck now and records the result (podman only; see watch.ts for why). */
export async function runHealthcheck(rt: Runtime, id: string): Promise<boolean> {
  if (rt.kind !== 'podman') return false;
  return (await call(rt, ['healthcheck', 'run', id])).ok;
}

/** Whether an image is present locally. undefined when the CLI could not say (no engine). */
export async function imagePresent(rt: Runtime, image: string): Promise<boolean | undefined> {
  const r = await call(rt, rt.kind === 'podman' ? ['image', 'exists', image] : ['image', 'inspect', '--format', '{{.Id}}', image]);
  if (r.ok) return true;
  // podman: 1 = absent; docker: "No such image". Anything else (no daemon): unknown.
  if (rt.kind === 'podman' && r.exitCode === 1) return false;
  if (rt.kind === 'docker' && /no such image/i.test(r.stderr)) return false;
  return undefined;
}
