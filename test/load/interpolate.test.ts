import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { interpolate, type InterpolationResult } from '../../src/load/interpolate.js';

// FOO is set, BAR is set but empty, anything else is unset (the fixture compose-go's tests use).
const ENV: Record<string, string> = { FOO: 'first', BAR: '', SPACED: 'a b' };
const lookup = (name: string): string | undefined => (Object.hasOwn(ENV, name) ? ENV[name] : undefined);
const run = (input: string): InterpolationResult => interpolate(input, lookup);

/** Asserts a clean expansion: the exact value, no problems, no unset variables. */
function expands(input: string, value: string): void {
  assert.equal(run(input), { value, changed: value !== input, problems: [], unset: [] }, input);
}

// --- plain text and simple references -----------------------------------------------------------

test('text without $ is returned unchanged', () => {
  assert.equal(run('hello world'), { value: 'hello world', changed: false, problems: [], unset: [] });
  assert.equal(run(''), { value: '', changed: false, problems: [], unset: [] });
});

test('$VAR and ${VAR}', () => {
  expands('$FOO', 'first');
  expands('${FOO}', 'first');
  expands('x${FOO}y', 'xfirsty');
  expands('[$FOO]', '[first]');
  expands('$SPACED!', 'a b!');
  expands('${FOO}${FOO}', 'firstfirst');
});

test('an unbraced name is the longest [A-Za-z0-9_] run', () => {
  // compose issue 8601: `$FOO-bar` is FOO followed by "-bar", not a default.
  expands('$FOO-bar', 'first-bar');
  expands('$FOO.bar', 'first.bar');
  expands('$FOO:bar', 'first:bar');
  assert.equal(run('$FOO_BAR'), { value: '', changed: true, problems: [], unset: [{ name: 'FOO_BAR', offset: 0 }] });
  assert.equal(run('$FOO1'), { value: '', changed: true, problems: [], unset: [{ name: 'FOO1', offset: 0 }] });
});

test('names are case-sensitive and may start with _', () => {
  const r = interpolate('$foo ${_x} $Foo', (n) => ({ foo: 'lower', _x: 'under' })[n]);
  assert.equal(r, { value: 'lower under ', changed: true, problems: [], unset: [{ name: 'Foo', offset: 11 }] });
});

test('an empty variable expands to empty and is not reported as unset', () => {
  expands('a${BAR}b', 'ab');
  expands('a$BAR', 'a');
});

test('unset variables become empty and are reported with the offset of their $', () => {
  assert.equal(run('This ${missing} var'), {
    value: 'This  var',
    changed: true,
    problems: [],
    unset: [{ name: 'missing', offset: 5 }],
  });
  assert.equal(run('$X and ${Y} and $X'), {
    value: ' and  and ',
    changed: true,
    problems: [],
    unset: [
      { name: 'X', offset: 0 },
      { name: 'Y', offset: 7 },
      { name: 'X', offset: 16 },
    ],
  });
});

test('changed is false when the expansion equals the input', () => {
  const r = interpolate('$A', (n) => (n === 'A' ? '$A' : undefined));
  assert.equal(r, { value: '$A', changed: false, problems: [], unset: [] });
});

test('the replacement value is not interpolated again', () => {
  const r = interpolate('${A}', (n) => (n === 'A' ? '${FOO} $$' : undefined));
  assert.equal(r, { value: '${FOO} $$', changed: true, problems: [], unset: [] });
});

test('lookup is only asked for the names referenced', () => {
  const asked: string[] = [];
  interpolate('$A ${B:-x} ${C:+y} $$D', (n) => {
    asked.push(n);
    return undefined;
  });
  assert.equal(asked, ['A', 'B', 'C']);
});

// --- $$ and literal $ ---------------------------------------------------------------------------

test('$$ is a literal $ and is not interpolated further', () => {
  expands('$$', '$');
  expands('$$FOO', '$FOO');
  expands('$${FOO}', '${FOO}');
  expands('$$$FOO', '$first');
  expands('$$$$', '$$');
  expands('cost: 5$$', 'cost: 5$');
});

test('a $ not followed by a name, { or $ is kept literally', () => {
  expands('a $ b', 'a $ b');
  expands('$-', '$-');
  expands('$}', '$}');
  expands('$1', '$1');
  expands('100$', '100$');
  expands('$', '$');
  expands('$.FOO', '$.FOO');
  expands('$ $FOO', '$ first');
});

// --- default values -----------------------------------------------------------------------------

test('${VAR:-default}: default when unset or empty', () => {
  expands('ok ${FOO:-def}', 'ok first');
  expands('ok ${BAR:-def}', 'ok def');
  expands('ok ${missing:-def}', 'ok def');
  expands('${missing:-}', '');
});

test('${VAR-default}: default only when unset', () => {
  expands('ok ${FOO-def}', 'ok first');
  expands('ok ${BAR-def}', 'ok ');
  expands('ok ${missing-def}', 'ok def');
  expands('${missing-}', '');
});

