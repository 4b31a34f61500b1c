// The plan and its one writer (issue #10): every command that writes state goes through a
// Plan; --dry-run prints it and writes nothing, never a key; applyPlan writes only under the
// state lock, in the commit order; describePlan is the dry run's text.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyPlan } from '../../src/plan/apply.js';
import { describePlan } from '../../src/plan/describe.js';
import { makePlan } from '../../src/plan/plan.js';
import { withStateLock } from '../../src/state/lock.js';
import { project, runCli } from '../helpers/cli.js';

const COMPOSE = 'name: demo\nservices:\n  web:\n    image: web\n    links: [api]\n  api:\n    image: api\n  lonely:\n    image: x\n';
/** Anything shaped like a WireGuard key or a base64 master: 43 base64 characters and "=". */
const KEYLIKE = /[A-Za-z0-9+/]{43}=/;

/** Every file below `dir` with its content (a snapshot to compare before and after). */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(p.slice(dir.length + 1), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

test('render --dry-run on a fresh project: the plan in commit order, no key, no state', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const r = await runCli(['render', '--dry-run'], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  assert.is(
    r.stdout,
    '# dry run: 5 state changes; nothing is written\n' +
      '# create .wg-compose/master.key (0600) master secret\n' +
      '# write  .wg-compose/demo/api.conf (0600) wg-quick config of api\n' +
      '# write  .wg-compose/demo/web.conf (0600) wg-quick config of web\n' +
      '# write  wg-compose.lock (0644) lockfile (public: commit it)\n' +
      '# write  .wg-compose/demo/epochs.json (0600) epoch record (no lockfile older than it is used)\n',
  );
  assert.not.ok(existsSync(join(dir, '.wg-compose')), 'no state directory, no lock taken');
  assert.not.ok(existsSync(join(dir, 'wg-compose.lock')));
});

test('after a render the dry run has nothing to change; after a change it names the file to remove', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  assert.is((await runCli(['render'], { cwd: dir })).code, 0);
  const before = tree(dir);
  const same = await runCli(['render', '--dry-run'], { cwd: dir });
  assert.match(same.stdout, /^# dry run: no state would change; nothing is written\n/);
  assert.match(same.stdout, '# keep   .wg-compose/demo/web.conf (0600) wg-quick config of web, unchanged\n');

  const unlinked = COMPOSE.replace('    links: [api]\n', '');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'compose.yaml'), unlinked);
  const gone = await runCli(['render', '--dry-run'], { cwd: dir });
  assert.is(gone.code, 0, gone.stderr);
  assert.match(gone.stdout, '# remove .wg-compose/demo/api.conf (wg-quick configs of services no longer linked)\n');
  assert.match(gone.stdout, '# remove .wg-compose/demo/web.conf (wg-quick configs of services no longer linked)\n');
  assert.match(gone.stdout, '# write  wg-compose.lock (0644)');
  writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
  assert.equal(tree(dir), before, 'the dry runs wrote nothing');
});

