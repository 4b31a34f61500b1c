// Applies compose interpolation to every string value of one parsed file, in place, before
// merging — compose interpolates each file on its own, so `${X}` in an override file sees
// the same environment as in the base file. Values that came out of interpolation are cast
// back to the types the schema expects at the paths compose-go casts (`replicas: ${N}` is an
// integer once interpolated).
import { error, warning, type Diagnostic, type Pos } from '../diagnostics.js';
import { interpolate } from './interpolate.js';
import { isObject, valueLoc, itemLoc, type Json } from './located.js';
import { pathTable } from './path-pattern.js';

const INTEGER_PATHS = [
  'services.*.deploy.replicas',
  'services.*.scale',
  'services.*.healthcheck.retries',
  'services.*.cpu_count',
  'services.*.cpu_percent',
  'services.*.cpu_shares',
  'services.*.cpu_period',
  'services.*.cpu_quota',
  'services.*.mem_swappiness',
  'services.*.oom_score_adj',
  'services.*.pids_limit',
  'services.*.ulimits.*',
  'services.*.ulimits.*.hard',
  'services.*.ulimits.*.soft',
  'services.*.ports.*.target',
  'services.*.ports.*.published',
  'services.*.x-wireguard.port',
  'services.*.x-wireguard.mtu',
  'services.*.x-wireguard.keepalive',
  'x-wireguard.port',
  'x-wireguard.mtu',
  'x-wireguard.keepalive',
];
const BOOLEAN_PATHS = [
  'services.*.init',
  'services.*.privileged',
  'services.*.read_only',
  'services.*.stdin_open',
  'services.*.tty',
  'services.*.oom_kill_disable',
  'services.*.healthcheck.disable',
  'services.*.x-wireguard.nat',
  'networks.*.external',
  'networks.*.internal',
  'networks.*.attachable',
  'networks.*.enable_ipv6',
  'volumes.*.external',
  'secrets.*.external',
  'configs.*.external',
];

/** What an interpolated value at each path is cast to (sequence items are `*` in the path). */
const CASTS = pathTable<'integer' | 'boolean'>([
  ...INTEGER_PATHS.map((p) => [p, 'integer'] as const),
  ...BOOLEAN_PATHS.map((p) => [p, 'boolean'] as const),
]);

function cast(value: string, path: readonly string[]): Json {
  const to = CASTS.lookup(path);
  if (to === 'integer' && /^-?\d+$/.test(value)) return Number(value);
  if (to === 'boolean') {
    const l = value.toLowerCase();
    if (l === 'true' || l === 'yes' || l === 'y' || l === 'on') return true;
    if (l === 'false' || l === 'no' || l === 'n' || l === 'off') return false;
  }
  return value;
}

export function interpolateTree(
  root: Json,
  lookup: (name: string) => string | undefined,
  file: string,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const warned = new Set<string>();
  const visit = (container: Json[] | { [k: string]: Json }, key: string | number, path: string[], pos: Pos | undefined) => {
    const v = (container as Record<string | number, Json>)[key];
    if (typeof v === 'string') {
      if (!v.includes('$')) return;
      const r = interpolate(v, lookup);
      const at = pos ?? { file, line: 1, col: 1 };
      for (const p of r.problems) {
        diagnostics.push(
          p.kind === 'required'
            ? error('WGC010', p.message, at, 'set it in the environment or in .env')
            : error('WGC011', p.message, at, 'write $$ for a literal dollar sign'),
        );
      }
      for (const u of r.unset) {
        if (warned.has(u.name)) continue;
        warned.add(u.name);
        diagnostics.push(
          warning('WGC012', `the "${u.name}" variable is not set, defaulting to a blank string`, at),
        );
      }
      if (r.changed && r.problems.length === 0) (container as Record<string | number, Json>)[key] = cast(r.value, path);
      return;
    }
    if (v !== undefined) walk(v, path);
  };
  const walk = (v: Json, path: string[]) => {
    if (Array.isArray(v)) {
      v.forEach((_, i) => visit(v, i, [...path, '*'], itemLoc(v, i)));
    } else if (isObject(v)) {
      for (const k of Object.keys(v)) visit(v, k, [...path, k], valueLoc(v, k));
    }
  };
  walk(root, []);
  return diagnostics;
}
