// The text reporter: the source line under a diagnostic with a caret at its column (as
// eemeli/yaml's prettifyError), bounded to one line of at most ~120 characters, and never a
// line of a file that holds secrets.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXCERPT_WIDTH, sourceExcerpt } from '../../src/cli/excerpt.js';
import { mayQuote } from '../../src/cli/report.js';
import { project, runCli } from '../helpers/cli.js';

test('the line and a caret under the column', () => {
  assert.is(sourceExcerpt('services:\n  a:\n    links: [b]\n', 3, 13), '  3 |     links: [b]\n    |             ^');
  assert.is(sourceExcerpt('a: 1\r\nb: [\r\n', 2, 4), '  2 | b: [\n    |    ^', 'CRLF: no carriage return shown');
  assert.is(sourceExcerpt('a: 1', 1, 99), '  1 | a: 1\n    |     ^', 'past the end: the caret after the last character');
  assert.is(sourceExcerpt('a: 1\n', 3, 1), undefined, 'no such line');
  assert.is(sourceExcerpt('a: 1\n', 0, 1), undefined);
  assert.is(sourceExcerpt('a: "\u001b[31mred"\n', 1, 4), '  1 | a: " [31mred"\n    |    ^', 'control characters are not sent to the terminal');
});

test('a long line: a window of at most EXCERPT_WIDTH characters around the column, one line only', () => {
  const long = `x: ${'a'.repeat(500)}B${'c'.repeat(500)}\nnext: line\n`;
  const e = sourceExcerpt(long, 1, 504)!;
  const [text, caret] = e.split('\n') as [string, string];
  assert.is(e.split('\n').length, 2);
  assert.ok(text.length <= EXCERPT_WIDTH + 2 + '  1 | '.length, `${text.length}`);
  assert.ok(text.startsWith('  1 | …') && text.endsWith('…'));
  assert.is(text[caret.indexOf('^')], 'B', 'the caret is under the column');
  const head = sourceExcerpt(long, 1, 1)!.split('\n')[0]!;
  assert.ok(head.startsWith('  1 | x: aaa') && head.endsWith('…'));
  const tail = sourceExcerpt(long, 1, 1004)!.split('\n') as [string, string];
  assert.ok(tail[0].endsWith('ccc') && tail[0].includes('…'));
  assert.is(tail[0][tail[1].indexOf('^')], 'c');
});

test('only compose files and lockfiles are quoted: never a key, a wg-quick file or an env file', () => {
  for (const f of ['/p/compose.yaml', '/p/docker-compose.yml', '/p/wg-compose.lock', 'stack.yml']) assert.ok(mayQuote(f), f);
  for (const f of ['/p/.wg-compose/master.key', '/p/.wg-compose/p/api.conf', '/p/.wg-compose/p/stack.yml', '/p/.env', '/keys/master.key']) assert.not.ok(mayQuote(f), f);
});

test('through main: the excerpt between the message and the hint, at the position the code names', async () => {
  const dir = project({ 'compose.yaml': 'services:\n  a:\n    image: x\n    links: [b, apii]\n  api:\n    image: y\n' });
  const r = await runCli(['render'], { cwd: dir, sources: true });
  assert.is(r.code, 1);
  assert.is(
    r.stderr,
    'compose.yaml:4:13: error WGC040: service "a" links to "b", which is not a service of this project\n' +
      '  4 |     links: [b, apii]\n' +
      '    |             ^\n' +
      'compose.yaml:4:16: error WGC040: service "a" links to "apii", which is not a service of this project\n' +
      '  4 |     links: [b, apii]\n' +
      '    |                ^\n' +
      '  hint: did you mean "api"?\n',
  );
  // check prints through the same reporter.
  const c = await runCli(['check'], { cwd: dir, sources: true });
  assert.is(c.code, 1);
  assert.match(c.stderr, 'compose.yaml:4:16: error WGC040: service "a" links to "apii", which is not a service of this project\n  4 |     links: [b, apii]\n    |                ^\n  hint: did you mean "api"?\n');
});

test('through main: a file-level problem (1:1) and a secret file get no excerpt', async () => {
  const dir = project({ 'compose.yaml': 'services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: y\n', '.wg-compose/master.key': 'SECRET-SECRET-SECRET\n' });
  const r = await runCli(['check'], { cwd: dir, sources: true });
  assert.match(r.stderr, /compose.yaml:1:1: note WGC064/);
  assert.match(r.stderr, /\.wg-compose\/master\.key:1:1: error WGC066/);
  assert.not.match(r.stderr, / \| /);
  assert.not.match(r.stderr, /SECRET/);
});

test.run();
