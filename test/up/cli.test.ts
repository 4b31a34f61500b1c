// `up` and `down` through the real CLI, with tiny executable stand-ins for the engine and the
// container CLI on PATH: the only way to produce, on any machine, a missing engine, an
// engine that fails, one that records its argv, and sidecars that are (not) ready.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemLooker } from '../../src/engine/detect.js';
import { project, runCli } from '../helpers/cli.js';

const COMPOSE = `services:
  web:
    image: web
    links: ["api:backend"]
  api:
    image: api
  lonely:
    image: lonely
`;

/** A directory of executable sh scripts; only they are on PATH (sh is found by the #! line). */
function bin(scripts: Record<string, string>): string {
  const dir = project({});
  const b = join(dir, 'bin');
  mkdirSync(b);
  for (const [name, body] of Object.entries(scripts)) writeFileSync(join(b, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return b;
}

const log = (dir: string) => (existsSync(join(dir, 'calls.log')) ? readFileSync(join(dir, 'calls.log'), 'utf8') : '');

/** An engine that answers `version` and records every other call. */
const RECORDING = `[ "$1" = version ] && exit 0\necho "$(basename "$0") $*" >> "$WGC_LOG"`.replace('$(basename "$0")', '${0##*/}');

test('no engine: exit 3, naming every command tried, and nothing written', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const r = await runCli(['up', '-d'], { cwd: dir, env: { PATH: bin({}) } });
  assert.is(r.code, 3, r.stderr);
  assert.is(
    r.stderr,
    'wg-compose: error WGC090: no compose engine found: tried `docker compose` (docker not on PATH), `docker-compose` (not on PATH), ' +
      '`podman compose` (podman not on PATH), `podman-compose` (not on PATH)\n' +
      '  hint: install Docker Compose (v2 plugin or docker-compose), or name an engine with --engine or WG_COMPOSE_ENGINE (e.g. "docker-compose")\n',
  );
  assert.not.ok(existsSync(join(dir, '.wg-compose')), 'no key created');
  assert.not.ok(existsSync(join(dir, 'wg-compose.lock')));
});

test('detection order: docker compose (a docker without the plugin fails), then docker-compose, before podman; env and flag win', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const PATH = bin({
    docker: 'echo "docker: unknown command: docker $1" >&2; exit 1',
    'docker-compose': '[ "$1" = version ] && exit 0; exit 9',
    podman: '[ "$1 $2" = "compose version" ] && exit 0; exit 9',
  });
  const first = async (env: Record<string, string>, args: string[] = []) =>
    (await runCli(['up', '--dry-run', '-p', 'demo', ...args], { cwd: dir, env: { PATH, ...env } })).stdout.split('\n').find((l) => !l.startsWith('#'))!.split(' -p ')[0];
  assert.is(await first({}), 'docker-compose');
  assert.is(await first({ WG_COMPOSE_ENGINE: 'podman compose' }), 'podman compose');
  assert.is(await first({ WG_COMPOSE_ENGINE: 'podman compose' }, ['--engine', '/opt/compose --verbose']), '/opt/compose --verbose');
});

test('a probe that hangs is cut off by its timeout and counts as no engine', async () => {
  const PATH = bin({ docker: 'exec /bin/sleep 30' });
  const started = Date.now();
  assert.is(await systemLooker({ PATH }, '/', 300).probe(['docker', 'compose']), false);
  assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
});

