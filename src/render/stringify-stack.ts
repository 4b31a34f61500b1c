// The rendered stack as YAML text: exactly what the yaml library writes for the whole stack as
// one document, produced in pieces so that a stack of 10,000 services takes seconds and a
// bounded amount of memory (bench/scale.mjs). Two things make the difference:
//
// 1. One document per service (and per x-wireguard topology entry), not one for the stack:
//    each is `services:` with one entry, stringified in exactly the context it has in the
//    whole, so its text is the same byte for byte once the repeated `services:` line is
//    dropped; the library's node tree (hundreds of bytes per value) then exists for one
//    service at a time, not for 30,000.
// 2. Most values are written by a small emitter here (block maps and sequences of one-line
//    scalars), which asks the library only how to write a scalar it cannot vouch for itself
//    (one that needs quotes), and remembers the answer. Anything else — a multi-line string
//    such as the sidecar's script — is left to the library, and the text of such an attribute
//    is reused when the same attribute recurs (the script is the same in every sidecar).
// test/render/stringify-stack.test.ts checks, on generated trees, that the result is the
// library's own text byte for byte.
import { Document } from 'yaml';
import type { Json, JsonObject } from '../load/located.js';

// YAML 1.1 quoting: docker-compose v1 reads with PyYAML (YAML 1.1), where an unquoted "yes" is
// a boolean and "22:22" a number; quoting for 1.1 is also valid YAML 1.2.
const OPTIONS = { version: '1.1', aliasDuplicateObjects: false } as const;
const TO_STRING = { lineWidth: 0 } as const;

/**
 * Attribute names whose pair always starts on a line of its own at the attribute indentation:
 * short (an implicit key, never a `? ` explicit one) and on one line. Compose attributes and
 * x- extensions all are; a service with any other key is stringified whole.
 */
const SIMPLE_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** Where a service's attributes start, under `services:` and the service name. */
const ATTRIBUTE_INDENT = 4;
const ATTRIBUTE_PAD = ' '.repeat(ATTRIBUTE_INDENT);
/** Reused texts are kept up to this many characters in all: a bound, not a tuning knob. */
const CACHE_CHARS = 16 * 1024 * 1024;

/**
 * `out` as YAML with `comment` at the top. `prepare` maps each value before it is written (the
 * stack escapes "$"), one service at a time, so no second copy of the whole stack exists.
 * With a `sink`, the text goes there in pieces as it is made, and '' is returned.
 */
export function stringifyStack(out: JsonObject, comment: string, prepare: (v: Json) => Json, sink?: (piece: string) => void): string {
  const chunks: string[] = [];
  const emit = sink ?? ((piece: string) => void chunks.push(piece));
  const services = out['services'];
  if (!isMap(services) || Object.keys(services).length === 0) {
    emit(whole(prepare(out) as JsonObject, comment));
  } else {
    const cache = new AttributeCache();
    let first = true;
    for (const name of Object.keys(services)) {
      emit(serviceText(name, prepare(services[name]!), first ? comment : undefined, cache));
      first = false;
    }
    const rest = map();
    for (const k of Object.keys(out)) if (k !== 'services') rest[k] = out[k]!;
    if (Object.keys(rest).length > 0) emit(restText(prepare(rest) as JsonObject));
  }
  memo.clear();
  return chunks.join('');
}

function whole(out: JsonObject, comment: string | undefined): string {
  const doc = new Document(out, OPTIONS);
  if (comment !== undefined) doc.commentBefore = comment;
  return doc.toString(TO_STRING);
}

