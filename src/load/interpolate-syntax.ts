// The grammar of one interpolation expression: which characters make a name, where a `${`
// closes, and how the body of `${...}` splits into name, operator and argument. Pure string
// positions, no values: src/load/interpolate.ts walks the text with these, looks variables up
// and reports problems; src/load/interpolate-modifiers.ts says what each operator yields.
//
// The rules are those of the Compose Specification, "Interpolation"
// (https://github.com/compose-spec/compose-spec/blob/main/12-interpolation.md), as implemented
// by compose-go's `template` package.

/** The operators allowed after the name in `${NAME<op>arg}`; two-character ones listed first. */
export type Operator = ':-' | '-' | ':?' | '?' | ':+' | '+';
const OPERATORS: readonly Operator[] = [':-', ':?', ':+', '-', '?', '+'];

// --- characters -------------------------------------------------------------------------------

// Spec: "Compose processes any string following a $ sign as long as it makes it a valid
// variable definition - either an alphanumeric name ([_a-zA-Z][_a-zA-Z0-9]*) or a braced
// string starting with ${."
export function isNameStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_');
}

function isNameChar(c: string | undefined): boolean {
  return isNameStart(c) || (c !== undefined && c >= '0' && c <= '9');
}

/** Index just past the name starting at `from` (== `from` when there is none). */
export function nameEnd(input: string, from: number, end: number): number {
  if (from >= end || !isNameStart(input[from])) return from;
  let i = from + 1;
  while (i < end && isNameChar(input[i])) i++;
  return i;
}

// --- braced expressions -----------------------------------------------------------------------

/**
 * Index of the `}` closing the `{` at `open`, or -1. Like compose-go (getFirstBraceClosingIndex)
 * every `{` opens and every `}` closes, so `${A:-${B}}` and `${A:-{"k":1}}` close where expected.
 */
export function findClosingBrace(input: string, open: number, end: number): number {
  let depth = 0;
  for (let i = open; i < end; i++) {
    const c = input[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

export interface BracedParts {
  readonly name: string;
  readonly op: Operator | undefined;
  /** Where the operator's argument (default, replacement or error text) starts. */
  readonly argStart: number;
}

/**
 * Splits the body of `${...}` (`input[start, end)`) into name, operator and argument, or
 * returns why it is not a valid expression. Spec: "For braced expressions, the following formats
 * are supported: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error},
 * ${VAR:+replacement}, ${VAR+replacement}"; anything else (`${}`, `${1A}`, `${A:x}`, `${A }`,
 * shell extensions such as `${A/x/y}`) is rejected.
 */
export function parseBraced(input: string, start: number, end: number): BracedParts | string {
  if (start === end) return 'empty variable name';
  const stop = nameEnd(input, start, end);
  if (stop === start) return 'a variable name must start with a letter or "_"';
  const name = input.slice(start, stop);
  if (stop === end) return { name, op: undefined, argStart: end };
  // compose-go picks the operator that appears first; since the name cannot contain any
  // operator character, that is always the one right after the name.
  const op = OPERATORS.find((o) => input.startsWith(o, stop));
  if (op === undefined) {
    return `unexpected "${input.slice(stop, end)}" after variable name; expected one of :- - :? ? :+ + or }`;
  }
  return { name, op, argStart: stop + op.length };
}