test('--dry-run prints the plan (files, modes, the exact commands) and writes nothing', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const env = { PATH: bin({ 'docker-compose': RECORDING }), WGC_LOG: join(dir, 'calls.log') };
  const r = await runCli(['up', '--dry-run', '-p', 'demo', '--build', '--profile', 'dbg', '--timeout', '30', '--', '--no-recreate', "it's"], { cwd: dir, env });
  assert.is(r.code, 0, r.stderr);
  assert.is(
    r.stdout,
    '# dry run: 6 state changes; nothing is written\n' +
      '# create .wg-compose/master.key (0600) master secret\n' +
      '# write  .wg-compose/demo/api.conf (0600) wg-quick config of api\n' +
      '# write  .wg-compose/demo/web.conf (0600) wg-quick config of web\n' +
      '# write  .wg-compose/demo/stack.yml (0600) the stack the engine runs\n' +
      '# write  wg-compose.lock (0644) lockfile (public: commit it)\n' +
      '# write  .wg-compose/demo/epochs.json (0600) epoch record (no lockfile older than it is used)\n' +
      `docker-compose -p demo --project-directory ${dir} -f ${dir}/.wg-compose/demo/stack.yml --profile dbg up -d --build --no-recreate 'it'\\''s'\n` +
      '# then waits up to 30 s for the tunnels of: api, web\n' +
      '# then follows the logs until Ctrl-C, which stops the project:\n' +
      `docker-compose -p demo --project-directory ${dir} -f ${dir}/.wg-compose/demo/stack.yml --profile dbg logs -f --tail 0\n` +
      `docker-compose -p demo --project-directory ${dir} -f ${dir}/.wg-compose/demo/stack.yml --profile dbg stop\n`,
  );
  assert.is(r.stderr, '');
  assert.not.ok(existsSync(join(dir, '.wg-compose')), 'no state directory, no key');
  assert.not.ok(existsSync(join(dir, 'wg-compose.lock')));
  assert.is(log(dir), '', 'the engine was only asked its version');

  const d = await runCli(['down', '--dry-run', '-p', 'demo', '--', '-v'], { cwd: dir, env });
  assert.is(d.code, 1, 'down renders the stack when up wrote none, and that needs the keys');
  assert.match(d.stderr, /WGC060.*no master secret yet/);
});

test('without -d, up follows the project\'s logs once it is up (here they end at once: the recording engine runs nothing)', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const env = { PATH: bin({ 'docker-compose': RECORDING }), WGC_LOG: join(dir, 'calls.log') };
  const r = await runCli(['up', '-p', 'demo'], { cwd: dir, env });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, "wg-compose: attached to the project's logs; Ctrl-C stops it");
  const calls = log(dir).trim().split('\n').map((l) => l.split('/stack.yml ')[1]);
  assert.equal(calls, ['up -d', 'logs -f --tail 0']);
});

test('the engine fails: exit 3 with its own message; its output streams to stderr, stdout stays empty', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const PATH = bin({
    'docker-compose': '[ "$1" = version ] && exit 0\necho "Creating network demo_default"\necho "ERROR: Couldn\'t connect to Docker daemon at http+docker://localhost" >&2\nexit 1',
  });
  const r = await runCli(['up', '-d', '-p', 'demo'], { cwd: dir, env: { PATH } });
  assert.is(r.code, 3);
  assert.is(r.stdout, '');
  assert.match(r.stderr, `+ docker-compose -p demo --project-directory ${dir} -f ${dir}/.wg-compose/demo/stack.yml up -d\nCreating network demo_default\n`);
  assert.match(
    r.stderr,
    "wg-compose: error WGC091: `docker-compose` failed (exit 1): ERROR: Couldn't connect to Docker daemon at http+docker://localhost\n",
  );

  const gone = await runCli(['up', '-d', '-p', 'demo', '--engine', 'no-such-compose'], { cwd: dir, env: { PATH } });
  assert.is(gone.code, 3);
  assert.match(gone.stderr, 'error WGC091: `no-such-compose` failed: no-such-compose: command not found');
});

test('up writes the stack the engine runs, passes arguments after -- to its up, and down removes joiners first', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const env = { PATH: bin({ 'docker-compose': RECORDING }), WGC_LOG: join(dir, 'calls.log') };
  const r = await runCli(['up', '-d', '-p', 'demo', '--build', '--', '--no-recreate', 'web'], { cwd: dir, env });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
  const stack = join(dir, '.wg-compose', 'demo', 'stack.yml');
  assert.is(log(dir), `docker-compose -p demo --project-directory ${dir} -f ${stack} up -d --build --no-recreate web\n`);
  assert.is(statSync(stack).mode & 0o777, 0o600);
  const rendered = await runCli(['render', '-p', 'demo'], { cwd: dir, env });
  assert.is(readFileSync(stack, 'utf8'), rendered.stdout, 'the stack up runs is the one render prints');
  // No podman or docker here to look at the sidecars with: said, not hidden.
  assert.match(r.stderr, 'warning WGC094: cannot check that the tunnels are ready: neither podman nor docker is on PATH');

  writeFileSync(join(dir, 'calls.log'), '');
  const d = await runCli(['down', '-p', 'demo', '--', '-v'], { cwd: dir, env });
  assert.is(d.code, 0, d.stderr);
  const base = `docker-compose -p demo --project-directory ${dir} -f ${stack}`;
  assert.is(log(dir), `${base} rm --stop --force api api-wg web web-wg\n${base} down -v\n`);
  assert.ok(existsSync(join(dir, '.wg-compose', 'master.key')), 'keys stay');
});

