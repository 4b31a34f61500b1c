// The rendered stack as YAML text: exactly what the yaml library writes for the whole stack as
// one document, produced in pieces so that a stack of 10,000 services takes seconds and a
// bounded amount of memory (bench/scale.mjs). What makes the difference:
//
// 1. One document per service, not one for the stack: each is `services:` with one entry,
//    stringified in exactly the context it has in the whole, so its text is the same byte for
//    byte once the repeated `services:` line is dropped; the library's node tree (hundreds of
//    bytes per value) then exists for one service at a time, not for 30,000. The services
//    themselves come one at a time too (StackSource), and a large map after them
//    (x-wireguard's topology, the secrets) is written an entry at a time.
// 2. Most values are written by a small emitter (block-emitter.ts: block maps and sequences of
//    one-line scalars), which asks the library only how to write a scalar it cannot vouch for
//    itself (one that needs quotes), and remembers the answer. Anything else is left to the
//    library, and the text of such an attribute is reused when the same attribute recurs.
// 3. A value every sidecar repeats (its script, kilobytes long) can be `shared`: written in
//    full once, with an anchor, and as an alias (`*name`) after that, which YAML readers
//    (PyYAML in docker-compose, Go's yaml in docker) resolve to the same value.
// test/render/stringify-stack.test.ts checks, on generated trees, that the result is the
// library's own text byte for byte, and that a shared value reads back the same.
import type { Json, JsonObject } from '../load/located.js';
import { BlockEmitter, plainOk } from './block-emitter.js';
import { Aliases, ATTRIBUTE_INDENT, ATTRIBUTE_PAD, AttributeCache, type SharedValue } from './attribute-texts.js';
import { isMap, map, single, whole } from './yaml-text.js';

export type { SharedValue } from './attribute-texts.js';

/**
 * Attribute names whose pair always starts on a line of its own at the attribute indentation:
 * short (an implicit key, never a `? ` explicit one) and on one line. Compose attributes and
 * x- extensions all are; a service with any other key is stringified whole.
 */
