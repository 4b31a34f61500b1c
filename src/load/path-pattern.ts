// Paths in a compose model, matched against patterns such as `services.*.ports`: the way
// compose-go dispatches its per-attribute transforms (`"services.*.depends_on":
// transformDependsOn`) and casts. One matcher for every such table (merge rules,
// interpolation casts), so `*` means the same everywhere: exactly one segment, a mapping key
// or a sequence index alike.

/** A table from path patterns to values; the first pattern that matches wins. */
export interface PathTable<T> {
  lookup(path: readonly string[]): T | undefined;
}

/**
 * Compiles `[pattern, value]` rows once: patterns are split into segments and grouped by their
 * length, so a lookup compares only rows of the path's own length.
 */
export function pathTable<T>(rows: readonly (readonly [string, T])[]): PathTable<T> {
  const byLength = new Map<number, { segs: readonly string[]; value: T }[]>();
  for (const [pattern, value] of rows) {
    const segs = pattern.split('.');
    const list = byLength.get(segs.length) ?? byLength.set(segs.length, []).get(segs.length)!;
    list.push({ segs, value });
  }
  return {
    lookup(path) {
      for (const row of byLength.get(path.length) ?? []) {
        if (row.segs.every((s, i) => s === '*' || s === path[i])) return row.value;
      }
      return undefined;
    },
  };
}
