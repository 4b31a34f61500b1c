// Hostile input, case by case (issue #7, DESIGN.md §7): each gets a diagnostic (or a correct
// render) within a bounded time and memory, never a stack trace, a hang or a partial write.
// Time and peak memory are measured on the real CLI in a child process with GNU time.
// `npm test` runs the quick ones; `npm run test:fuzz` all of them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_FILE_BYTES } from '../../src/load/io.js';
import { LIMITS } from '../../src/load/parse.js';
import { BIN, snapshot } from '../helpers/state.js';
import { LONG, renderChecked } from './support.js';

interface Measured {
  code: number | null;
  stderr: string;
  seconds: number;
  peakMB: number;
}

/** The real CLI on one file, under /usr/bin/time -v: exit code, stderr, wall time, peak RSS. */
function measure(text: string | Buffer, name = 'compose.yaml'): Measured {
  const dir = mkdtempSync(join(tmpdir(), 'wgc-hostile-'));
  writeFileSync(join(dir, name), text);
  const t0 = Date.now();
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, BIN, 'render', '-p', 'hostile', '-f', name], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120_000 });
  const seconds = (Date.now() - t0) / 1000;
  if (r.error) throw new Error(`/usr/bin/time is required for this test (apt-get install time): ${r.error.message}`);
  const peak = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const stderr = r.stderr.split('\n\tCommand being timed')[0]!.replace(/Command exited with non-zero status \d+\n$/, '');
  const states = [...snapshot(dir).keys()].filter((p) => p.startsWith('.wg-compose/hostile/') || p === 'wg-compose.lock');
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) assert.equal(states, [], `partial state after exit ${r.status}`);
  return { code: r.status, stderr, seconds, peakMB: Number(peak?.[1] ?? NaN) / 1024 };
}

/** Bounds every hostile case must stay within (generous: CI machines are slow and shared). */
const MAX_SECONDS = 30;
const MAX_MB = 700;
const report: string[] = [];

function expectDiagnostic(what: string, m: Measured, pattern: RegExp): void {
  report.push(`${what}: exit ${m.code}, ${m.seconds.toFixed(1)} s, ${m.peakMB.toFixed(0)} MB`);
  assert.is(m.code, 1, `${what}: ${m.stderr.slice(0, 500)}`);
  assert.match(m.stderr, pattern, what);
  assert.not.match(m.stderr, /^\s+at |internal error/m, `${what}: a stack trace`);
  assert.ok(m.seconds < MAX_SECONDS, `${what}: ${m.seconds} s`);
  assert.ok(m.peakMB < MAX_MB, `${what}: ${m.peakMB} MB`);
}

