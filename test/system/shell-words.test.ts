// splitCommand against what `sh` does with the same words (printf '[%s]' WORDS), written out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { splitCommand } from '../../src/system/shell-words.js';

const CASES: readonly [string, string[]][] = [
  ['docker compose', ['docker', 'compose']],
  ['  docker-compose  ', ['docker-compose']],
  ['   ', []],
  ['', []],
  [`'/opt/my tools/compose' --verbose "a b" ''`, ['/opt/my tools/compose', '--verbose', 'a b', '']],
  ['""', ['']],
  ['$HOME/compose "$HOME" \'$HOME\'', ['$HOME/compose', '$HOME', '$HOME']],
  ['a\\ b c', ['a b', 'c']],
  ['a\\\\b', ['a\\b']],
  ['\\"x\\"', ['"x"']],
  ['"a\\"b"', ['a"b']],
  ['"a\\$b" "a\\`b" "a\\\\b"', ['a$b', 'a`b', 'a\\b']],
  ['"a\\nb"', ['a\\nb']],
  ["'a\\\"b'", ['a\\"b']],
  ["'it'\\''s'", ["it's"]],
  ['a"b c"d', ['ab cd']],
  ['one \\\ntwo', ['one', 'two']],
  ['"one\\\ntwo"', ['onetwo']],
  ['sh -c "echo \\"hi there\\""', ['sh', '-c', 'echo "hi there"']],
  ['tab\there\nnewline', ['tab', 'here', 'newline']],
  ['trailing\\', ['trailing\\']],
];

for (const [line, argv] of CASES) {
  test(`splitCommand ${JSON.stringify(line)}`, () => {
    assert.equal(splitCommand(line), argv);
  });
}

test.run();