/** `services:` and one service, the `services:` line dropped but for the first. */
function serviceText(name: string, svc: Json, comment: string | undefined, cache: AttributeCache): string {
  const keep = comment !== undefined;
  const plain = () => dropHead(whole({ services: single(name, svc) } as JsonObject, comment), 1, keep);
  if (keep || !isMap(svc)) return plain();
  const keys = Object.keys(svc);
  const nameText = keyText(name);
  if (keys.length === 0 || nameText === undefined || !keys.every((k) => SIMPLE_KEY.test(k))) return plain();

  // Each attribute from the emitter, or as written before; the rest is stringified now, in
  // one document, and split back into its attributes.
  const texts: (string | undefined)[] = keys.map((k) => emitPair(k, svc[k]!, ATTRIBUTE_PAD) ?? cache.get(k, svc[k]!));
  if (!texts.includes(undefined)) return `  ${nameText}:\n${texts.join('')}`;
  const fresh = map();
  keys.forEach((k, i) => {
    if (texts[i] === undefined) fresh[k] = svc[k]!;
  });
  const lines = whole({ services: single(name, fresh) } as JsonObject, undefined).split('\n');
  // `services:`, the service's own line, its attributes, and the final newline's empty string.
  const blocks = splitAttributes(lines.slice(2, lines.length - 1));
  if (blocks.length !== Object.keys(fresh).length) return plain(); // not the shape we know: no shortcut
  let b = 0;
  keys.forEach((k, i) => {
    if (texts[i] !== undefined) return;
    texts[i] = blocks[b++]!;
    cache.put(k, svc[k]!, texts[i]!);
  });
  return `${lines[1]}\n${texts.join('')}`;
}

/**
 * A service's attribute lines, split where each attribute starts: a line indented exactly
 * ATTRIBUTE_INDENT spaces. Everything inside an attribute is indented further (sequences too:
 * the library indents them under their key) or empty (blank lines of a block scalar).
 */
function splitAttributes(lines: readonly string[]): string[] {
  const blocks: string[] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    const indent = line.length - line.trimStart().length;
    if (line.length > 0 && indent === ATTRIBUTE_INDENT) {
      if (current) blocks.push(`${current.join('\n')}\n`);
      current = [line];
    } else if (current && (line.length === 0 || indent > ATTRIBUTE_INDENT)) {
      current.push(line);
    } else {
      return []; // a line that belongs to no attribute: let the caller fall back
    }
  }
  if (current) blocks.push(`${current.join('\n')}\n`);
  return blocks;
}

/** The top-level keys after `services:`, each from the emitter if it can, else from the library. */
function restText(rest: JsonObject): string {
  return Object.keys(rest)
    .map((k) => emitPair(k, rest[k]!, '') ?? whole(single(k, rest[k]!), undefined))
    .join('');
}

/** Drops the first `n` lines (the keys every chunk repeats), unless this chunk keeps them. */
function dropHead(text: string, n: number, keep: boolean): string {
  if (keep) return text;
  let at = 0;
  for (let i = 0; i < n; i++) at = text.indexOf('\n', at) + 1;
  return text.slice(at);
}

/**
 * Texts of attributes by attribute name and value. A value is remembered the first time and
 * its text kept the second time, so values that occur once (most dependency lists) cost a
 * key, not a text.
 */
class AttributeCache {
  private readonly seen = new Set<string>();
  private readonly texts = new Map<string, string>();
  private chars = 0;

  get(key: string, value: Json): string | undefined {
    return this.texts.get(cacheKey(key, value));
  }

  put(key: string, value: Json, text: string): void {
    const k = cacheKey(key, value);
    if (!this.seen.has(k)) {
      this.seen.add(k);
      return;
    }
    if (this.chars + text.length + k.length > CACHE_CHARS) return;
    this.chars += text.length + k.length;
    this.texts.set(k, text);
  }
}

/** JSON tells every value apart but -0 from 0, which YAML writes differently. */
const cacheKey = (key: string, value: Json): string => `${key}\0${JSON.stringify(value, (_k, v: unknown) => (v === 0 && 1 / v < 0 ? '\0-0' : v))}`;

const isMap = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const map = (): JsonObject => Object.create(null) as JsonObject;

function single(name: string, value: Json): JsonObject {
  const m = map();
  m[name] = value;
  return m;
}

// --- the emitter ------------------------------------------------------------------------------
// It writes what the library writes for block collections (two spaces per level, sequences
// indented under their key, `{}` and `[]` for empty ones, a collection inside a sequence
// starting on the `- ` line) and gives up (undefined) on anything else, so its caller falls
// back to the library.

type Scalar = string | number | boolean | null;

