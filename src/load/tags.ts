// The `!reset` and `!override` YAML tags of the Compose Specification (13-merge.md, "Reset
// value" and "Replace value"): in an override file (or a service that extends another), `KEY:
// !reset VALUE` removes KEY from what is merged under it, and `KEY: !override VALUE` replaces
// the base's value instead of merging with it. compose-go records the tagged paths while
// parsing a file and deletes them from the model merged so far before merging that file; here
// the parser records them on the mapping that holds the key (a side table, like positions),
// and the merge reads them: a `!reset` key is absent from the file's own mapping, and either
// tag keeps the base's value out. Items of sequences are not merged one by one: a `!reset`
// item is dropped from its own sequence, as compose-go drops it, and `!override` on an item
// changes nothing.
import type { Pos } from '../diagnostics.js';
import type { JsonObject } from './located.js';

export type Tag = 'reset' | 'override';

/** The merge tags a mapping carries: key → tag and the tag's position. */
const table = new WeakMap<object, Map<string, { tag: Tag; pos: Pos }>>();

/** The YAML tag on a node, when it is one of ours (the yaml library leaves them unresolved). */
export function mergeTag(tag: string | undefined): Tag | undefined {
  return tag === '!reset' ? 'reset' : tag === '!override' ? 'override' : undefined;
}

export function markKey(obj: JsonObject, key: string, tag: Tag, pos: Pos): void {
  let m = table.get(obj);
  if (!m) table.set(obj, (m = new Map()));
  m.set(key, { tag, pos });
}

/** Whether the base's value at `key` is kept out of the merge (either tag on `key` in `over`). */
export function replaces(over: JsonObject, key: string): boolean {
  return table.get(over)?.has(key) ?? false;
}

export function tagOf(obj: JsonObject, key: string): Tag | undefined {
  return table.get(obj)?.get(key)?.tag;
}

/**
 * Gives `to` the tags of `from` (a mapping rebuilt from another keeps them). A merged mapping
 * carries the tags of both sides: `extends` is resolved after the `-f` files are merged, and
 * a tag in any of them must still keep the extended service's value out, as compose-go does
 * when it resolves `extends` file by file.
 */
export function carryTags(to: JsonObject, from: JsonObject): void {
  const src = table.get(from);
  if (!src || src.size === 0) return;
  for (const [k, t] of src) markKey(to, k, t.tag, t.pos);
}

/** The tags a mapping carries, in the order they were written. */
export function tagsOf(obj: JsonObject): ReadonlyMap<string, { tag: Tag; pos: Pos }> {
  return table.get(obj) ?? new Map();
}
