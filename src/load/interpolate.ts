// Compose-style variable interpolation of one string.
//
// The rules are those of the Compose Specification, "Interpolation"
// (https://github.com/compose-spec/compose-spec/blob/main/12-interpolation.md), as implemented
// by compose-go's `template` package, which is what `docker compose` runs. This is a small
// hand-written scanner rather than compose-go's regular expression so that nested expressions
// (`${A:-${B:-x}}`) and positions are handled directly. Pure: the environment comes in through
// `lookup`, and nothing is logged — unset variables and problems are returned to the caller.

export interface InterpolationProblem {
  kind: 'required' | 'syntax';
  /** 0-based index in the input of the `$` that starts the offending expression. */
  offset: number;
  message: string;
}

export interface InterpolationResult {
  value: string;
  /** True when `value` differs from the input. */
  changed: boolean;
  problems: InterpolationProblem[];
  /** Variables referenced without a default (`$X`, `${X}`) that `lookup` did not know. */
  unset: { name: string; offset: number }[];
}

type Lookup = (name: string) => string | undefined;

/** The operators allowed after the name in `${NAME<op>arg}`; two-character ones listed first. */
type Operator = ':-' | '-' | ':?' | '?' | ':+' | '+';
const OPERATORS: readonly Operator[] = [':-', ':?', ':+', '-', '?', '+'];

/** What one scan of a range produced; nested arguments get their own so they can be dropped. */
interface Scan {
  readonly input: string;
  readonly lookup: Lookup;
  readonly problems: InterpolationProblem[];
  readonly unset: { name: string; offset: number }[];
  /** How many operator arguments this scan is nested in. */
  readonly depth: number;
}

/**
 * Deepest nesting of expressions in expressions (`${A:-${B:-…}}`) accepted: real files use two
 * or three; hostile ones would otherwise recurse until the stack overflows.
 */
export const MAX_NESTING = 64;

export function interpolate(input: string, lookup: Lookup): InterpolationResult {
  const scan: Scan = { input, lookup, problems: [], unset: [], depth: 0 };
  const expanded = expandRange(scan, 0, input.length);
  // An invalid template is an error in compose as a whole; give the text back untouched
  // rather than a half-substituted string.
  const value = scan.problems.some((p) => p.kind === 'syntax') ? input : expanded;
  return { value, changed: value !== input, problems: scan.problems, unset: scan.unset };
}

// --- characters -------------------------------------------------------------------------------

// Spec: "Compose processes any string following a $ sign as long as it makes it a valid
// variable definition - either an alphanumeric name ([_a-zA-Z][_a-zA-Z0-9]*) or a braced
// string starting with ${."
function isNameStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_');
}

function isNameChar(c: string | undefined): boolean {
  return isNameStart(c) || (c !== undefined && c >= '0' && c <= '9');
}

/** Index just past the name starting at `from` (== `from` when there is none). */
function nameEnd(input: string, from: number, end: number): number {
  if (from >= end || !isNameStart(input[from])) return from;
  let i = from + 1;
  while (i < end && isNameChar(input[i])) i++;
  return i;
}

// --- scanning ---------------------------------------------------------------------------------

/** Expands `input[start, end)`: plain text is copied, every `$` form is replaced. */
function expandRange(scan: Scan, start: number, end: number): string {
  const { input } = scan;
  let out = '';
  let i = start;
  while (i < end) {
    const dollar = input.indexOf('$', i);
    if (dollar === -1 || dollar >= end) {
      out += input.slice(i, end);
      break;
    }
    out += input.slice(i, dollar);
    const next = dollar + 1 < end ? input[dollar + 1] : undefined;
    if (next === '$') {
      // Spec: "You can use a $$ (double-dollar sign) when your configuration needs a literal
      // dollar sign."
      out += '$';
      i = dollar + 2;
    } else if (next === '{') {
      const r = expandBraced(scan, dollar, end);
      out += r.text;
      i = r.next;
    } else if (isNameStart(next)) {
      const stop = nameEnd(input, dollar + 1, end);
      out += substitute(scan, input.slice(dollar + 1, stop), dollar);
      i = stop;
    } else {
      // Spec: "In other circumstances, it will be preserved without attempting to interpolate
      // a value." (`$ `, `$-`, `$}`, a trailing `$`).
      out += '$';
      i = dollar + 1;
    }
  }
  return out;
}

/** `$NAME` or `${NAME}`: the value, or '' and an `unset` report when lookup has none. */
function substitute(scan: Scan, name: string, offset: number): string {
  const value = scan.lookup(name);
  if (value === undefined) {
    // Spec: "If Compose can't resolve a substituted variable and no default value is defined,
    // it displays a warning and substitutes the variable with an empty string."
    scan.unset.push({ name, offset });
    return '';
  }
  return value;
}

