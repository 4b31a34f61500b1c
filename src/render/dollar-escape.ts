// The one transformation every value of a rendered stack goes through on its way out.
import { isObject, type Json, type JsonObject } from '../load/located.js';

/**
 * Compose interpolates the rendered file again when it reads it. Every value here is final
 * (the input was interpolated already, and `$$` became `$`), so every "$" is a literal and
 * is written back as "$$"; otherwise `$$HOME` in the input would become the host's $HOME.
 * It copies: the model it renders from is shared with the caller.
 */
export function dollarEscaper(): (v: Json) => Json {
  // The sidecar script, the same in every sidecar, is escaped once per stack, not once per service.
  let last: { readonly text: string; readonly escaped: string } | undefined;
  const text = (t: string): string => {
    if (last?.text === t) return last.escaped;
    const escaped = t.replaceAll('$', '$$$$');
    if (t.length > 256) last = { text: t, escaped };
    return escaped;
  };
  const escape = (v: Json): Json => {
    if (typeof v === 'string') return v.includes('$') ? text(v) : v;
    if (Array.isArray(v)) return v.map(escape);
    if (isObject(v)) {
      const out = obj();
      for (const k of Object.keys(v)) out[k] = escape(v[k]!);
      return out;
    }
    return v;
  };
  return escape;
}

const obj = (): JsonObject => Object.create(null) as JsonObject;