test('a default may contain operator characters and spaces', () => {
  expands('ok ${BAR:-/non:-alphanumeric}', 'ok /non:-alphanumeric');
  expands('${missing-myerror?msg}', 'myerror?msg');
  expands('${missing:-a b:c}', 'a b:c');
  expands('${missing:-http://x:8080/?q=1&r=2}', 'http://x:8080/?q=1&r=2');
});

test('a default may contain balanced braces; the first unbalanced } ends it', () => {
  expands('${missing:-{"a":1}}', '{"a":1}');
  expands('${missing:-{}}', '{}');
  expands('${missing:-a}b}', 'ab}');
  expands('${FOO:-a}b}', 'firstb}');
});

// --- required values ----------------------------------------------------------------------------

test('${VAR:?err}: error when unset or empty', () => {
  expands('ok ${FOO:?err}', 'ok first');
  assert.equal(run('not ok ${missing:?Mandatory Variable Unset}'), {
    value: 'not ok ',
    changed: true,
    problems: [{ kind: 'required', offset: 7, message: 'required variable missing is missing a value: Mandatory Variable Unset' }],
    unset: [],
  });
  assert.equal(run('not ok ${BAR:?Mandatory Variable Empty}'), {
    value: 'not ok ',
    changed: true,
    problems: [{ kind: 'required', offset: 7, message: 'required variable BAR is missing a value: Mandatory Variable Empty' }],
    unset: [],
  });
});

test('${VAR?err}: error only when unset', () => {
  expands('ok ${FOO?err}', 'ok first');
  expands('ok ${BAR?err}', 'ok ');
  assert.equal(run('${missing?bar-baz}'), {
    value: '',
    changed: true,
    problems: [{ kind: 'required', offset: 0, message: 'required variable missing is missing a value: bar-baz' }],
    unset: [],
  });
});

test('without an error text the message names the variable', () => {
  assert.equal(run('x${missing:?}').problems, [
    { kind: 'required', offset: 1, message: 'required variable missing is missing a value' },
  ]);
  assert.equal(run('${BAR:?}').problems, [
    { kind: 'required', offset: 0, message: 'required variable BAR is missing a value' },
  ]);
  assert.equal(run('${missing?}').problems, [
    { kind: 'required', offset: 0, message: 'required variable missing is missing a value' },
  ]);
  assert.equal(run('${BAR?}').problems, []);
});

test('every required error is reported, the rest is still expanded', () => {
  assert.equal(run('a ${X:?one} b ${Y?} c $FOO'), {
    value: 'a  b  c first',
    changed: true,
    problems: [
      { kind: 'required', offset: 2, message: 'required variable X is missing a value: one' },
      { kind: 'required', offset: 14, message: 'required variable Y is missing a value' },
    ],
    unset: [],
  });
});

// --- alternative values -------------------------------------------------------------------------

test('${VAR:+replacement}: replacement when set and non-empty, else empty', () => {
  expands('[${FOO:+yes}]', '[yes]');
  expands('[${BAR:+yes}]', '[]');
  expands('[${missing:+yes}]', '[]');
});

test('${VAR+replacement}: replacement when set, else empty', () => {
  expands('[${FOO+yes}]', '[yes]');
  expands('[${BAR+yes}]', '[yes]');
  expands('[${missing+yes}]', '[]');
});

test('operators without an argument on a set variable', () => {
  expands('${FOO:+}', '');
  expands('${FOO+}', '');
  expands('${FOO:-}', 'first');
  expands('${FOO-}', 'first');
});

test('the operator is the one right after the name', () => {
  expands('${missing-va:-lu:?e}', 'va:-lu:?e');
  expands('${FOO+va?lu-e}', 'va?lu-e');
  expands('${FOO:+va:?lu:-e}', 'va:?lu:-e');
  expands('${FOO?va:?lu}', 'first');
  assert.equal(run('${missing?val:?ue}').problems, [{ kind: 'required', offset: 0, message: 'required variable missing is missing a value: val:?ue' }]);
  assert.equal(run('${BAR:?val?ue}').problems, [{ kind: 'required', offset: 0, message: 'required variable BAR is missing a value: val?ue' }]);
});

// --- nesting ------------------------------------------------------------------------------------

test('defaults are interpolated (nested expressions)', () => {
  expands('ok ${missing-$FOO}', 'ok first');
  expands('ok ${missing-${FOO}}', 'ok first');
  expands('ok ${missing-${FOO} ${FOO}}', 'ok first first');
  expands('ok ${BAR:-$FOO}', 'ok first');
  expands('ok ${BAR:-${FOO}}', 'ok first');
  expands('ok ${BAR:-${FOO} ${FOO}}', 'ok first first');
  expands('${A:-${B:-x}}', 'x');
  expands('${A:-${B:-${C:-deep}}}!', 'deep!');
  expands('${A:-${BAR:-${FOO}}}', 'first');
  expands('${FOO:+[$FOO]}', '[first]');
  expands('${BAR+<${FOO:-x}>}', '<first>');
  expands('${missing:-$$FOO}', '$FOO');
  expands('${missing:-$${FOO}}', '${FOO}');
});