const SIMPLE_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** Maps with more keys than this are written an entry at a time (x-wireguard's topology, the secrets). */
const STREAM_KEYS = 64;
/** A sink is handed pieces of about this many characters. */
const PIECE_CHARS = 64 * 1024;

/** A stack to write: its services one at a time, each made as it is written, then the other top-level keys. */
export interface StackSource {
  /** Name and value of each service, in order: made when asked for, dropped once written. */
  readonly services: Iterable<readonly [string, Json]>;
  /** The top-level keys after `services`, in order. */
  readonly rest: JsonObject;
}

export interface StackStyle {
  /** The comment at the top. */
  readonly comment: string;
  /** Maps each value before it is written (the stack escapes "$"), a piece at a time. */
  readonly prepare: (v: Json) => Json;
  readonly shared?: SharedValue;
}

/**
 * The stack as YAML. With a `sink`, the text goes there in pieces as it is made, and '' is
 * returned; no copy of the whole stack, nor of all its services, exists at any time.
 */
export function writeStackText(src: StackSource, style: StackStyle, sink?: (piece: string) => void): string {
  const chunks: string[] = [];
  // To a sink in pieces of about PIECE_CHARS: one write per service was 50,000 system calls.
  let pending = 0;
  const emit = (piece: string): void => {
    chunks.push(piece);
    pending += piece.length;
    if (sink && pending >= PIECE_CHARS) flush();
  };
  const flush = (): void => {
    if (sink && chunks.length > 0) sink(chunks.splice(0).join(''));
    pending = 0;
  };
  const services = src.services[Symbol.iterator]();
  const first = services.next();
  if (first.done) {
    const out = single('services', map());
    for (const k of Object.keys(src.rest)) out[k] = src.rest[k]!;
    emit(whole(style.prepare(out) as JsonObject, style.comment));
  } else {
    // All three live for this call only: what they remember is this stack's.
    const cache = new AttributeCache();
    const emitter = new BlockEmitter();
    const alias = style.shared ? new Aliases(style.shared) : undefined;
    emit(serviceText(first.value[0], style.prepare(first.value[1]), style.comment, cache, emitter, alias));
    for (let s = services.next(); !s.done; s = services.next()) emit(serviceText(s.value[0], style.prepare(s.value[1]), undefined, cache, emitter, alias));
    for (const k of Object.keys(src.rest)) writePair([], k, src.rest[k]!, style.prepare, emitter, emit);
  }
  flush();
  return sink ? '' : chunks.join('');
}

/** `out` (services first) as writeStackText writes it: for a stack already made whole. */
export function stringifyStack(out: JsonObject, comment: string, prepare: (v: Json) => Json, sink?: (piece: string) => void, shared?: SharedValue): string {
  const services = out['services'];
  if (!isMap(services) || Object.keys(services).length === 0) {
    const text = whole(prepare(out) as JsonObject, comment);
    if (!sink) return text;
    sink(text);
    return '';
  }
  const rest = map();
  for (const k of Object.keys(out)) if (k !== 'services') rest[k] = out[k]!;
  const entries = Object.keys(services).map((name) => [name, services[name]!] as const);
  return writeStackText({ services: entries, rest }, { comment, prepare, ...(shared ? { shared } : {}) }, sink);
}

/** `services:` and one service, the `services:` line dropped but for the first. */
function serviceText(name: string, svc: Json, comment: string | undefined, cache: AttributeCache, emitter: BlockEmitter, alias?: Aliases): string {
  const keep = comment !== undefined;
  const plain = () => dropHead(whole({ services: single(name, svc) } as JsonObject, comment), 1, keep);
  if (keep || !isMap(svc)) return plain();
  const keys = Object.keys(svc);
  const nameText = emitter.keyText(name);
  if (keys.length === 0 || nameText === undefined || !keys.every((k) => SIMPLE_KEY.test(k))) return plain();

  // Each attribute from the emitter, or as written before; the rest is stringified now, in
  // one document, and split back into its attributes.
  const texts: (string | undefined)[] = keys.map((k) => alias?.text(k, svc[k]!) ?? emitter.pair(k, svc[k]!, ATTRIBUTE_PAD) ?? cache.get(k, svc[k]!));
  alias?.anchorIn(keys, svc, texts);
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
  alias?.anchorIn(keys, svc, texts);
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

/**
 * `key: value` under the keys `path`, from the emitter if it can, else from the library. A
 * large map is written an entry at a time: a 10,000-service topology as one string is a tree
 * of hundreds of thousands of pieces that lives until the last one is added.
 */
function writePair(path: readonly string[], key: string, value: Json, prepare: (v: Json) => Json, emitter: BlockEmitter, emit: (s: string) => void): void {
  const indent = '  '.repeat(path.length);
  const keyText = emitter.keyText(key);
  if (isMap(value) && keyText !== undefined && Object.keys(value).length > STREAM_KEYS) {
    emit(`${indent}${keyText}:\n`);
    for (const k of Object.keys(value)) writePair([...path, key], k, value[k]!, prepare, emitter, emit);
    return;
  }
  const v = prepare(value);
  emit(emitter.pair(key, v, indent) ?? libraryAt(path, key, v));
}

/**
 * The library's text of `key: value` nested under the keys `path`, those keys' lines dropped:
 * the text it has in the whole document, where it depends on nothing but its own depth.
 */
function libraryAt(path: readonly string[], key: string, value: Json): string {
  let doc = single(key, value);
  for (let i = path.length - 1; i >= 0; i--) doc = single(path[i]!, doc);
  return dropHead(whole(doc, undefined), path.length, false);
}

/** Drops the first `n` lines (the keys every chunk repeats), unless this chunk keeps them. */
function dropHead(text: string, n: number, keep: boolean): string {
  if (keep) return text;
  let at = 0;
  for (let i = 0; i < n; i++) at = text.indexOf('\n', at) + 1;
  return text.slice(at);
}

const pairPieces = (key: string, value: Json): string[] => {
  const pieces: string[] = [];
  writePair([], key, value, (v) => v, new BlockEmitter(), (p) => void pieces.push(p));
  return pieces;
};
/** For tests: the library's text of a whole stack, the emitter's pieces, and the pieces a top-level pair is written in. */
export const __TEST = { whole, emitPair: (key: string, value: Json, indent: string) => new BlockEmitter().pair(key, value, indent), plainOk, pairPieces };
