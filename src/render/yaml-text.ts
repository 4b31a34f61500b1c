// The yaml library's own text of a value, with the options every rendered stack uses: the
// reference the fast emitter (block-emitter.ts) must match byte for byte, and its fallback.
import { Document, type Tags } from 'yaml';
import { safeStringTag } from './safe-string.js';
import type { Json, JsonObject } from '../load/located.js';

// YAML 1.1 quoting: docker-compose v1 reads with PyYAML (YAML 1.1), where an unquoted "yes" is
// a boolean and "22:22" a number; quoting for 1.1 is also valid YAML 1.2.
// Strings with characters a reader could take for line breaks are written escaped (safe-string.ts).
export const OPTIONS = {
  version: '1.1',
  aliasDuplicateObjects: false,
  customTags: (tags: Tags): Tags => tags.map((t) => (typeof t === 'object' && 'tag' in t && t.tag === 'tag:yaml.org,2002:str' ? safeStringTag : t)),
} as const;
const TO_STRING = { lineWidth: 0 } as const;

/** The library's text of `out` as one document, with `comment` at the top. */
export function whole(out: JsonObject, comment: string | undefined): string {
  const doc = new Document(out, OPTIONS);
  if (comment !== undefined) doc.commentBefore = comment;
  return doc.toString(TO_STRING);
}

export const isMap = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
export const map = (): JsonObject => Object.create(null) as JsonObject;

/** A mapping of one key. */
export function single(name: string, value: Json): JsonObject {
  const m = map();
  m[name] = value;
  return m;
}