test('a missing localhost/ sidecar image is an error before the engine runs, pointing at wg-compose build init', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const env = {
    PATH: bin({ 'docker-compose': RECORDING, podman: '[ "$1 $2" = "image exists" ] && exit 1; exit 0' }),
    WGC_LOG: join(dir, 'calls.log'),
  };
  const r = await runCli(['up', '-d', '-p', 'demo', '--build'], { cwd: dir, env });
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, 'error WGC093: the sidecar image localhost/wg-compose/tools:latest is not present (podman)');
  assert.match(r.stderr, 'hint: build it with `wg-compose build init`');
  assert.is(log(dir), '', 'the engine was not run');
});

/**
 * A podman stand-in for two sidecars: `ps` lists them, `inspect` describes them (health
 * "starting", as podman leaves it without systemd), `exec` answers from a file per container.
 */
function fakePodman(dir: string, containers: { id: string; service: string }[]): string {
  const inspect = JSON.stringify(
    containers.map((c) => ({
      Id: c.id,
      Name: `demo_${c.service}-wg_1`,
      Config: { Labels: { 'com.docker.compose.project': 'demo', 'dev.wg-compose.role': 'sidecar', 'dev.wg-compose.service': c.service } },
      State: { Status: 'running', Health: { Status: 'starting' } },
    })),
  );
  writeFileSync(join(dir, 'inspect.json'), inspect);
  return [
    'echo "podman $*" >> "$WGC_LOG"',
    'case "$1" in',
    '  image) exit 0 ;;',
    `  ps) ${containers.map((c) => `echo ${c.id}`).join('; ')} ;;`,
    `  inspect) /bin/cat "${dir}/inspect.json" ;;`,
    `  exec) [ -f "${dir}/exec-$2" ] && /bin/cat "${dir}/exec-$2" ;;`,
    'esac',
    'exit 0',
  ].join('\n');
}

test('readiness: a sidecar that never configures its interface times out, named with its state', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const env = {
    PATH: bin({ 'docker-compose': RECORDING, podman: fakePodman(dir, [{ id: 'c-api', service: 'api' }]) }),
    WGC_LOG: join(dir, 'calls.log'),
  };
  const started = Date.now();
  const r = await runCli(['up', '-d', '-p', 'demo', '--timeout', '1'], { cwd: dir, env });
  assert.is(r.code, 3, r.stderr);
  assert.ok(Date.now() - started < 10_000);
  assert.match(r.stderr, 'error WGC092: tunnels not ready after 1 s: api (sidecar running, interface not configured yet)\n');
  assert.not.match(r.stderr, 'web (', 'web got no sidecar from the engine: not waited for');
  assert.not.match(log(dir), 'healthcheck run', 'no healthcheck is recorded before the check would pass');
});

test('readiness: interface up and handshakes done; podman healthchecks are run for compose; progress as plain lines', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  await runCli(['render', '-p', 'demo'], { cwd: dir, env: {} });
  const show = await runCli(['show', '--json', '-p', 'demo'], { cwd: dir, env: {} });
  const services = (JSON.parse(show.stdout) as { services: { name: string; publicKey: string }[] }).services;
  const pub = (s: string) => services.find((x) => x.name === s)!.publicKey;
  writeFileSync(join(dir, 'exec-c-api'), `up\n${pub('web')}\t1700000000\n`);
  writeFileSync(join(dir, 'exec-c-web'), `up\n${pub('api')}\t1700000001\n`);
  const env = {
    PATH: bin({ 'docker-compose': RECORDING, podman: fakePodman(dir, [{ id: 'c-api', service: 'api' }, { id: 'c-web', service: 'web' }]) }),
    WGC_LOG: join(dir, 'calls.log'),
  };
  const r = await runCli(['up', '-d', '-p', 'demo'], { cwd: dir, env });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /^wg-compose: api: ready \(\d+\.\d s\)$/m);
  assert.match(r.stderr, /^wg-compose: web: ready \(\d+\.\d s\)$/m);
  assert.match(r.stderr, /^wg-compose: 2 tunnels ready in \d+\.\d s: api, web$/m);
  assert.not.match(r.stderr, /\u001b/);
  assert.match(log(dir), 'podman healthcheck run c-api\n');
  assert.match(log(dir), 'podman healthcheck run c-web\n');
  assert.match(log(dir), `podman exec c-api sh -c`);
});

test.run();
