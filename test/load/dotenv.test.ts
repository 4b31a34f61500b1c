import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDotenv, type DotenvProblem } from '../../src/load/dotenv.js';

type Env = Record<string, string>;

/** Parses and flattens the map to an object (insertion order kept) for deep comparison. */
function parse(text: string, env?: Env): { vars: Env; problems: DotenvProblem[] } {
  const lookup = env && ((n: string) => (Object.hasOwn(env, n) ? env[n] : undefined));
  const r = parseDotenv(text, lookup);
  return { vars: Object.fromEntries(r.vars), problems: r.problems };
}

/** Asserts a clean parse with exactly these variables (order included). */
function vars(text: string, expected: Env, env?: Env): void {
  const r = parse(text, env);
  assert.equal(r.problems, [], `problems for ${JSON.stringify(text)}`);
  assert.equal(r.vars, expected, text);
  assert.equal(Object.keys(r.vars), Object.keys(expected), `order for ${JSON.stringify(text)}`);
}

// --- basics -------------------------------------------------------------------------------------

test('KEY=VALUE lines', () => {
  vars('ONE=1\nTWO=2\nTHREE=3', { ONE: '1', TWO: '2', THREE: '3' });
  vars('ONE=1\nTWO=2\n', { ONE: '1', TWO: '2' });
  vars('', {});
  vars('\n\n  \n\t\n', {});
});

test('whitespace around the key and the unquoted value is trimmed', () => {
  vars('FOO =bar', { FOO: 'bar' });
  vars('FOO= bar', { FOO: 'bar' });
  vars('  FOO  =  bar baz  ', { FOO: 'bar baz' });
  vars('\tFOO=bar\t', { FOO: 'bar' });
});

test('empty values and values containing =', () => {
  vars('EMPTY=', { EMPTY: '' });
  vars('EMPTY=   ', { EMPTY: '' });
  vars('FOO=foobar=', { FOO: 'foobar=' });
  vars('URL=postgres://localhost:5432/db?sslmode=disable', { URL: 'postgres://localhost:5432/db?sslmode=disable' });
  vars('A=1:B', { A: '1:B' });
});

test('key characters: letters, digits, _, . and -', () => {
  vars('FOO.BAR=1\nfoo-bar=2\n_x9=3\nmixedCase=4', { 'FOO.BAR': '1', 'foo-bar': '2', _x9: '3', mixedCase: '4' });
});

test('later definitions override earlier ones', () => {
  vars('A=1\nB=2\nA=3', { A: '3', B: '2' });
});

// --- comments -----------------------------------------------------------------------------------

test('comment lines are ignored', () => {
  vars('# a comment\nA=1\n   # indented\n\t# tab\n#B=2', { A: '1' });
});

test('an inline comment starts at a # preceded by whitespace', () => {
  vars('FOO=bar # this is foo', { FOO: 'bar' });
  vars('FOO=bar\t# tab before', { FOO: 'bar' });
  vars('FOO=bar#baz', { FOO: 'bar#baz' });
  vars('FOO=#bar', { FOO: '#bar' });
  vars('FOO=a#b #c', { FOO: 'a#b' });
  vars('FOO= # only a comment', { FOO: '' });
});

test('# inside quotes is part of the value, a comment may follow the closing quote', () => {
  vars('FOO="bar#baz" # comment', { FOO: 'bar#baz' });
  vars("FOO='bar#baz' # comment", { FOO: 'bar#baz' });
  vars('FOO="bar #baz#bang"#comment', { FOO: 'bar #baz#bang' });
});

// --- export -------------------------------------------------------------------------------------

test('an optional leading export', () => {
  vars('export OPTION_A=2', { OPTION_A: '2' });
  vars('export\tOPTION_A=2', { OPTION_A: '2' });
  vars('  export   OPTION_A=2', { OPTION_A: '2' });
  vars("export OPTION_B='\\n'", { OPTION_B: '\\n' });
});

test('export as part of a key or as the key itself', () => {
  vars('exportFOO=2', { exportFOO: '2' });
  vars('export_FOO =2', { export_FOO: '2' });
  vars('export.FOO= 2', { 'export.FOO': '2' });
  vars('export=1', { export: '1' });
  vars('export export=1', { export: '1' });
});

// --- single quotes ------------------------------------------------------------------------------