function emitPair(key: string, value: Json, indent: string): string | undefined {
  const k = keyText(key);
  if (k === undefined) return undefined;
  const head = `${indent}${k}:`;
  if (!isCollection(value)) {
    const t = valueText(value);
    return t === undefined ? undefined : `${head} ${t}\n`;
  }
  if (isEmpty(value)) return `${head} ${Array.isArray(value) ? '[]' : '{}'}\n`;
  const body = emitCollection(value, `${indent}  `);
  return body === undefined ? undefined : `${head}\n${body}`;
}

function emitCollection(value: Json[] | JsonObject, indent: string): string | undefined {
  let out = '';
  if (!Array.isArray(value)) {
    for (const k of Object.keys(value)) {
      const p = emitPair(k, value[k]!, indent);
      if (p === undefined) return undefined;
      out += p;
    }
    return out;
  }
  for (const item of value) {
    if (!isCollection(item)) {
      const t = valueText(item);
      if (t === undefined) return undefined;
      out += `${indent}- ${t}\n`;
    } else if (isEmpty(item)) {
      out += `${indent}- ${Array.isArray(item) ? '[]' : '{}'}\n`;
    } else {
      // The item's first line goes on the `- ` line: its indentation is as long as "- ".
      const body = emitCollection(item, `${indent}  `);
      if (body === undefined) return undefined;
      out += `${indent}- ${body.slice(indent.length + 2)}`;
    }
  }
  return out;
}

const isCollection = (v: Json): v is Json[] | JsonObject => typeof v === 'object' && v !== null;
const isEmpty = (v: Json[] | JsonObject): boolean => (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);

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
let otherTypes: RegExp[] | undefined;

function plainOk(s: string): boolean {
  if (s === '' || INDICATOR.test(s) || FORCE_DOUBLE.test(s)) return false;
  if (otherTypes === undefined) {
    const schema = new Document(null, OPTIONS).schema as unknown as { tags: SchemaTag[]; compat?: SchemaTag[] | null };
    otherTypes = [...schema.tags, ...(schema.compat ?? [])]
      .filter((t) => t.default === true && t.tag !== 'tag:yaml.org,2002:str' && t.test instanceof RegExp)
      .map((t) => t.test!);
  }
  return !otherTypes.some((re) => re.test(s));
}
interface SchemaTag {
  readonly default?: boolean | string;
  readonly tag: string;
  readonly test?: RegExp;
}

/** Scalars the library had to write, by kind and value: each is asked once. Bounded. */
const MEMO_MAX = 200_000;
const memo = new Map<string, string | undefined>();
function remember(k: string, compute: () => string | undefined): string | undefined {
  if (memo.has(k)) return memo.get(k);
  const t = compute();
  if (memo.size < MEMO_MAX) memo.set(k, t);
  return t;
}

/** How the library writes a scalar as a block value; undefined when that depends on where. */
function valueText(v: Scalar): string | undefined {
  if (typeof v === 'string') {
    if (v.includes('\n') || DOCUMENT_MARKER.test(v)) return undefined;
    if (plainOk(v)) return v;
  }
  const kind = v === null ? 'null' : typeof v === 'number' && Object.is(v, -0) ? 'number-0' : typeof v;
  return remember(`v\0${kind}\0${String(v)}`, () => {
    const text = whole(single('k', v), undefined);
    return text.startsWith('k: ') && text.indexOf('\n') === text.length - 1 ? text.slice(3, -1) : undefined;
  });
}

/** How the library writes a mapping key (implicit, on one line); undefined when that depends on where. */
function keyText(k: string): string | undefined {
  if (k.includes('\n') || k.length > 1000 || DOCUMENT_MARKER.test(k)) return undefined;
  if (plainOk(k)) return k;
  return remember(`k\0${k}`, () => {
    const text = whole(single(k, null), undefined);
    return text.endsWith(': null\n') && text.indexOf('\n') === text.length - 1 ? text.slice(0, -': null\n'.length) : undefined;
  });
}

/** For tests: the library's text of a whole stack, and the pieces. */
export const __TEST = { whole, emitPair, plainOk };