test('every writing command takes --dry-run: rotate, import, moby, up and down print a plan and change nothing', async () => {
  const dir = project({ 'compose.yaml': COMPOSE, 'k.key': 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n' });
  assert.is((await runCli(['render'], { cwd: dir })).code, 0);
  const before = tree(dir);
  const bin = mkdtempSync(join(tmpdir(), 'wgc-plan-bin-'));
  const { writeFileSync, chmodSync } = await import('node:fs');
  writeFileSync(join(bin, 'docker-compose'), '#!/bin/sh\n[ "$1" = version ] && exit 0; exit 9\n');
  chmodSync(join(bin, 'docker-compose'), 0o755);
  const env = { PATH: `${bin}:/usr/bin:/bin` };
  const runs: [string[], RegExp][] = [
    [['rotate', '--dry-run', 'api'], /# write  \.wg-compose\/demo\/api\.conf \(0600\)[^\n]*\n# write  \.wg-compose\/demo\/web\.conf \(0600\)[^\n]*\n# write  wg-compose\.lock/],
    [['rotate', '--dry-run', 'api:web'], /# write  wg-compose\.lock \(0644\)/],
    [['import', 'api', '--private-key-file', 'k.key', '--dry-run'], /# write  \.wg-compose\/demo\/imported\/api\.[0-9a-f]{16}\.key \(0600\) imported private key of api\n/],
    [['moby', '--stock', '--dry-run'], /# write  \.wg-compose\/demo\/linuxkit-userdata\.json \(0600\) LinuxKit user data/],
    [['up', '--dry-run', '--engine', 'docker-compose'], /# write  \.wg-compose\/demo\/stack\.yml \(0600\) the stack the engine runs\n(?:# [^\n]*\n)*docker-compose -p demo /],
    [['down', '--dry-run', '--engine', 'docker-compose'], /# write  \.wg-compose\/demo\/stack\.yml \(0600\)[^\n]*\ndocker-compose -p demo [^\n]* rm --stop --force /],
  ];
  for (const [args, shape] of runs) {
    const r = await runCli(args, { cwd: dir, env });
    assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /^# dry run: \d+ state changes?; nothing is written\n/, args.join(' '));
    assert.match(r.stdout, shape, args.join(' '));
    assert.not.match(r.stdout + r.stderr, KEYLIKE, `${args.join(' ')}: no key on any output`);
  }
  assert.equal(tree(dir), before, 'no dry run changed a file');
});

test('down reads a stack whose sidecars share their script through more aliases than the yaml library allows by default', async () => {
  const services = Array.from({ length: 120 }, (_, i) => `  s${i}:\n    image: x\n${i < 119 ? `    links: [s${i + 1}]\n` : ''}`);
  const dir = project({ 'compose.yaml': `name: many\nservices:\n${services.join('')}` });
  assert.is((await runCli(['render'], { cwd: dir })).code, 0);
  const bin = mkdtempSync(join(tmpdir(), 'wgc-plan-bin-'));
  const { writeFileSync, chmodSync } = await import('node:fs');
  writeFileSync(join(bin, 'docker-compose'), '#!/bin/sh\n[ "$1" = version ] && exit 0; exit 9\n');
  chmodSync(join(bin, 'docker-compose'), 0o755);
  const r = await runCli(['down', '--dry-run', '--engine', 'docker-compose'], { cwd: dir, env: { PATH: `${bin}:/usr/bin:/bin` } });
  assert.is(r.code, 0, r.stderr);
  // The sidecars stop with the rest (joinerLevels), every one of them.
  const rm = /^docker-compose [^\n]* rm --stop --force ([^\n]*)$/m.exec(r.stdout)?.[1]?.split(' ') ?? [];
  assert.is(rm.filter((n) => /^s\d+-wg$/.test(n)).length, 120, r.stdout.slice(0, 500));
});

test('moby writes render\'s state too (configs and lockfile), then its user data, under the lock', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const r = await runCli(['moby', '--stock'], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  for (const f of ['api.conf', 'web.conf', 'linuxkit-userdata.json']) {
    assert.is(statSync(join(dir, '.wg-compose/demo', f)).mode & 0o777, 0o600, f);
  }
  assert.ok(existsSync(join(dir, 'wg-compose.lock')));
  assert.not.ok(existsSync(join(dir, '.wg-compose/state.lock')), 'the lock is released');
  const again = await runCli(['render', '--dry-run'], { cwd: dir });
  assert.match(again.stdout, 'no state would change', 'moby left the state render would have written');
});

test('applyPlan refuses to write without the state lock, and writes in commit order with it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgc-apply-'));
  const state = join(dir, '.wg-compose');
  const plan = makePlan({
    projectDir: dir,
    privateDirs: [state],
    master: { path: join(state, 'master.key'), content: 'm\n', mode: 0o600, what: 'master secret' },
    files: [{ path: join(state, 'a.conf'), content: 'a\n', mode: 0o600, what: 'a' }],
    commit: { path: join(dir, 'wg-compose.lock'), content: '{}\n', mode: 0o644, what: 'lockfile' },
    removals: [{ dir: state, what: 'old', matches: (n) => n === 'old.conf' }],
  });
  assert.throws(() => applyPlan(plan), /state lock .* is not held/);
  assert.not.ok(existsSync(state), 'nothing written without the lock');
  const applied = await withStateLock(dir, () => applyPlan(plan));
  assert.equal(applied.written, [join(state, 'master.key'), join(state, 'a.conf'), join(dir, 'wg-compose.lock')]);
  assert.is(statSync(state).mode & 0o777, 0o700);
  assert.is(statSync(join(dir, 'wg-compose.lock')).mode & 0o777, 0o644);
  // The master is created exclusively: applying the same plan again is a bug, not an overwrite.
  await withStateLock(dir, () => assert.throws(() => applyPlan(plan), /appeared while the state lock was held/));
  assert.is(readFileSync(join(state, 'master.key'), 'utf8'), 'm\n');
});

test('describePlan: file steps as comments in commit order, commands as shell lines, never content', () => {
  const plan = makePlan({
    projectDir: '/p',
    master: { path: '/p/.wg-compose/master.key', content: 'SECRET', mode: 0o600, what: 'master secret' },
    keys: [{ path: '/p/k', content: 'SECRET', mode: 0o600, what: 'key' }],
    files: [{ path: '/p/f', content: 'SECRET', mode: 0o600, what: 'file' }],
    commit: { path: '/p/wg-compose.lock', content: '{}', mode: 0o644, what: 'lockfile' },
    removals: [{ dir: '/p/d', what: 'gone', matches: () => true }],
    commands: [['docker-compose', 'up', "it's"]],
  });
  const text = describePlan(plan, { display: (p) => p.replace('/p/', ''), unchanged: (f) => f.path === '/p/f', removes: () => ['/p/d/x.conf'] });
  assert.is(
    text,
    '# dry run: 4 state changes; nothing is written\n' +
      '# create .wg-compose/master.key (0600) master secret\n' +
      '# write  k (0600) key\n' +
      '# keep   f (0600) file, unchanged\n' +
      '# write  wg-compose.lock (0644) lockfile\n' +
      '# remove d/x.conf (gone)\n' +
      "docker-compose up 'it'\\''s'\n",
  );
  assert.not.match(text, 'SECRET');
});

test.run();