test('single-quoted values are literal', () => {
  vars("A='1'", { A: '1' });
  vars("A=''", { A: '' });
  vars("A='  spaced  '", { A: '  spaced  ' });
  vars("A='$FOO ${BAR} $$'", { A: '$FOO ${BAR} $$' }, { FOO: 'x', BAR: 'y' });
  vars("A='a\\nb\\tc\\\\'", { A: 'a\\nb\\tc\\\\' });
  vars(`A='say "hi"'`, { A: 'say "hi"' });
});

test('single-quoted values may span lines', () => {
  vars("A='line 1\nline 2\n  line 3'\nB=2", { A: 'line 1\nline 2\n  line 3', B: '2' });
});

// --- double quotes ------------------------------------------------------------------------------

test('double-quoted values', () => {
  vars('A="1"', { A: '1' });
  vars('A=""', { A: '' });
  vars('A="  spaced  "', { A: '  spaced  ' });
  vars(`A="'d'"`, { A: "'d'" });
  vars('THREE = "3"', { THREE: '3' });
});

test('double-quoted escapes', () => {
  vars('A="a\\nb"', { A: 'a\nb' });
  vars('A="a\\tb"', { A: 'a\tb' });
  vars('A="a\\rb"', { A: 'a\rb' });
  vars('A="a\\\\b"', { A: 'a\\b' });
  vars('A="escaped\\"bar"', { A: 'escaped"bar' });
  vars('A="a\\fb\\vc\\ad\\be"', { A: 'a\fb\vc\x07d\be' });
  vars('A="trailing\\\\"', { A: 'trailing\\' });
});

test('unknown escapes keep their backslash', () => {
  vars('A="a\\qb"', { A: 'a\\qb' });
  vars('A="a\\ b"', { A: 'a\\ b' });
  vars("A=\"it\\'s\"", { A: "it\\'s" });
});

test('\\$ in double quotes is a literal $', () => {
  vars('FOO="foo\\$BAR"', { FOO: 'foo$BAR' }, { BAR: 'no' });
  vars('FOO="foo\\${BAR}"', { FOO: 'foo${BAR}' }, { BAR: 'no' });
  vars('FOO=test\nBAR="foo\\${FOO} ${FOO}"', { FOO: 'test', BAR: 'foo${FOO} test' });
  vars('A=1\nB="\\\\$A"', { A: '1', B: '\\1' });
});

test('double-quoted values may span lines', () => {
  vars('A="first line\nsecond line\n\nand so on"\nB=2', { A: 'first line\nsecond line\n\nand so on', B: '2' });
  vars('URLS="tcp://a:3333\ntcp://b:443"', { URLS: 'tcp://a:3333\ntcp://b:443' });
});

test('quotes inside an unquoted value are literal', () => {
  vars(`A=a"b'c`, { A: `a"b'c` });
  vars(`A=echo 'asd'`, { A: "echo 'asd'" });
});

// --- interpolation ------------------------------------------------------------------------------

test('references to variables defined earlier in the file', () => {
  vars('FOO=test\nBAR=$FOO', { FOO: 'test', BAR: 'test' });
  vars('FOO=test\nBAR=${FOO}bar', { FOO: 'test', BAR: 'testbar' });
  vars('FOO=test\nBAR="quote $FOO"', { FOO: 'test', BAR: 'quote test' });
  vars('A=1\nB=$A$A\nC=${B:-x}-${NOPE:-d}', { A: '1', B: '11', C: '11-d' });
});

test('undefined references expand to an empty string', () => {
  vars('BAR=$FOO', { BAR: '' });
  vars('BAR="[${FOO}]"', { BAR: '[]' });
});

test('references fall back to lookup; the file wins over lookup', () => {
  vars('A=$HOME/x', { A: '/home/me/x' }, { HOME: '/home/me' });
  vars('HOME=/file\nA=$HOME/x', { HOME: '/file', A: '/file/x' }, { HOME: '/home/me' });
  // Before HOME is defined in the file, lookup answers.
  vars('A=$HOME\nHOME=/file\nB=$HOME', { A: '/home/me', HOME: '/file', B: '/file' }, { HOME: '/home/me' });
});

test('a file definition is not overridden by lookup', () => {
  vars('A=file', { A: 'file' }, { A: 'env' });
});