/**
 * Index of the `}` closing the `{` at `open`, or -1. Like compose-go (getFirstBraceClosingIndex)
 * every `{` opens and every `}` closes, so `${A:-${B}}` and `${A:-{"k":1}}` close where expected.
 */
function findClosingBrace(input: string, open: number, end: number): number {
  let depth = 0;
  for (let i = open; i < end; i++) {
    const c = input[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

interface BracedParts {
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
function parseBraced(input: string, start: number, end: number): BracedParts | string {
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

/** `${...}` starting at `dollar`: returns the replacement text and where scanning resumes. */
function expandBraced(scan: Scan, dollar: number, end: number): { text: string; next: number } {
  const { input } = scan;
  const close = findClosingBrace(input, dollar + 1, end);
  if (close === -1) {
    syntaxProblem(scan, dollar, input.slice(dollar, end), 'missing closing "}"');
    return { text: input.slice(dollar, end), next: end };
  }
  const whole = input.slice(dollar, close + 1);
  const parts = parseBraced(input, dollar + 2, close);
  if (typeof parts === 'string') {
    syntaxProblem(scan, dollar, whole, parts);
    return { text: whole, next: close + 1 };
  }
  const text =
    parts.op === undefined
      ? substitute(scan, parts.name, dollar)
      : applyOperator(scan, parts, parts.op, close, dollar);
  return { text, next: close + 1 };
}

function syntaxProblem(scan: Scan, offset: number, expression: string, why: string): void {
  scan.problems.push({
    kind: 'syntax',
    offset,
    message: `invalid interpolation format for "${expression}": ${why}`,
  });
}

// --- operators --------------------------------------------------------------------------------

/**
 * Expands an operator's argument in a scan of its own. Spec: "Interpolation can also be nested:
 * ${VARIABLE:-${FOO}}, ${VARIABLE?$FOO}, ${VARIABLE:-${FOO:-default}}". Syntax errors count
 * whether or not the argument ends up used (the template is malformed either way); unset
 * variables and required errors only when it is used, as a shell would.
 */
function expandArgument(scan: Scan, start: number, end: number, used: boolean): string {
  if (scan.depth >= MAX_NESTING) {
    syntaxProblem(scan, start, scan.input.slice(start, Math.min(end, start + 40)), `expressions nested more than ${MAX_NESTING} deep`);
    return scan.input.slice(start, end);
  }
  const inner: Scan = { input: scan.input, lookup: scan.lookup, problems: [], unset: [], depth: scan.depth + 1 };
  const text = expandRange(inner, start, end);
  for (const p of inner.problems) if (used || p.kind === 'syntax') scan.problems.push(p);
  if (used) scan.unset.push(...inner.unset);
  return text;
}

function applyOperator(scan: Scan, parts: BracedParts, op: Operator, close: number, dollar: number): string {
  const value = scan.lookup(parts.name);
  const set = value !== undefined;
  const nonEmpty = set && value !== '';
  switch (op) {
    // Spec: "${VAR:-default} -> value of VAR if set and non-empty, otherwise default".
    case ':-':
      return useDefault(scan, parts, close, value, !nonEmpty);
    // Spec: "${VAR-default} -> value of VAR if set, otherwise default".
    case '-':
      return useDefault(scan, parts, close, value, !set);
    // Spec: "${VAR:?error} -> value of VAR if set and non-empty, otherwise exit with error".
    case ':?':
      return requireValue(scan, parts, close, value, nonEmpty, dollar);
    // Spec: "${VAR?error} -> value of VAR if set, otherwise exit with error".
    case '?':
      return requireValue(scan, parts, close, value, set, dollar);
    // Spec: "${VAR:+replacement} -> replacement if VAR is set and non-empty, otherwise empty".
    case ':+':
      return useReplacement(scan, parts, close, nonEmpty);
    // Spec: "${VAR+replacement} -> replacement if VAR is set, otherwise empty".
    case '+':
      return useReplacement(scan, parts, close, set);
  }
}

function useDefault(scan: Scan, parts: BracedParts, close: number, value: string | undefined, fallBack: boolean): string {
  const dflt = expandArgument(scan, parts.argStart, close, fallBack);
  return fallBack ? dflt : (value ?? '');
}

function useReplacement(scan: Scan, parts: BracedParts, close: number, replace: boolean): string {
  const replacement = expandArgument(scan, parts.argStart, close, replace);
  return replace ? replacement : '';
}

function requireValue(
  scan: Scan,
  parts: BracedParts,
  close: number,
  value: string | undefined,
  ok: boolean,
  dollar: number,
): string {
  const text = expandArgument(scan, parts.argStart, close, !ok);
  if (ok) return value ?? '';
  scan.problems.push({
    kind: 'required',
    offset: dollar,
    // compose's wording: "required variable X is missing a value: <text>".
    message: `required variable ${parts.name} is missing a value${text !== '' ? `: ${text}` : ''}`,
  });
  return '';
}
