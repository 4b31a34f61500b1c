// Cross-reference checks on links, after schema validation (the schema cannot see across
// services). Each rule catches a stack that compose accepts or that no engine can honour
// once the link is a WireGuard pair; each reports at the user's line.
import { error, warning, type Diagnostic } from '../diagnostics.js';
import { isObject, keyLoc } from '../load/located.js';
import { linkedServices } from './linked-pairs.js';
import type { ModelView, ServiceView } from './model.js';
import { generatedNames } from './names.js';

/** RFC 1123 host name label(s): what /etc/hosts entries and DNS accept. */
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;

/** Re-exported for the pipeline, which imports the link stage from here. */
export { linkedServices };

export function checkLinks(view: ModelView): Diagnostic[] {
  const ds: Diagnostic[] = [];
  const linked = new Set(linkedServices(view));
  for (const s of view.services.values()) {
    checkTargets(view, s, ds);
    checkNames(view, s, ds);
    for (const e of s.externalLinks) {
      ds.push(
        warning('WGC045', `external link "${e.text}" points outside the project; it cannot get a WireGuard pair and stays a plain link`, e.pos, 'link a service of this project, or put both stacks in one project'),
      );
    }
    if (!linked.has(s.name)) continue;
    checkNetworkMode(s, ds);
  }
  checkSharedNetworks(view, ds);
  checkGeneratedNames(view, linked, ds);
  checkCycles(view, ds);
  return ds;
}

/**
 * A link makes its target start first, as depends_on does; compose refuses a cycle
 * ("Circular dependency between …"), and so would the rendered stack. One report per cycle,
 * at the link that closes it.
 */
function checkCycles(view: ModelView, ds: Diagnostic[]): void {
  const edges = (s: ServiceView): { to: string; link: (typeof s.links)[number] | undefined }[] => {
    const deps = s.canonical.dependsOn;
    return [...s.links.map((l) => ({ to: l.target, link: l as (typeof s.links)[number] | undefined })), ...deps.map((d) => ({ to: d.service, link: undefined }))];
  };
  const state = new Map<string, 'active' | 'done'>();
  // Depth-first, with an explicit stack of frames rather than recursion: a chain of 20,000
  // links is a valid stack and must not overflow the call stack.
  const path: string[] = [];
  const frames: { name: string; edges: ReturnType<typeof edges>; next: number }[] = [];
  const enter = (name: string): void => {
    state.set(name, 'active');
    path.push(name);
    frames.push({ name, edges: edges(view.services.get(name)!), next: 0 });
  };
  for (const root of view.services.keys()) {
    if (state.has(root)) continue;
    enter(root);
    while (frames.length > 0) {
      const f = frames[frames.length - 1]!;
      const e = f.edges[f.next++];
      if (e === undefined) {
        frames.pop();
        path.pop();
        state.set(f.name, 'done');
        continue;
      }
      if (e.to === f.name || !view.services.has(e.to)) continue;
      const st = state.get(e.to);
      if (st === 'active') {
        const cycle = [...path.slice(path.indexOf(e.to)), e.to];
        if (e.link) {
          ds.push(
            error('WGC049', `links form a cycle: ${cycle.join(' -> ')}; a link starts its target first, so compose refuses a cycle`, e.link.pos, 'keep the link in one direction: the WireGuard pair carries traffic both ways'),
          );
        }
      } else if (st === undefined) enter(e.to);
    }
  }
}

function checkTargets(view: ModelView, s: ServiceView, ds: Diagnostic[]): void {
  for (const l of s.links) {
    if (l.target === s.name) {
      ds.push(error('WGC041', `service "${s.name}" links to itself`, l.pos, 'a service reaches itself on localhost; remove this link'));
    } else if (view.disabled.has(l.target)) {
      ds.push(error('WGC024', `service "${s.name}" links to "${l.target}", which is disabled by the active profiles`, l.pos, `enable a profile of "${l.target}" with --profile`));
    } else if (!view.services.has(l.target)) {
      const near = closest(l.target, [...view.services.keys()].filter((n) => n !== s.name));
      ds.push(error('WGC040', `service "${s.name}" links to "${l.target}", which is not a service of this project`, l.pos, near ? `did you mean "${near}"?` : undefined));
    }
  }
}