test('a variable may extend its own inherited value', () => {
  vars('PATH=$PATH:/opt/bin', { PATH: '/usr/bin:/opt/bin' }, { PATH: '/usr/bin' });
  vars('A=${A}x\nA=${A}y', { A: 'envxy' }, { A: 'env' });
});

test('a later definition is not visible to an earlier line', () => {
  vars('A=$B\nB=1', { A: '', B: '1' });
});

test('$$ in unquoted and double-quoted values is a literal $', () => {
  vars('A=$$FOO\nB="$${FOO}"', { A: '$FOO', B: '${FOO}' }, { FOO: 'x' });
});

test('interpolation happens after the inline comment is cut', () => {
  vars('A=${B:-x} # ${C}', { A: 'x' });
});

// --- inherited keys -----------------------------------------------------------------------------

test('a key alone takes its value from lookup, or is skipped', () => {
  vars('A\nB\nC=3', { A: 'from env', C: '3' }, { A: 'from env' });
  vars('A', {});
  vars('export A', { A: '' }, { A: '' });
  vars('  A  # a comment', { A: 'x' }, { A: 'x' });
});

test('an inherited key does not read earlier file definitions', () => {
  vars('A=file\nA', { A: 'file' });
  vars('A=file\nA', { A: 'env' }, { A: 'env' });
});

// --- line endings and BOM ----------------------------------------------------------------------

test('CRLF line endings', () => {
  vars('A=1\r\nB=two words \r\n\r\n# c\r\nC="x\r\ny"\r\nD=\'p\r\nq\'\r\n', {
    A: '1',
    B: 'two words',
    C: 'x\ny',
    D: 'p\nq',
  });
});

test('a UTF-8 byte order mark is ignored', () => {
  vars('\uFEFFA=1\nB=2', { A: '1', B: '2' });
  vars('\uFEFF# comment\r\nA=1', { A: '1' });
});

test('non-ASCII values', () => {
  vars('A=héllo wörld ✓\nB="日本"', { A: 'héllo wörld ✓', B: '日本' });
});

// --- problems -----------------------------------------------------------------------------------

test('a missing key', () => {
  assert.equal(parse('=value\nA=1'), {
    vars: { A: '1' },
    problems: [{ line: 1, col: 1, message: 'missing variable name before "="' }],
  });
  assert.equal(parse('A=1\n   ="x"'), {
    vars: { A: '1' },
    problems: [{ line: 2, col: 4, message: 'missing variable name before "="' }],
  });
});

test('invalid key characters point at the first bad character', () => {
  assert.equal(parse('1KEY=x\nA=1').problems, [
    { line: 1, col: 1, message: 'unexpected character "1" in variable name "1KEY"' },
  ]);
  assert.equal(parse('A=1\nKE$Y=x').problems, [
    { line: 2, col: 3, message: 'unexpected character "$" in variable name "KE$Y"' },
  ]);
  assert.equal(parse('  -A=x').problems, [{ line: 1, col: 3, message: 'unexpected character "-" in variable name "-A"' }]);
  assert.equal(parse('lol$wut').problems, [
    { line: 1, col: 4, message: 'unexpected character "$" in variable name "lol$wut"' },
  ]);
  assert.equal(parse('export 9=x').problems, [
    { line: 1, col: 8, message: 'unexpected character "9" in variable name "9"' },
  ]);
});

test('yaml-style KEY: VALUE is not accepted', () => {
  assert.equal(parse('OPTION_A: 1'), {
    vars: {},
    problems: [
      {
        line: 1,
        col: 9,
        message: 'unexpected character ":" in variable name "OPTION_A:" (only KEY=VALUE is supported)',
      },
    ],
  });
});

test('text after the key that is not =', () => {
  assert.equal(parse('KEY VALUE\nB=2'), {
    vars: { B: '2' },
    problems: [{ line: 1, col: 5, message: 'unexpected "VALUE" after variable name "KEY"; expected "="' }],
  });
  assert.equal(parse('A B = c').problems, [
    { line: 1, col: 3, message: 'unexpected "B = c" after variable name "A"; expected "="' },
  ]);
});

