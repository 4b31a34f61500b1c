// `wg-compose build services`: the images of a project's `build:` services, named as compose
// names them, so the LinuxKit spec `moby` writes can run them (`linuxkit build --docker` takes
// an image from the local docker engine before it pulls). Pure: the model in, argv lists out.
import { isAbsolute, resolve } from 'node:path';
import { isObject, type JsonObject } from '../load/located.js';
import type { Argv, Builder } from './builders.js';

/**
 * The image a `build:` service without `image:` runs: PROJECT-SERVICE, as `docker compose` v2
 * names it (docker-compose 1.29 wrote PROJECT_SERVICE), lower-cased as image names must be.
 */
export const builtImageName = (project: string, service: string): string => `${project}-${service}`.toLowerCase();

export interface ServiceBuild {
  readonly service: string;
  /** image: when given beside build:, else builtImageName. */
  readonly image: string;
  /** An absolute directory, or a URL (a git context) as written. */
  readonly context: string;
  /** The Dockerfile, absolute (it is relative to the context in compose). */
  readonly dockerfile: string | undefined;
  readonly args: ReadonlyMap<string, string>;
  readonly target: string | undefined;
  /** Attributes of build: that are not passed on (ssh, secrets, cache_from…). */
  readonly ignored: readonly string[];
}

const USED = new Set(['context', 'dockerfile', 'args', 'target']);
const isUrl = (s: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('git@');

/** Every enabled service with `build:`, in name order; relative paths resolve from the project directory. */
export function serviceBuilds(project: string, model: JsonObject, disabled: ReadonlySet<string>, projectDir: string): ServiceBuild[] {
  const services = isObject(model['services']) ? model['services'] : {};
  const out: ServiceBuild[] = [];
  for (const name of Object.keys(services).sort()) {
    const svc = services[name];
    if (disabled.has(name) || !isObject(svc) || svc['build'] === undefined) continue;
    const raw = svc['build'];
    const b: JsonObject = typeof raw === 'string' ? { context: raw } : isObject(raw) ? raw : {};
    const ctx = typeof b['context'] === 'string' ? b['context'] : '.';
    const context = isUrl(ctx) ? ctx : resolve(projectDir, ctx);
    const df = typeof b['dockerfile'] === 'string' ? b['dockerfile'] : undefined;
    const args = new Map<string, string>();
    const a = b['args'];
    if (Array.isArray(a)) {
      for (const item of a) {
        const s = String(item);
        const i = s.indexOf('=');
        // A bare NAME takes its value from the environment of the build, as compose does.
        if (i > 0) args.set(s.slice(0, i), s.slice(i + 1));
      }
    } else if (isObject(a)) for (const [k, v] of Object.entries(a)) if (v !== null && v !== undefined) args.set(k, String(v));
    out.push({
      service: name,
      image: typeof svc['image'] === 'string' ? svc['image'] : builtImageName(project, name),
      context,
      dockerfile: df === undefined ? undefined : isAbsolute(df) || isUrl(context) ? df : resolve(context, df),
      args,
      target: typeof b['target'] === 'string' ? b['target'] : undefined,
      ignored: Object.keys(b).filter((k) => !USED.has(k) && !k.startsWith('x-')).sort(),
    });
  }
  return out;
}

/** The builder's command for one service (docker, podman or buildah; linuxkit builds packages, not these). */
export function planServiceBuild(builder: Builder, b: ServiceBuild, extra: ReadonlyMap<string, string>): Argv | undefined {
  const args = new Map([...b.args, ...extra]);
  const flags = [
    '--tag', b.image,
    ...(b.dockerfile ? ['--file', b.dockerfile] : []),
    ...[...args.keys()].sort().flatMap((k) => ['--build-arg', `${k}=${args.get(k)!}`]),
    ...(b.target ? ['--target', b.target] : []),
  ];
  const c = builder.command;
  switch (builder.kind) {
    case 'docker':
      return [c, 'build', ...flags, b.context];
    case 'podman':
      return [c, 'build', '--layers', ...flags, b.context];
    case 'buildah':
      return [c, 'bud', '--layers', ...flags, b.context];
    case 'linuxkit':
      return undefined;
  }
}