function checkNames(view: ModelView, s: ServiceView, ds: Diagnostic[]): void {
  const byName = new Map<string, string>();
  for (const l of s.links) {
    if (!HOSTNAME.test(l.name)) {
      ds.push(error('WGC047', `link name "${l.name}" is not a valid host name`, l.pos, 'use letters, digits, "-", "_" and "."'));
      continue;
    }
    const prev = byName.get(l.name);
    if (prev !== undefined) {
      ds.push(
        prev === l.target
          ? error('WGC042', `"${l.name}" is linked twice in service "${s.name}"`, l.pos, 'remove the repeated link')
          : error('WGC042', `link name "${l.name}" in service "${s.name}" means both "${prev}" and "${l.target}"`, l.pos, 'give one of them another alias'),
      );
      continue;
    }
    byName.set(l.name, l.target);
    if (l.alias !== undefined && l.alias !== l.target && view.services.has(l.alias)) {
      ds.push(
        warning('WGC042', `alias "${l.alias}" in service "${s.name}" shadows the service "${l.alias}": inside "${s.name}" it will reach "${l.target}"`, l.pos, 'pick an alias that is not a service name'),
      );
    }
  }
}

function checkNetworkMode(s: ServiceView, ds: Diagnostic[]): void {
  if (!s.networkMode) return;
  const mode = s.networkMode.value;
  // A container that joins another's namespace (container:/service:) or the host's cannot
  // get a namespace of its own for its tunnel, and docker refuses links there anyway.
  if (/^(container|service):/.test(mode) || mode === 'host' || mode === 'none') {
    ds.push(
      error('WGC043', `service "${s.name}" is linked but uses network_mode "${mode}"; a link needs a network namespace of the service's own`, s.networkMode.pos, 'remove network_mode, or link the service that owns the namespace'),
    );
  } else if (mode === 'bridge') {
    ds.push(
      error('WGC043', `service "${s.name}" is linked but uses network_mode "bridge", where service names do not resolve`, s.networkMode.pos, 'use a compose network (remove network_mode)'),
    );
  }
}

function checkSharedNetworks(view: ModelView, ds: Diagnostic[]): void {
  for (const s of view.services.values()) {
    if (s.networkMode) continue;
    for (const l of s.links) {
      const t = view.services.get(l.target);
      if (!t || t.name === s.name || t.networkMode) continue;
      if (!s.networks.some((n) => t.networks.includes(n))) {
        ds.push(
          error('WGC044', `services "${s.name}" and "${t.name}" are linked but share no network (${s.name}: ${s.networks.join(', ')}; ${t.name}: ${t.networks.join(', ')})`, l.pos, `attach both to one network; the tunnel's endpoint must be reachable`),
        );
      }
    }
  }
}

function checkGeneratedNames(view: ModelView, linked: ReadonlySet<string>, ds: Diagnostic[]): void {
  const secrets = view.model['secrets'];
  for (const name of linked) {
    const g = generatedNames(name);
    for (const n of g.services) {
      if (view.services.has(n) || view.disabled.has(n)) {
        ds.push(error('WGC046', `wg-compose adds a service "${n}" for "${name}", but the project already has one`, view.services.get(n)?.pos, `rename service "${n}"`));
      }
    }
    for (const n of g.secrets) {
      if (isObject(secrets) && Object.hasOwn(secrets, n)) {
        ds.push(error('WGC046', `wg-compose adds a secret "${n}" for "${name}", but the project already has one`, keyLoc(secrets, n), `rename secret "${n}"`));
      }
    }
  }
}

/** The known name nearest to a misspelt one (Levenshtein distance ≤ 2), for "did you mean". */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
