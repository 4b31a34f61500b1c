// Strings a YAML reader could read as something else, written so that every reader reads
// them back exactly. PyYAML (docker-compose v1) treats U+0085, U+2028 and U+2029 as line
// breaks, also inside plain and quoted scalars, and the yaml library writes them raw, even in
// plain scalars: a label "x\u2028    privileged:\u2028      true" came out as a plain scalar
// that docker-compose read as `privileged: true` on the service. Such strings, and any holding
// a tab (PyYAML ends a plain scalar at one and then refuses it) or a character YAML does not
// allow raw (C0 and C1 controls but newline, byte order
// marks, noncharacters, lone surrogates) or a carriage return, and multi-line strings with a
// line of blanks (which the library's block scalars do not read back), are written here,
// double-quoted on one line with every such character escaped; every other string is left to
// the library.
import type { Scalar } from 'yaml';
import { stringifyString, stringTag } from 'yaml/util';

/** Characters written only as escapes. */
export const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\u{D800}-\u{DFFF}]/u;
/** A line of blanks in a multi-line string: the library's block scalar reads it back without them (" \n" came back "\n"). */
const BLANK_LINE = /(^|\n)[ \t]+(\n|$)/;

/** Whether `s` is written by escapedDoubleQuoted rather than by the library. */
export const mustEscape = (s: string): boolean => UNSAFE.test(s) || (s.includes('\n') && BLANK_LINE.test(s));

const NAMED: Readonly<Record<string, string>> = {
  '\0': '\\0', '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r', '\x1b': '\\e',
  '"': '\\"', '\\': '\\\\', '\x85': '\\N', '\u2028': '\\L', '\u2029': '\\P',
};

/** `s` as a one-line double-quoted YAML scalar (YAML 1.1 and 1.2 escapes alike). */
export function escapedDoubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const named = NAMED[ch];
    if (named !== undefined) out += named;
    else if (ch.length === 1 && (UNSAFE.test(ch) || ch === '\n')) {
      const c = ch.charCodeAt(0);
      out += c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/**
 * The yaml library's string tag, writing unsafe strings with escapedDoubleQuoted: given to
 * every Document that writes a stack or a LinuxKit spec (yaml-text.ts OPTIONS).
 */
export const safeStringTag = {
  ...stringTag,
  stringify(item: Scalar, ctx: Parameters<typeof stringifyString>[1], onComment?: () => void, onChompKeep?: () => void): string {
    const v = String(item.value);
    return mustEscape(v) ? escapedDoubleQuoted(v) : stringTag.stringify!(item, ctx, onComment, onChompKeep);
  },
};
