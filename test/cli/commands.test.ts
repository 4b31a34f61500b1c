// The command table: every command declared the same way, every option explained, values
// checked where they are declared (usage errors, exit 2), --dry-run on every command that writes.
import { Command } from 'commander';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMANDS, HELP_WIDTH } from '../../src/cli/main.js';
import { project, runCli } from '../helpers/cli.js';

function program(): Command {
  const p = new Command('wg-compose');
  for (const register of COMMANDS) register(p, { stdout() {}, stderr() {}, env: {}, cwd: '/' }, () => {});
  return p;
}

test('every command and every option and argument has a help text', () => {
  const p = program();
  assert.equal(p.commands.map((c) => c.name()), ['render', 'show', 'rotate', 'import', 'export', 'check', 'moby', 'build', 'up', 'down', 'status', 'deploy', 'rm']);
  for (const c of p.commands) {
    assert.ok(c.summary().length > 10 && c.description().length > 10, c.name());
    for (const o of c.options) assert.ok(o.description.length > 5, `${c.name()} ${o.flags}`);
    for (const a of c.registeredArguments) assert.ok(a.description.length > 5, `${c.name()} ${a.name()}`);
  }
});

test('help is laid out as written: no description line wider than the help width, none wrapped again', async () => {
  const p = program();
  for (const c of p.commands) for (const l of c.description().split('\n')) assert.ok(l.length <= HELP_WIDTH, `${c.name()}: ${l.length} columns: ${l}`);
  const dir = project({ 'compose.yaml': 'services:\n  a:\n    image: x\n' });
  const r = await runCli(['status', '--help'], { cwd: dir, env: {} });
  assert.is(r.code, 0);
  for (const l of p.commands.find((c) => c.name() === 'status')!.description().split('\n')) assert.ok(r.stdout.includes(`${l}\n`), `wrapped again: ${l}`);
});

test('every command that writes state or runs tools takes --dry-run', () => {
  const p = program();
  const withDryRun = p.commands.filter((c) => c.options.some((o) => o.long === '--dry-run')).map((c) => c.name());
  assert.equal(withDryRun, ['render', 'rotate', 'import', 'moby', 'build', 'up', 'down', 'deploy', 'rm']);
});

test('values are checked where they are declared: usage errors, exit 2, before anything runs', async () => {
  const dir = project({ 'compose.yaml': 'services:\n  a:\n    image: x\n' });
  const cases: [string[], RegExp][] = [
    [['up', '--timeout', '0'], /option '--timeout <seconds>' argument '0' is invalid\. must be a positive number of seconds/],
    [['up', '--timeout', 'soon'], /argument 'soon' is invalid/],
    [['build', 'initrd'], /value 'initrd' is invalid for argument 'target'\. Allowed choices are kernel, init, all/],
    [['build', '--build-arg', 'NOVALUE'], /option '--build-arg <KEY=VALUE>' argument 'NOVALUE' is invalid\. must be KEY=VALUE/],
    [['export', '--format', 'toml'], /argument 'toml' is invalid\. Allowed choices are json, yaml/],
    [['check', '--format', 'xml'], /argument 'xml' is invalid\. Allowed choices are text, json, sarif/],
    [['rotate'], /missing required argument 'target'/],
  ];
  for (const [argv, message] of cases) {
    const r = await runCli(argv, { cwd: dir, env: { PATH: '/nonexistent' } });
    assert.is(r.code, 2, argv.join(' '));
    assert.match(r.stderr, message, argv.join(' '));
    assert.is(r.stdout, '', argv.join(' '));
  }
});

test('a typed value reaches its command: --timeout as a number, --build-arg as pairs', async () => {
  const dir = project({ 'compose.yaml': 'services:\n  a:\n    image: x\n' });
  const up = await runCli(['up', '--dry-run', '--timeout', '2.5'], { cwd: dir, env: { WG_COMPOSE_ENGINE: 'docker-compose' } });
  assert.is(up.code, 0, up.stderr);
  const build = await runCli(['build', 'init', '--dry-run', '--builder', 'podman', '--build-arg', 'A=1', '--build-arg', 'B=x=y', '--build-arg', 'A=2'], { cwd: dir, env: { PATH: '/nonexistent', TMPDIR: dir } });
  assert.is(build.code, 0, build.stderr);
  assert.match(build.stdout, /--build-arg A=2 --build-arg B=x=y/);
  assert.not.match(build.stdout, /A=1/);
});

test.run();
