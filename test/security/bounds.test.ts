// Issue #13, "Bounded on any input": hostile YAML ends in a diagnostic (WGC003), with nothing
// on stdout, and the conversion does bounded work however aliases and merge keys are nested.
// (How long each takes is bench material, not a test's: the figures are in the closing note.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LIMITS, parseYaml } from '../../src/load/parse.js';
import { project, runCli } from '../helpers/cli.js';

test('aliases resolve to the last anchor before them, as YAML says, also when an anchor is redefined', () => {
  const r = parseYaml('f', 'a: &x 1\nb: *x\nc: &x 2\nd: *x\ne: [&y 3, *y]\n');
  assert.equal(r.diagnostics, []);
  assert.equal(JSON.parse(JSON.stringify(r.value)), { a: 1, b: 1, c: 2, d: 2, e: [3, 3] });
  const unknown = parseYaml('f', 'a: *nope\nb: &nope 1\n');
  assert.ok(unknown.diagnostics.length > 0, 'an alias before its anchor is an error');
});

test('a merge-key bomb (2 KB) is refused as WGC003', () => {
  const lines = ['x-l0: &l0 {a0: 1, b0: 2}'];
  for (let i = 1; i < 30; i++) lines.push(`x-l${i}: &l${i}\n  <<: [*l${i - 1}]\n  k${i}: [*l${i - 1}, *l${i - 1}]`);
  const text = `services:\n  web:\n    image: x\n${lines.join('\n')}\n`;
  assert.ok(text.length < 2048);
  const r = parseYaml('f', text);
  assert.is(r.diagnostics[0]?.code, 'WGC003');
});

test('merges that copy more keys than the work bound are refused, though few aliases are involved', () => {
  // Each level merges the previous one twice over: keys double per level, aliases do not.
  const lines = ['x-l0: &l0 {' + Array.from({ length: 50 }, (_, i) => `k${i}: ${i}`).join(', ') + '}'];
  for (let i = 1; i < 20; i++) lines.push(`x-l${i}: &l${i}\n  <<: [*l${i - 1}]\n  m${i}: {<<: *l${i - 1}}`);
  const r = parseYaml('f', `${lines.join('\n')}\n`);
  assert.is(r.diagnostics[0]?.code, 'WGC003');
  assert.match(r.diagnostics[0]!.message, /steps|values/);
});

test('a 1 MB string repeated by 2000 aliases: WGC003, exit 1, nothing on stdout', async () => {
  const big = 'y'.repeat(1_000_000);
  const dir = project({ 'compose.yaml': `services:\n  web:\n    image: x\nx-a: &a "${big}"\nx-b: [${Array(2000).fill('*a').join(',')}]\n` });
  const r = await runCli(['render'], { cwd: dir });
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, `error WGC003: refusing this YAML: aliases repeat more than ${LIMITS.aliasChars} characters of text`);
});

test('100,000 values and an alias bomb of 10,000 values beside them: accepted, with every value', () => {
  const fill = `x-fill:\n${Array.from({ length: 100_000 }, (_, i) => `  - ${i}\n`).join('')}`;
  const bomb = 'x-a: &a [1,2,3,4,5,6,7,8,9,10]\nx-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nx-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nx-d: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
  const r = parseYaml('f', `${fill}${bomb}`);
  assert.equal(r.diagnostics, []);
  const v = r.value as Record<string, unknown[]>;
  assert.is(v['x-fill']!.length, 100_000);
  assert.is(JSON.stringify(v['x-d']).match(/\d+/g)!.length, 10_000);
});

test.run();
