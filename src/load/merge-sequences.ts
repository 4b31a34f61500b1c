// How sequences merge (compose-spec 13-merge.md, "Sequence" and "Unique resources"): the
// override's items are appended; for the attributes whose items have an identity, an item with
// the identity of an earlier one replaces it where it stood (compose-go's EnforceUnicity).
// Positions of every item survive.
import type { Pos } from '../diagnostics.js';
import { jsonEqual } from '../validate/json-equal.js';
import { inheritSelf, itemLoc, locateSeq, pushItem, setItemLoc, type Json } from './located.js';

/** Where the two values being merged were written (their positions in their own files). */
export interface At {
  readonly base: Pos | undefined;
  readonly over: Pos | undefined;
}

type SeqRule = (base: Json, over: Json, at: At) => Json;

/**
 * Attributes written as one string or a list (env_file, dns, dns_search, tmpfs, label_file):
 * one string is a list of one, at the string's position, so a merge keeps both sides, as
 * compose-go's mergeToSequence does. Other values go to `rule` as they are.
 */
export const stringOrList =
  (rule: SeqRule): SeqRule =>
  (base, over, at) =>
    rule(single(base, at.base), single(over, at.over), at);

function single(v: Json, pos: Pos | undefined): Json {
  if (typeof v !== 'string') return v;
  const out: Json[] = [v];
  if (pos) locateSeq(out, pos, [pos]);
  return out;
}

/** The override's items after the base's: the rule for every sequence without its own. */
export function append(base: Json, over: Json): Json {
  if (!Array.isArray(base) || !Array.isArray(over)) return over;
  const out: Json[] = [];
  inheritSelf(out, base);
  base.forEach((v, i) => pushItem(out, v, itemLoc(base, i)));
  over.forEach((v, i) => pushItem(out, v, itemLoc(over, i)));
  return out;
}

/**
 * Appended, then one item per key: a later item replaces an earlier one with the same key, in
 * the earlier one's place. An identical repeat keeps the first one's position.
 */
export const uniqueBy =
  (key: (item: Json) => string) =>
  (base: Json, over: Json): Json => {
    const all = append(base, over);
    if (!Array.isArray(all)) return all;
    const out: Json[] = [];
    inheritSelf(out, all);
    const index = new Map<string, number>();
    all.forEach((v, i) => {
      const k = key(v);
      const j = index.get(k);
      if (j === undefined) {
        index.set(k, out.length);
        pushItem(out, v, itemLoc(all, i));
      } else if (!jsonEqual(out[j], v)) {
        out[j] = v;
        const p = itemLoc(all, i);
        if (p) setItemLoc(out, j, p);
      }
    });
    return out;
  };

/**
 * Mounts (volumes, secrets, configs, devices) are unique by their target inside the container:
 * a base entry whose target the override mounts too is dropped, and the override's entries
 * follow the base's others (13-merge.md: `foo:/work` + `bar:/work` → `bar:/work`).
 */
export const byTarget =
  (target: (item: Json) => string) =>
  (base: Json, over: Json): Json => {
    if (!Array.isArray(base) || !Array.isArray(over)) return over;
    const out: Json[] = [];
    inheritSelf(out, base);
    const overTargets = new Set(over.map(target));
    base.forEach((v, i) => {
      if (!overTargets.has(target(v))) pushItem(out, v, itemLoc(base, i));
    });
    over.forEach((v, i) => pushItem(out, v, itemLoc(over, i)));
    return out;
  };