test('unterminated quotes are reported at the quote; parsing goes on with the next line', () => {
  assert.equal(parse('A=1\nKEY="value\nB=2\n'), {
    vars: { A: '1', B: '2' },
    problems: [{ line: 2, col: 5, message: 'unterminated double-quoted value' }],
  });
  assert.equal(parse("KEY =  'value\nB=2"), {
    vars: { B: '2' },
    problems: [{ line: 1, col: 8, message: 'unterminated single-quoted value' }],
  });
  assert.equal(parse('KEY="').problems, [{ line: 1, col: 5, message: 'unterminated double-quoted value' }]);
  assert.equal(parse('KEY="ends in backslash\\"').problems, [
    { line: 1, col: 5, message: 'unterminated double-quoted value' },
  ]);
});

test('text after a closing quote', () => {
  assert.equal(parse('A="x" junk\nB=2'), {
    vars: { B: '2' },
    problems: [{ line: 1, col: 7, message: 'unexpected "junk" after closing quote' }],
  });
  assert.equal(parse("A='multi\nline'x\nB=2"), {
    vars: { B: '2' },
    problems: [{ line: 2, col: 6, message: 'unexpected "x" after closing quote' }],
  });
});

test('interpolation errors are reported at the $ and leave the key undefined', () => {
  assert.equal(parse('A=1\nB=x${A:x}\nC=2'), {
    vars: { A: '1', C: '2' },
    problems: [
      {
        line: 2,
        col: 4,
        message: 'invalid interpolation format for "${A:x}": unexpected ":x" after variable name; expected one of :- - :? ? :+ + or }',
      },
    ],
  });
  assert.equal(parse('B=${NEED:?set NEED}').problems, [{ line: 1, col: 3, message: 'required variable NEED is missing a value: set NEED' }]);
  assert.equal(parse('B=  ${NEED:?}').problems, [
    { line: 1, col: 5, message: 'required variable NEED is missing a value' },
  ]);
  vars('B=${NEED:?set NEED}', { B: 'ok' }, { NEED: 'ok' });
});

test('every interpolation error on a line is reported', () => {
  assert.equal(parse('A=${} ${X?no X}').problems, [
    { line: 1, col: 3, message: 'invalid interpolation format for "${}": empty variable name' },
    { line: 1, col: 7, message: 'required variable X is missing a value: no X' },
  ]);
});

test('interpolation errors in double-quoted values point into the file despite escapes and newlines', () => {
  assert.equal(parse('K="\\t\\t${X:?e}"').problems, [{ line: 1, col: 8, message: 'required variable X is missing a value: e' }]);
  assert.equal(parse('A=1\nK="line1\\n\n  ${X:?need X}"\nB=2'), {
    vars: { A: '1', B: '2' },
    problems: [{ line: 3, col: 3, message: 'required variable X is missing a value: need X' }],
  });
  assert.equal(parse('K="\\$${X?}"').problems, [
    { line: 1, col: 6, message: 'required variable X is missing a value' },
  ]);
});

test('problems with CRLF and BOM keep line and column right', () => {
  assert.equal(parse('\uFEFFA=1\r\n\r\n1B=2\r\nC="x\r\n${D?}"\r\n'), {
    vars: { A: '1' },
    problems: [
      { line: 3, col: 1, message: 'unexpected character "1" in variable name "1B"' },
      { line: 5, col: 1, message: 'required variable D is missing a value' },
    ],
  });
});

test('several bad lines are all reported in order, good ones kept', () => {
  const text = ['GOOD1=1', '=nokey', 'BAD LINE', 'GOOD2=2', '9x=1', 'Q="open', 'GOOD3=3'].join('\n');
  assert.equal(parse(text), {
    vars: { GOOD1: '1', GOOD2: '2', GOOD3: '3' },
    problems: [
      { line: 2, col: 1, message: 'missing variable name before "="' },
      { line: 3, col: 5, message: 'unexpected "LINE" after variable name "BAD"; expected "="' },
      { line: 5, col: 1, message: 'unexpected character "9" in variable name "9x"' },
      { line: 6, col: 3, message: 'unterminated double-quoted value' },
    ],
  });
});

test('lookup is optional and is not consulted for plain values', () => {
  let calls = 0;
  const r = parseDotenv('A=1\nB="two"', () => {
    calls++;
    return 'x';
  });
  assert.equal(Object.fromEntries(r.vars), { A: '1', B: 'two' });
  assert.is(calls, 0);
  assert.instance(parseDotenv('A=1').vars, Map);
});

test.run();
