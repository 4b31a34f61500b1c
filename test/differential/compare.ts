// Per service and per key (and per top-level section), the differences between two
// `docker-compose config` outputs: the input's, and the stripped rendered stack's (strip.ts).
// Both went through docker-compose's own normalization (absolute paths, `:rw`, environment as
// a mapping…), so what differs is meaning, not spelling. On the input side, `links` become
// what wg-compose makes of them on purpose: a start-order `depends_on` on each target.
import { isDeepStrictEqual } from 'node:util';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface Difference {
  /** `services.NAME.KEY` or `TOP-LEVEL-KEY`. */
  readonly path: string;
  readonly compose: unknown;
  readonly rendered: unknown;
}

export function compareConfigs(input: Obj, rendered: Obj): { compared: number; differences: Difference[] } {
  const differences: Difference[] = [];
  let compared = 0;
  const a = isObj(input['services']) ? input['services'] : {};
  const b = isObj(rendered['services']) ? rendered['services'] : {};
  for (const name of union(a, b)) {
    const sa = isObj(a[name]) ? asRendered(a[name]) : undefined;
    const sb = isObj(b[name]) ? withDeps(b[name]) : undefined;
    if (!sa || !sb) {
      differences.push({ path: `services.${name}`, compose: sa, rendered: sb });
      continue;
    }
    for (const key of union(sa, sb)) {
      compared++;
      if (!isDeepStrictEqual(sa[key], sb[key])) differences.push({ path: `services.${name}.${key}`, compose: sa[key], rendered: sb[key] });
    }
  }
  for (const key of union(input, rendered)) {
    if (key === 'services' || key === 'version') continue; // version: what docker-compose prints for the format it read
    compared++;
    if (!isDeepStrictEqual(input[key], rendered[key])) differences.push({ path: key, compose: input[key], rendered: rendered[key] });
  }
  return { compared, differences };
}

/** An input service as wg-compose renders its links: no `links`, a depends_on on each target. */
function asRendered(svc: Obj): Obj {
  const out = withDeps(svc);
  const links = Array.isArray(svc['links']) ? svc['links'].map((l) => String(l).split(':')[0]!) : [];
  delete out['links'];
  if (links.length > 0) {
    const deps = isObj(out['depends_on']) ? { ...out['depends_on'] } : {};
    for (const t of links) deps[t] ??= 'service_started';
    out['depends_on'] = sorted(deps);
  }
  return out;
}

/**
 * docker-compose prints a v1 file's ports as `80:80/tcp` and a later format's as
 * `{published, target}`: one spelling, the later one, for both.
 */
function longPort(p: unknown): unknown {
  const m = typeof p === 'string' ? /^(?:([\d.]+):)?(\d+):(\d+)(?:\/(\w+))?$/.exec(p) : null;
  if (!m) return p;
  const out: Obj = { published: Number(m[2]), target: Number(m[3]) };
  if (m[1] !== undefined) out['host_ip'] = m[1];
  if (m[4] !== undefined && m[4] !== 'tcp') out['protocol'] = m[4];
  return out;
}

/** depends_on as `{service: condition}`, whichever form docker-compose printed (and ports in one spelling). */
function withDeps(svc: Obj): Obj {
  const out = { ...svc };
  if (Array.isArray(out['ports'])) out['ports'] = out['ports'].map(longPort);
  const d = svc['depends_on'];
  if (d === undefined) return out;
  const deps: Obj = {};
  if (Array.isArray(d)) for (const s of d) deps[String(s)] = 'service_started';
  else if (isObj(d)) for (const [s, c] of Object.entries(d)) deps[s] = isObj(c) ? (c['condition'] ?? 'service_started') : 'service_started';
  if (Object.keys(deps).length > 0) out['depends_on'] = sorted(deps);
  else delete out['depends_on'];
  return out;
}

const sorted = (o: Obj): Obj => Object.fromEntries(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : 1)));
const union = (a: Obj, b: Obj): string[] => [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