test('error texts are interpolated', () => {
  assert.equal(run('not ok ${missing:?Mandatory Variable ${FOO}}').problems, [
    { kind: 'required', offset: 7, message: 'required variable missing is missing a value: Mandatory Variable first' },
  ]);
  assert.equal(run('not ok ${missing?need $FOO}').problems, [{ kind: 'required', offset: 7, message: 'required variable missing is missing a value: need first' }]);
});

test('unset variables inside a used default are reported at their own offset', () => {
  assert.equal(run('ab${X:-${Y}}'), { value: 'ab', changed: true, problems: [], unset: [{ name: 'Y', offset: 7 }] });
  assert.equal(run('${X-$Y-z}'), { value: '-z', changed: true, problems: [], unset: [{ name: 'Y', offset: 4 }] });
});

test('a nested required error in a used default is reported', () => {
  assert.equal(run('${X:-${Y:?no Y}}'), {
    value: '',
    changed: true,
    problems: [{ kind: 'required', offset: 5, message: 'required variable Y is missing a value: no Y' }],
    unset: [],
  });
});

test('an unused default or replacement is not evaluated for unset/required', () => {
  expands('${FOO:-$Y}', 'first');
  expands('${FOO:-${X:?boom}}', 'first');
  expands('${missing:+${X:?boom}}', '');
  expands('${FOO:?${Y}}', 'first');
});

// --- invalid syntax -----------------------------------------------------------------------------

/** Asserts a single syntax problem; the value is the input unchanged. */
function invalid(input: string, offset: number, message: string): void {
  assert.equal(
    run(input),
    { value: input, changed: false, problems: [{ kind: 'syntax', offset, message }], unset: [] },
    input,
  );
}

test('unterminated ${', () => {
  invalid('${', 0, 'invalid interpolation format for "${": missing closing "}"');
  invalid('a ${FOO', 2, 'invalid interpolation format for "${FOO": missing closing "}"');
  invalid('${A:-x', 0, 'invalid interpolation format for "${A:-x": missing closing "}"');
  invalid('${A:-${B}', 0, 'invalid interpolation format for "${A:-${B}": missing closing "}"');
});

test('empty or invalid names', () => {
  invalid('${}', 0, 'invalid interpolation format for "${}": empty variable name');
  invalid('x${1A}', 1, 'invalid interpolation format for "${1A}": a variable name must start with a letter or "_"');
  invalid('${ foo}', 0, 'invalid interpolation format for "${ foo}": a variable name must start with a letter or "_"');
  invalid('${:-x}', 0, 'invalid interpolation format for "${:-x}": a variable name must start with a letter or "_"');
});

test('unknown operators', () => {
  const tail = 'after variable name; expected one of :- - :? ? :+ + or }';
  invalid('${A:x}', 0, `invalid interpolation format for "\${A:x}": unexpected ":x" ${tail}`);
  invalid('${A:}', 0, `invalid interpolation format for "\${A:}": unexpected ":" ${tail}`);
  invalid('${foo }', 0, `invalid interpolation format for "\${foo }": unexpected " " ${tail}`);
  invalid('${foo!}', 0, `invalid interpolation format for "\${foo!}": unexpected "!" ${tail}`);
  invalid('${A/x/y}', 0, `invalid interpolation format for "\${A/x/y}": unexpected "/x/y" ${tail}`);
  invalid('${A=x}', 0, `invalid interpolation format for "\${A=x}": unexpected "=x" ${tail}`);
  invalid('${A[b]}', 0, `invalid interpolation format for "\${A[b]}": unexpected "[b]" ${tail}`);
});

test('a syntax error inside a default counts even when the default is not used', () => {
  invalid('${FOO:-${}}', 7, 'invalid interpolation format for "${}": empty variable name');
  invalid('$FOO ${missing:-${1}}', 16, 'invalid interpolation format for "${1}": a variable name must start with a letter or "_"');
});

test('all syntax errors are reported; the value is the input unchanged', () => {
  const input = '${A:x} $FOO ${} ${X:?req}';
  assert.equal(run(input), {
    value: input,
    changed: false,
    problems: [
      {
        kind: 'syntax',
        offset: 0,
        message: 'invalid interpolation format for "${A:x}": unexpected ":x" after variable name; expected one of :- - :? ? :+ + or }',
      },
      { kind: 'syntax', offset: 12, message: 'invalid interpolation format for "${}": empty variable name' },
      { kind: 'required', offset: 16, message: 'required variable X is missing a value: req' },
    ],
    unset: [],
  });
});

test('$${ is escaped, not an invalid expression', () => {
  expands('$${', '${');
  expands('$${}', '${}');
});

test.run();
