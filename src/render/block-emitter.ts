// A small YAML emitter for what a rendered stack mostly is: block maps and sequences of
// one-line scalars. It writes what the yaml library writes for them (two spaces per level,
// sequences indented under their key, `{}` and `[]` for empty ones, a collection inside a
// sequence starting on the `- ` line) and gives up (undefined) on anything else, so its caller
// falls back to the library. Its speed is what makes a 10,000-service stack take seconds
// (bench/scale.mjs); test/render/stringify-stack.test.ts holds it to the library's text byte
// for byte, and to the value the library reads back, on generated trees.
import { Schema } from 'yaml';
import type { Json, JsonObject } from '../load/located.js';
import { escapedDoubleQuoted, mustEscape } from './safe-string.js';
import { single, whole } from './yaml-text.js';

type Scalar = string | number | boolean | null;

/**
 * When the library writes a string plain (as it is), following its plainString: not empty, no
 * indicator where YAML forbids one, no control character (those force double quotes), and not
 * readable as another type under the YAML 1.1 schema (a number, a boolean, null, a date…).
 * Multi-line strings and document markers ("---" at a line start), whose form depends on the
 * indentation, are left to the library.
 */
const INDICATOR = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const FORCE_DOUBLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
/**
 * What a plain scalar resolves to other than a string: the `test` of each default scalar tag
 * of the library's YAML 1.1 schema, read through its public Schema class (ScalarTag.test is
 * the documented way a tag claims plain scalars), so a new library version's rules come along.
 */
const OTHER_TYPES: readonly RegExp[] = new Schema({ schema: 'yaml-1.1' }).tags.flatMap((t) =>
  t.default === true && t.tag !== 'tag:yaml.org,2002:str' && t.test instanceof RegExp ? [t.test] : [],
);

export function plainOk(s: string): boolean {
  if (s === '' || INDICATOR.test(s) || FORCE_DOUBLE.test(s)) return false;
  return !OTHER_TYPES.some((re) => re.test(s));
}

/** Scalars the library had to write are asked once per emitter, up to this many. */
const MEMO_MAX = 200_000;

/** One per stack: it remembers how the library wrote the scalars it could not vouch for. */
export class BlockEmitter {
  private readonly memo = new Map<string, string | undefined>();

  /** `key: value` at `indent`, the value as a block collection or a one-line scalar. */
  pair(key: string, value: Json, indent: string): string | undefined {
    const k = this.keyText(key);
    if (k === undefined) return undefined;
    const head = `${indent}${k}:`;
    if (!isCollection(value)) {
      const t = this.valueText(value);
      return t === undefined ? undefined : `${head} ${t}\n`;
    }
    if (isEmpty(value)) return `${head} ${Array.isArray(value) ? '[]' : '{}'}\n`;
    const body = this.collection(value, `${indent}  `);
    return body === undefined ? undefined : `${head}\n${body}`;
  }

  private collection(value: Json[] | JsonObject, indent: string): string | undefined {
    let out = '';
    if (!Array.isArray(value)) {
      for (const k of Object.keys(value)) {
        const p = this.pair(k, value[k]!, indent);
        if (p === undefined) return undefined;
        out += p;
      }
      return out;
    }
    for (const item of value) {
      if (!isCollection(item)) {
        const t = this.valueText(item);
        if (t === undefined) return undefined;
        out += `${indent}- ${t}\n`;
      } else if (isEmpty(item)) {
        out += `${indent}- ${Array.isArray(item) ? '[]' : '{}'}\n`;
      } else {
        // The item's first line goes on the `- ` line: its indentation is as long as "- ".
        const body = this.collection(item, `${indent}  `);
        if (body === undefined) return undefined;
        out += `${indent}- ${body.slice(indent.length + 2)}`;
      }
    }
    return out;
  }

  /** How the library writes a scalar as a block value; undefined when that depends on where. */
  valueText(v: Scalar): string | undefined {
    if (typeof v === 'string') {
      if (mustEscape(v)) return escapedDoubleQuoted(v);
      if (v.includes('\n') || DOCUMENT_MARKER.test(v)) return undefined;
      if (plainOk(v)) return v;
    }
    const kind = v === null ? 'null' : typeof v === 'number' && Object.is(v, -0) ? 'number-0' : typeof v;
    return this.remember(`v\0${kind}\0${String(v)}`, () => {
      const text = whole(single('k', v), undefined);
      return text.startsWith('k: ') && text.indexOf('\n') === text.length - 1 ? text.slice(3, -1) : undefined;
    });
  }

  /** How the library writes a mapping key (implicit, on one line); undefined when that depends on where. */
  keyText(k: string): string | undefined {
    if (mustEscape(k) && k.length <= 1000) return escapedDoubleQuoted(k);
    if (k.includes('\n') || k.length > 1000 || DOCUMENT_MARKER.test(k)) return undefined;
    if (plainOk(k)) return k;
    return this.remember(`k\0${k}`, () => {
      const text = whole(single(k, null), undefined);
      return text.endsWith(': null\n') && text.indexOf('\n') === text.length - 1 ? text.slice(0, -': null\n'.length) : undefined;
    });
  }

  private remember(k: string, compute: () => string | undefined): string | undefined {
    if (this.memo.has(k)) return this.memo.get(k);
    const t = compute();
    if (this.memo.size < MEMO_MAX) this.memo.set(k, t);
    return t;
  }
}

const isCollection = (v: Json): v is Json[] | JsonObject => typeof v === 'object' && v !== null;
const isEmpty = (v: Json[] | JsonObject): boolean => (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);
