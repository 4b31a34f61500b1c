// What keeps `check` fast, kept true by tests (the timing itself is bench/check.sh's, not a
// test's): what main and check import at start-up, the bundle and the V8 code caches the build
// makes, and that the bundle behaves exactly as the modules it was made from. Also: the README
// has a line for every code.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCheck } from '../../src/cli/check.js';
import { quickCheck } from '../../src/cli/check-entry.js';
import { cacheUse, loadBundle } from '../../src/code-cache.js';
import { CODES } from '../../src/diagnostics.js';
import { validateModel } from '../../src/validate/schema.js';
import { project, runCli } from '../helpers/cli.js';
import { ROOT } from './support.js';

const DIST = join(ROOT, 'dist/src');

/** Bare specifiers reached through static imports (not `import()`) from a built module. */
function staticPackages(entry: string): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'|^\s*import\s+'([^']+)'/gms)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else out.add(spec);
    }
  };
  visit(entry);
  return out;
}

const isBuiltin = (p: string) => p.startsWith('node:') || builtinModules.includes(p);
const nonBuiltin = (s: Set<string>) => [...s].filter((p) => !isBuiltin(p)).sort();

test('start-up: main imports only commander; every command module is imported on demand', () => {
  assert.equal(nonBuiltin(staticPackages(join(DIST, 'cli/main.js'))), ['commander']);
});

test("start-up: check's way in (bin → check-entry) imports no package at all: not even commander", () => {
  assert.equal(nonBuiltin(staticPackages(join(DIST, 'cli/check-entry.js'))), []);
  assert.equal(nonBuiltin(staticPackages(join(ROOT, 'bin/wg-compose.js'))), []);
});

test('the quick way in and main (commander) agree on every check invocation; what the quick parse is unsure of goes to main', async () => {
  const dir = project({ 'compose.yaml': 'services:\n  web:\n    image: nginx\n    links: [api, nope]\n  api:\n    image: x\n    external_links: [e_1]\n' });
  const argvs = [
    ['check'],
    ['check', 'compose.yaml'],
    ['check', '--format', 'json', 'compose.yaml'],
    ['check', '--format=sarif', '.'],
    ['check', 'compose.yaml', '--strict'],
    ['check', '--locked', '--profile', 'a', '--profile=b', '--', 'compose.yaml'],
  ];
  for (const argv of argvs) {
    let stdout = '';
    let stderr = '';
    const io = { stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t), env: {}, cwd: dir };
    const quick = await quickCheck(argv, io);
    assert.type(quick, 'number', argv.join(' '));
    const viaMain = await runCli(argv, { cwd: dir });
    assert.equal({ code: quick, stdout, stderr }, { code: viaMain.code, stdout: viaMain.stdout, stderr: viaMain.stderr }, argv.join(' '));
  }
  for (const argv of [['check', '--help'], ['check', '-h'], ['check', '--format', 'xml'], ['check', '--format'], ['check', '--bogus'], ['render'], []]) {
    const io = { stdout: () => {}, stderr: () => {}, env: {}, cwd: dir };
    assert.is(await quickCheck(argv, io), undefined, argv.join(' '));
  }
});

test('the real command: check --help is commander\'s help, a bad option its usage error', () => {
  const help = spawnSync(process.execPath, [join(ROOT, 'bin/wg-compose.js'), 'check', '--help'], { encoding: 'utf8' });
  assert.is(help.status, 0);
  assert.match(help.stdout, /^Usage: wg-compose check \[options\] \[paths\.\.\.\]/m);
  const bad = spawnSync(process.execPath, [join(ROOT, 'bin/wg-compose.js'), 'check', '--format', 'xml'], { encoding: 'utf8' });
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /argument 'xml' is invalid/);
});

test("start-up: check's modules import only yaml (no renderer, templates, keys, process runner)", () => {
  assert.equal(nonBuiltin(staticPackages(join(DIST, 'cli/check.js'))), ['yaml']);
  const bundle = readFileSync(join(DIST, 'cli/check.bundle.cjs'), 'utf8');
  const required = [...bundle.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!).filter((p) => !isBuiltin(p));
  assert.equal([...new Set(required)], [], 'the bundle holds every package it needs');
  for (const heavy of ['handlebars', '@noble/curves', 'execa', 'commander']) assert.not.ok(bundle.includes(`"${heavy}"`), heavy);
});

test('start-up: check runs from the bundle, and V8 accepts the caches the build made', async () => {
  const dir = project({ 'compose.yaml': 'services:\n  web:\n    image: nginx\n' });
  const r = await runCli(['check'], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  assert.is(cacheUse.get(join(DIST, 'cli/check.bundle.cjs')), true, 'the check bundle and its cache');
  assert.equal(validateModel({ services: { a: { image: 'x' } } }), []);
  assert.is(cacheUse.get(join(ROOT, 'dist/validators/compose-spec.cjs')), true, 'the compose-spec validator and its cache');
});

test('start-up: a bundle older than the modules it was made from is not used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgc-bundle-'));
  const bundle = join(dir, 'x.bundle.cjs');
  const entry = join(dir, 'x.js');
  writeFileSync(bundle, 'exports.v = 1;');
  writeFileSync(entry, '');
  utimesSync(bundle, 1000, 1000);
  utimesSync(entry, 2000, 2000);
  assert.is(loadBundle(bundle, entry), undefined);
  utimesSync(bundle, 3000, 3000);
  assert.equal(loadBundle(bundle, entry), { v: 1 });
  assert.is(loadBundle(join(dir, 'missing.cjs'), entry), undefined);
});

test('the bundle gives the same reports as the modules it was made from', async () => {
  const dir = project({});
  cpSync(join(ROOT, 'test/golden/cases'), join(dir, 'cases'), { recursive: true });
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  for (const format of ['text', 'json', 'sarif'] as const) {
    const viaBundle = await runCli(['check', '--format', format, 'cases', 'examples'], { cwd: dir });
    let stdout = '';
    let stderr = '';
    const code = runCheck({ stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {}, cwd: dir }, ['cases', 'examples'], { format, strict: false, locked: false, profiles: [], target: 'compose' });
    assert.equal({ code: viaBundle.code, stdout: viaBundle.stdout, stderr: viaBundle.stderr }, { code, stdout, stderr }, format);
  }
});

test('README: every code has a line in the rule table, with its severity', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('\n## `check` rules\n');
  assert.ok(at > 0, 'the rule table heading (anchor #check-rules)');
  const rows = new Map<string, string>();
  for (const m of readme.slice(at).matchAll(/^\| (WGC\d{3}) \| ([a-z;, ]+) \| (.+) \|$/gm)) rows.set(m[1]!, m[2]!);
  for (const code of Object.keys(CODES)) {
    assert.ok(rows.has(code), `${code} has no line in the README's rule table`);
    assert.match(rows.get(code)!, /^(error|warning|note)(; (error|warning|note))?$/, code);
  }
  assert.equal([...rows.keys()].filter((c) => !(c in CODES)), [], 'no line for a code that does not exist');
});

test.run();
