// Source positions for plain JS values. Compose files become ordinary objects and arrays
// (the merge rules, schema validation and rendering all want plain data), while every
// diagnostic must still point at the user's `file:line:col`. A side table keyed by object
// identity keeps, for each mapping, where each key and value came from, and for each
// sequence, where each item came from — even after merging several files into one.
import type { Pos } from '../diagnostics.js';

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

interface MapLoc {
  readonly kind: 'map';
  self: Pos;
  readonly keys: Map<string, { key: Pos; value: Pos }>;
}
interface SeqLoc {
  readonly kind: 'seq';
  self: Pos;
  readonly items: Pos[];
}

const table = new WeakMap<object, MapLoc | SeqLoc>();

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function locateMap(obj: JsonObject, self: Pos): void {
  table.set(obj, { kind: 'map', self, keys: new Map() });
}
export function locateSeq(arr: Json[], self: Pos, items: Pos[] = []): void {
  table.set(arr, { kind: 'seq', self, items });
}
export function setKeyLoc(obj: JsonObject, key: string, keyPos: Pos, valuePos: Pos): void {
  const l = table.get(obj);
  if (l?.kind === 'map') l.keys.set(key, { key: keyPos, value: valuePos });
}
export function setItemLoc(arr: Json[], index: number, pos: Pos): void {
  const l = table.get(arr);
  if (l?.kind === 'seq') l.items[index] = pos;
}

/** Position of the mapping or sequence itself. */
export function selfLoc(v: unknown): Pos | undefined {
  return typeof v === 'object' && v !== null ? table.get(v)?.self : undefined;
}
export function keyLoc(obj: unknown, key: string): Pos | undefined {
  const l = typeof obj === 'object' && obj !== null ? table.get(obj) : undefined;
  return l?.kind === 'map' ? l.keys.get(key)?.key : undefined;
}
export function valueLoc(obj: unknown, key: string): Pos | undefined {
  const l = typeof obj === 'object' && obj !== null ? table.get(obj) : undefined;
  return l?.kind === 'map' ? l.keys.get(key)?.value : undefined;
}
export function itemLoc(arr: unknown, index: number): Pos | undefined {
  const l = typeof arr === 'object' && arr !== null ? table.get(arr) : undefined;
  return l?.kind === 'seq' ? l.items[index] : undefined;
}

/** Position of child `k` of a mapping or sequence, falling back to the container itself. */
export function childLoc(container: unknown, k: string | number): Pos | undefined {
  if (Array.isArray(container)) return itemLoc(container, Number(k)) ?? selfLoc(container);
  return valueLoc(container, String(k)) ?? selfLoc(container);
}

/**
 * Walks a JSON-pointer-like path (`/services/web/links/0`) and returns the deepest position
 * known: ajv reports errors by path, users need them by line.
 */
export function locAtPath(root: unknown, path: readonly (string | number)[], wantKey = false): Pos | undefined {
  let cur: unknown = root;
  let best = selfLoc(root);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    let here: Pos | undefined;
    if (Array.isArray(cur)) {
      here = itemLoc(cur, Number(seg));
      cur = cur[Number(seg)];
    } else if (isObject(cur)) {
      here = last && wantKey ? keyLoc(cur, String(seg)) : valueLoc(cur, String(seg));
      cur = Object.hasOwn(cur, String(seg)) ? cur[String(seg)] : undefined;
    } else break;
    if (here) best = here;
    if (cur === undefined) break;
  }
  return best;
}

/** Creates a located mapping from entries whose positions are known. */
export function newMap(self: Pos | undefined): JsonObject {
  const o: JsonObject = Object.create(null) as JsonObject;
  if (self) locateMap(o, self);
  return o;
}

/** Copies one key with its positions from `from` into `to` (both located mappings). */
export function copyKey(to: JsonObject, from: JsonObject, key: string, value: Json = from[key] as Json): void {
  to[key] = value;
  const k = keyLoc(from, key);
  const v = valueLoc(from, key);
  if (k && v) {
    if (!table.has(to)) locateMap(to, selfLoc(from) ?? k);
    setKeyLoc(to, key, k, v);
  }
}

/** Appends an item with its position from another located sequence. */
export function pushItem(to: Json[], value: Json, pos: Pos | undefined): void {
  to.push(value);
  if (pos) {
    if (!table.has(to)) locateSeq(to, pos);
    setItemLoc(to, to.length - 1, pos);
  }
}

/** Gives `to` the same self position as `from` when it has none yet. */
export function inheritSelf(to: object, from: object): void {
  const src = table.get(from);
  if (!src) return;
  const dst = table.get(to);
  if (dst) return;
  if (Array.isArray(to)) locateSeq(to as Json[], src.self);
  else locateMap(to as JsonObject, src.self);
}