test('alias bombs (billion laughs, block and flow)', () => {
  let lol = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  let prev = 'a';
  for (const c of 'bcdefghi') {
    lol += `${c}: &${c} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
    prev = c;
  }
  expectDiagnostic('billion laughs', measure(`${lol}services:\n  x:\n    image: *i\n`), /error WGC003: refusing this YAML: aliases expand to more than/);
  if (!LONG) return;
  // Through sequences of mappings, in block style.
  let merge = 'x0: &x0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}\n';
  for (let i = 1; i < 12; i++) merge += `x${i}: &x${i} [${Array(10).fill(`*x${i - 1}`).join(', ')}]\n`;
  expectDiagnostic('alias bomb through sequences of mappings', measure(`${merge}services:\n  s:\n    image: x\n    labels: *x11\n`), /error WGC003/);
});

test('10,000-deep nesting, in every syntax', () => {
  const n = 10_000;
  expectDiagnostic('flow sequences', measure(`services: ${'['.repeat(n)}${']'.repeat(n)}\n`), /error WGC003: refusing this YAML: nesting is too deep/);
  expectDiagnostic('flow mappings', measure(`services: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`), /error WGC003: refusing this YAML: nesting is too deep/);
  expectDiagnostic('compact block sequences', measure(`services:\n  a:\n    image: x\n    command:\n      ${'- '.repeat(n)}x\n`), /error WGC003: refusing this YAML: nesting/);
  // Each within the limit, deeper than it once the alias is expanded where it is used.
  const d = LIMITS.depth - 6;
  expectDiagnostic('an alias that nests too deep where it is used', measure(`x-a: &a ${'['.repeat(d)}1${']'.repeat(d)}\nx-b: ${'['.repeat(10)}*a${']'.repeat(10)}\nservices: {}\n`), /error WGC003: refusing this YAML: nesting deeper than/);
  // Deep but legal: 200 levels of block mappings.
  let deep = 'services:\n  a:\n    image: x\n    labels:\n';
  for (let i = 0; i < 200; i++) deep += `${'  '.repeat(i + 3)}k${i}:\n`;
  const m = measure(deep);
  report.push(`200-deep block mappings: exit ${m.code}, ${m.seconds.toFixed(1)} s`);
  assert.is(m.code, 1, 'labels must be strings: a schema error, not a crash');
  assert.match(m.stderr, /error WGC030/);
});

test('a 50 MB file, and files just within the limits', () => {
  const big = Buffer.alloc(50 * 1024 * 1024, 'services:\n  a:\n    image: x\n');
  expectDiagnostic('50 MB file', measure(big), new RegExp(`error WGC001: cannot read compose file: larger than ${MAX_FILE_BYTES} bytes`));
  expectDiagnostic('a flow list of 3M tokens', measure(`x-list: [${'1,'.repeat(LIMITS.tokens)}1]\nservices: {}\n`), new RegExp(`error WGC003: refusing this YAML: more than ${LIMITS.tokens} YAML tokens`));
  if (!LONG) return;
  // Just under the size limit: one long string (accepted), and a long run of tokens (refused).
  const long = measure(`services:\n  a:\n    image: x\n    command: "${'a\\t'.repeat((MAX_FILE_BYTES - 100) / 3)}"\n`);
  report.push(`8 MB string: exit ${long.code}, ${long.seconds.toFixed(1)} s, ${long.peakMB.toFixed(0)} MB`);
  assert.is(long.code, 0, long.stderr);
  assert.ok(long.seconds < MAX_SECONDS && long.peakMB < MAX_MB, `${long.seconds} s, ${long.peakMB} MB`);
  // Just under the token limit: the document is built, and refused by the schema.
  // (three tokens an item: the value, the comma, and the separating space the lexer reports).
  const near = measure(`x-list: [${'1,'.repeat(Math.floor(LIMITS.tokens / 3.05))}1]\nservices: {}\n`);
  report.push(`flow list just under the token limit: exit ${near.code}, ${near.seconds.toFixed(1)} s, ${near.peakMB.toFixed(0)} MB`);
  assert.is(near.code, 0, near.stderr.slice(0, 300));
  assert.not.match(near.stderr, /WGC003/);
  assert.ok(near.seconds < MAX_SECONDS && near.peakMB < MAX_MB, `${near.seconds} s, ${near.peakMB} MB`);
});

test('long chains: 20,000 links, extends and nested interpolation', () => {
  const n = 20_000;
  let interp = 'x';
  for (let i = 0; i < n; i++) interp = `\${A${i}:-${interp}}`;
  expectDiagnostic('interpolation nested 20,000 deep', measure(`services:\n  a:\n    image: "${interp}"\n`), /error WGC011: .*expressions nested more than 64 deep/);
  if (!LONG) return;
  let chain = 'services:\n';
  for (let i = 0; i < n; i++) chain += `  s${i}:\n    image: x\n${i + 1 < n ? `    links: [s${i + 1}]\n` : ''}`;
  // 20,000 services need more listen ports than there are above 51820: a diagnostic, not a crash.
  expectDiagnostic('a chain of 20,000 links', measure(chain), /error WGC050: no free listen port/);
  let ext = 'services:\n  s0:\n    image: x\n';
  for (let i = 1; i < n; i++) ext += `  s${i}:\n    extends: s${i - 1}\n`;
  const m = measure(ext);
  report.push(`extends chain of 20,000: exit ${m.code}, ${m.seconds.toFixed(1)} s, ${m.peakMB.toFixed(0)} MB`);
  assert.is(m.code, 0, m.stderr.slice(0, 300));
  assert.ok(m.seconds < MAX_SECONDS && m.peakMB < MAX_MB);
});

test('__proto__, constructor and prototype everywhere: data, never the prototype', async () => {
  const traps = ['__proto__', 'constructor', 'prototype'];
  for (const t of traps) {
    // As service names, linked both ways round, with settings keyed by traps.
    const code = await renderChecked('prototype traps', {
      'compose.yaml': `services:
  ${t}:
    image: x
    links: ["other:${t === '__proto__' ? 'proto' : t}"]
    environment:
      ${t}: polluted
    labels:
      ${t}: polluted
    x-wireguard:
      ${t}: {polluted: true}
  other:
    image: y
x-wireguard:
  ${t}: {polluted: true}
${t}:
  polluted: true
`,
    });
    assert.is(code, 1, 'unknown keys are schema errors');
    const ok = await renderChecked('prototype traps', {
      'compose.yaml': `services:\n  ${t}:\n    image: x\n    links: [other]\n    environment:\n      ${t}: "yes"\n  other:\n    image: y\n    links: ["${t}:t"]\n`,
    });
    assert.is(ok, 1, 'a cycle: a diagnostic');
    const fine = await renderChecked('prototype traps', {
      'compose.yaml': `services:\n  ${t}:\n    image: x\n    links: [other]\n    environment:\n      ${t}: "yes"\n  other:\n    image: y\n`,
    });
    assert.is(fine, 0);
    // Merge keys and anchors carrying traps.
    await renderChecked('prototype traps', { 'compose.yaml': `base: &b {${t}: {a: 1}}\nservices:\n  a:\n    <<: *b\n    image: x\n` });
  }
  assert.is(({} as Record<string, unknown>)['polluted'], undefined);
});

test('wrong types at every level', async () => {
  const cases = [
    'services: 1',
    'services: [a, b]',
    'services: "x"',
    'services:\n  a: 1',
    'services:\n  a: [x]',
    'services:\n  a:\n    image: [x]',
    'services:\n  a:\n    image: x\n    links: 1',
    'services:\n  a:\n    image: x\n    links: [1, {b: c}, null]',
    'services:\n  a:\n    image: x\n    links: [b]\n  b: null',
    'services:\n  a:\n    image: x\n    x-wireguard: [1]\n    links: [b]\n  b:\n    image: y',
    'services:\n  a:\n    image: x\n    x-wireguard: {address: 7, port: "p"}\n    links: [b]\n  b:\n    image: y',
    'x-wireguard: [1]\nservices:\n  a:\n    image: x',
    'x-wireguard: {pool: 5, port: -1, mtu: "x"}\nservices:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: y',
    'x-wireguard: {pool: "10.0.0.0/31"}\nservices:\n  a:\n    image: x\n    links: [b, c]\n  b:\n    image: y\n  c:\n    image: z',
    'networks: x\nservices:\n  a:\n    image: x\n    networks: [n]\n    links: [b]\n  b:\n    image: y',
    'version: 3\nservices: {}',
    'name: 5\nservices: {}',
    '- a\n- b',
    '"just a string"',
    '42',
    '',
    '~',
    '---\n---\nservices: {}',
    'services: &a\n  a: *a',
  ];
  for (const text of cases) {
    const code = await renderChecked('wrong types (fixed)', { 'compose.yaml': `${text}\n` });
    assert.ok(code === 0 || code === 1, text);
  }
});

test('report', () => {
  process.stderr.write(`\n  hostile inputs${LONG ? ' (long)' : ''}:\n    ${report.join('\n    ')}\n`);
});

test.run();
