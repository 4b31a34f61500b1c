// Who peers with whom (DESIGN.md §4): every link A→B to another service of the project makes
// the unordered pair {A, B}, counted once however many links (either way, any alias) make it.
// Computed here only, once per view (ModelView.pairs): the link checks, the topology and
// check's lockfile drift all read it from there.
import type { Pos } from '../diagnostics.js';
import { pairKey } from '../state/lockfile.js';
import type { Link, ModelView, ServiceView } from './model.js';

export interface LinkedPair {
  /** The two services, a < b. */
  readonly a: string;
  readonly b: string;
  /** Where the first link making the pair is, in service then link order. */
  readonly pos: Pos | undefined;
  /** Every link making the pair, either way, with the service it is written in. */
  readonly links: readonly { readonly from: string; readonly link: Link }[];
}

/**
 * Pairs keyed `a:b` (pairKey), in the order their first link appears (services by name,
 * links as written). Links to the service itself or to no service of the project make none:
 * the link checks report those.
 */
export function linkedPairs(services: ReadonlyMap<string, ServiceView>): Map<string, LinkedPair> {
  const pairs = new Map<string, { a: string; b: string; pos: Pos | undefined; links: LinkedPair['links'][number][] }>();
  for (const s of services.values()) {
    for (const link of s.links) {
      if (link.target === s.name || !services.has(link.target)) continue;
      const k = pairKey(s.name, link.target);
      let p = pairs.get(k);
      if (!p) {
        const [a, b] = s.name < link.target ? [s.name, link.target] : [link.target, s.name];
        p = { a, b, pos: link.pos, links: [] };
        pairs.set(k, p);
      }
      p.links.push({ from: s.name, link });
    }
  }
  return pairs;
}

/** Services taking part in at least one pair, sorted. */
export function linkedServices(view: ModelView): string[] {
  const out = new Set<string>();
  for (const p of view.pairs.values()) out.add(p.a).add(p.b);
  return [...out].sort();
}
