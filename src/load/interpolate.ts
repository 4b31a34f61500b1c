// Compose-style variable interpolation of one string.
//
// The rules are those of the Compose Specification, "Interpolation"
// (https://github.com/compose-spec/compose-spec/blob/main/12-interpolation.md), as implemented
// by compose-go's `template` package, which is what `docker compose` runs. This is a small
// hand-written scanner rather than compose-go's regular expression so that nested expressions
// (`${A:-${B:-x}}`) and positions are handled directly. Pure: the environment comes in through
// `lookup`, and nothing is logged — unset variables and problems are returned to the caller.
//
// This module walks the text and builds the result; the grammar of one expression (names,
// braces, operators) is src/load/interpolate-syntax.ts, and what each operator yields for a
// given value is src/load/interpolate-modifiers.ts.

import { findClosingBrace, isNameStart, nameEnd, parseBraced, type BracedParts, type Operator } from './interpolate-syntax.js';
import { outcomeOf } from './interpolate-modifiers.js';

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

/**
 * `${NAME<op>arg}`: the argument is always scanned (its syntax errors count either way), but
 * counts as used only when the outcome is the argument or the required error's text.
 */
function applyOperator(scan: Scan, parts: BracedParts, op: Operator, close: number, dollar: number): string {
  const value = scan.lookup(parts.name);
  const outcome = outcomeOf(op, value);
  const text = expandArgument(scan, parts.argStart, close, outcome === 'argument' || outcome === 'missing');
  switch (outcome) {
    case 'value':
      return value ?? '';
    case 'argument':
      return text;
    case 'empty':
      return '';
    case 'missing':
      scan.problems.push({
        kind: 'required',
        offset: dollar,
        // compose's wording: "required variable X is missing a value: <text>".
        message: `required variable ${parts.name} is missing a value${text !== '' ? `: ${text}` : ''}`,
      });
      return '';
  }
}
