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

/** The outcome of `op` for a variable whose value is `value` (undefined when it is not set). */
export function outcomeOf(op: Operator, value: string | undefined): Outcome {
  const set = value !== undefined;
  const nonEmpty = set && value !== '';
  switch (op) {
    // Spec: "${VAR:-default} -> value of VAR if set and non-empty, otherwise default".
    case ':-':
      return nonEmpty ? 'value' : 'argument';
    // Spec: "${VAR-default} -> value of VAR if set, otherwise default".
    case '-':
      return set ? 'value' : 'argument';
    // Spec: "${VAR:?error} -> value of VAR if set and non-empty, otherwise exit with error".
    case ':?':
      return nonEmpty ? 'value' : 'missing';
    // Spec: "${VAR?error} -> value of VAR if set, otherwise exit with error".
    case '?':
      return set ? 'value' : 'missing';
    // Spec: "${VAR:+replacement} -> replacement if VAR is set and non-empty, otherwise empty".
    case ':+':
      return nonEmpty ? 'argument' : 'empty';
    // Spec: "${VAR+replacement} -> replacement if VAR is set, otherwise empty".
    case '+':
      return set ? 'argument' : 'empty';
  }
}
