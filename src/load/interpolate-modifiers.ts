// What the operators of `${NAME<op>arg}` mean: given NAME's value, whether the expression
// stands for that value, for its argument, for nothing, or is a "required variable" error.
// Only the decision lives here, as a table from the spec; src/load/interpolate.ts expands the
// argument, reports the error and builds the text. The operators themselves are parsed by
// src/load/interpolate-syntax.ts.

import type { Operator } from './interpolate-syntax.js';

/**
 * What an expression with an operator yields: `value` the variable's value, `argument` the
 * expanded argument (default or replacement), `empty` the empty string, `missing` a required
 * error whose text is the expanded argument.
 */
export type Outcome = 'value' | 'argument' | 'empty' | 'missing';

/**
 * The spec's table: each operator asks whether the variable is set (`-`, `?`, `+`) or set and
 * non-empty (the `:` forms), and yields one outcome when it is and another when it is not.
 * - `${VAR:-default}`: value of VAR if set and non-empty, otherwise default;
 *   `${VAR-default}`: value of VAR if set, otherwise default.
 * - `${VAR:?error}`: value of VAR if set and non-empty, otherwise exit with error;
 *   `${VAR?error}`: value of VAR if set, otherwise exit with error.
 * - `${VAR:+replacement}`: replacement if VAR is set and non-empty, otherwise empty;
 *   `${VAR+replacement}`: replacement if VAR is set, otherwise empty.
 */
const RULES: Readonly<Record<Operator, readonly [needsNonEmpty: boolean, yes: Outcome, no: Outcome]>> = {
  ':-': [true, 'value', 'argument'],
  '-': [false, 'value', 'argument'],
  ':?': [true, 'value', 'missing'],
  '?': [false, 'value', 'missing'],
  ':+': [true, 'argument', 'empty'],
  '+': [false, 'argument', 'empty'],
};

/** The outcome of `op` for a variable whose value is `value` (undefined when it is not set). */
export function outcomeOf(op: Operator, value: string | undefined): Outcome {
  const [needsNonEmpty, yes, no] = RULES[op];
  const holds = value !== undefined && (!needsNonEmpty || value !== '');
  return holds ? yes : no;
}
