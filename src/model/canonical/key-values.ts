// Attributes written either as a mapping or as a list of `KEY=VALUE` strings (environment,
// labels, sysctls: compose-spec 05-services.md#environment). The long form is the list of
// pairs; the form the user chose is kept too, for writing a part of the attribute back.
import { isObject, type Json, type JsonObject } from '../../load/located.js';

export interface KeyValue {
  readonly key: string;
  /** undefined for `KEY` alone in a list, or a null value in a mapping (no value given). */
  readonly value: string | undefined;
  /** The list item, or the mapping's value, as written. */
  readonly written: Json;
}

export interface KeyValues {
  readonly form: 'list' | 'map' | undefined;
  readonly entries: readonly KeyValue[];
  /** The attribute as written (kept whole when it is neither form). */
  readonly raw: Json | undefined;
}

export function keyValuesOf(v: Json | undefined): KeyValues {
  if (Array.isArray(v)) {
    const entries = v.map((item) => {
      const s = String(item);
      const i = s.indexOf('=');
      return { key: i < 0 ? s : s.slice(0, i), value: i < 0 ? undefined : s.slice(i + 1), written: item };
    });
    return { form: 'list', entries, raw: v };
  }
  if (isObject(v)) {
    const entries = Object.keys(v).map((key) => ({ key, value: v[key] === null ? undefined : String(v[key]), written: v[key]! }));
    return { form: 'map', entries, raw: v };
  }
  return { form: undefined, entries: [], raw: v };
}

/**
 * The attribute split in two by key, each part in the user's form (undefined when empty):
 * the rendered stack gives `net.*` sysctls to the namespace owner and the rest to the app.
 */
export function partitionKeys(kv: KeyValues, test: (key: string) => boolean): { yes: Json | undefined; no: Json | undefined } {
  if (kv.form === undefined) return { yes: undefined, no: kv.raw };
  const part = (want: boolean): Json | undefined => {
    const entries = kv.entries.filter((e) => test(e.key) === want);
    if (entries.length === 0) return undefined;
    if (kv.form === 'list') return entries.map((e) => e.written);
    const out = Object.create(null) as JsonObject;
    for (const e of entries) out[e.key] = e.written;
    return out;
  };
  return { yes: part(true), no: part(false) };
}
