// Equality of JSON values, as JSON Schema defines it for `uniqueItems`, `const` and `enum`
// (JSON Schema 2020-12 core, §4.2.2: same type; objects with the same property names, each
// with equal values; arrays item by item). ajv's own comparison (fast-deep-equal) treats its
// arguments as JavaScript objects: it compares constructors and calls `valueOf`/`toString`
// when they are not Object.prototype's. The loader's mappings have no prototype (so a key
// named `__proto__` is data: DESIGN.md §7), and a mapping may have a key named `valueOf`;
// either made ajv throw ("a.valueOf is not a function", exit 4) on valid files such as
// `ports: [{target: 80}, {target: 81}]`. scripts/build-validators.mjs puts this function in
// the generated validators in place of ajv's, so it must stay self-contained: no imports, no
// other top-level names.
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return typeof a === 'number' && typeof b === 'number' && a !== a && b !== b; // NaN, as ajv
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
