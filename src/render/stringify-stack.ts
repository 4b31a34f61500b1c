// The rendered stack as YAML text: exactly what the yaml library writes for the whole stack as
// one document, produced in pieces so that a stack of 10,000 services takes seconds and a
// bounded amount of memory (bench/scale.mjs). Two things make the difference:
//
// 1. One document per service (and per x-wireguard topology entry), not one for the stack:
//    each is `services:` with one entry, stringified in exactly the context it has in the
//    whole, so its text is the same byte for byte once the repeated `services:` line is
//    dropped; the library's node tree (hundreds of bytes per value) then exists for one
//    service at a time, not for 30,000.
// 2. Most values are written by a small emitter (block-emitter.ts: block maps and sequences of one-line
//    scalars), which asks the library only how to write a scalar it cannot vouch for itself
//    (one that needs quotes), and remembers the answer. Anything else — a multi-line string
//    such as the sidecar's script — is left to the library, and the text of such an attribute
//    is reused when the same attribute recurs (the script is the same in every sidecar).
// test/render/stringify-stack.test.ts checks, on generated trees, that the result is the
// library's own text byte for byte.
import type { Json, JsonObject } from '../load/located.js';
import { BlockEmitter, plainOk } from './block-emitter.js';
import { isMap, map, single, whole } from './yaml-text.js';

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
    // Both live for this call only: what they remember is this stack's.
    const cache = new AttributeCache();
    const emitter = new BlockEmitter();
    let first = true;
    for (const name of Object.keys(services)) {
      emit(serviceText(name, prepare(services[name]!), first ? comment : undefined, cache, emitter));
      first = false;
    }
    const rest = map();
    for (const k of Object.keys(out)) if (k !== 'services') rest[k] = out[k]!;
    if (Object.keys(rest).length > 0) emit(restText(prepare(rest) as JsonObject, emitter));
  }
  return chunks.join('');
}

/** `services:` and one service, the `services:` line dropped but for the first. */
function serviceText(name: string, svc: Json, comment: string | undefined, cache: AttributeCache, emitter: BlockEmitter): string {
  const keep = comment !== undefined;
  const plain = () => dropHead(whole({ services: single(name, svc) } as JsonObject, comment), 1, keep);
  if (keep || !isMap(svc)) return plain();
  const keys = Object.keys(svc);
  const nameText = emitter.keyText(name);
  if (keys.length === 0 || nameText === undefined || !keys.every((k) => SIMPLE_KEY.test(k))) return plain();

  // Each attribute from the emitter, or as written before; the rest is stringified now, in
  // one document, and split back into its attributes.
  const texts: (string | undefined)[] = keys.map((k) => emitter.pair(k, svc[k]!, ATTRIBUTE_PAD) ?? cache.get(k, svc[k]!));
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
function restText(rest: JsonObject, emitter: BlockEmitter): string {
  return Object.keys(rest)
    .map((k) => emitter.pair(k, rest[k]!, '') ?? whole(single(k, rest[k]!), undefined))
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

/** For tests: the library's text of a whole stack, and the emitter's pieces. */
export const __TEST = { whole, emitPair: (key: string, value: Json, indent: string) => new BlockEmitter().pair(key, value, indent), plainOk };
