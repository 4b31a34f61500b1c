// Tunnel tier: a rotated key on swarm, taken in place (templates/swarm-sidecar.sh). Real
// wireguard-go, wg and wg-quick, each "task" a network namespace with a /run of its own, as the
// node agent runs them: the sidecar program is the one the agent hands each sidecar, on the
// config `render --target swarm` writes (no peer's public key in it) and the peers' keys the
// agent gives it (WG_COMPOSE_PEERS).
//
// `rotate api`: api's old task is replaced by a new one with the new key and the same tunnel
// address, and web, its peer, is not restarted. The agent stages the new key in web's sidecar
// first (adopt) — traffic to the old task goes on meanwhile — and web takes it the moment the
// new task shakes hands. The control: a new task that web was not told of is never reached,
// until the (late) agent stages it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { fixedMaster, runCli } from '../helpers/cli.js';
import { embeddedScript } from '../../src/render/sidecar-parts.js';
import { sidecarScript, swarmSidecarScript } from '../../src/render/templates.js';
import { PREFIX, addNetns, cleanup, must, readLog, removeNetns, run, sleep, spawnIn, sweepStale, tempDir, writeNetnsEtc } from './netns.js';

const COMPOSE = `services:
  web:
    image: example/web
    links: [api]
  api:
    image: example/api
`;
const PROJECT = 'rot';
/** One REKEY_TIMEOUT (WireGuard retries a handshake after 5 s), the poll of the promotion (0.5 s), and 2.5 s of slack for a loaded machine. */
const BOUND_MS = 8_000;

const dir = join(tempDir('swarm-rotate'), PROJECT);
const env = (): Record<string, string> => ({ ...fixedMaster(join(dir, '..')) });
const underlay = `${PREFIX}rot-u`;
const ns = (name: string): string => `${PREFIX}rot-${name}`;
const ip = { web: '172.30.9.2', api1: '172.30.9.3', api2: '172.30.9.4', api3: '172.30.9.5' } as const;
type Task = keyof typeof ip;

interface Rendered {
  config: (service: string) => string;
  /** `SERVICE KEY ADDRESS…` lines, as the agent's label carries them. */
  table: string;
}

async function render(): Promise<Rendered> {
  const r = await runCli(['render', '--target', 'swarm'], { cwd: dir, env: env() });
  assert.is(r.code, 0, r.stderr);
  const stack = parse(r.stdout) as { services: Record<string, { labels: Record<string, string> }>; secrets: Record<string, { file: string }> };
  const configs = new Map(Object.entries(stack.secrets).map(([k, v]) => [k.replace(/-wg-conf$/, ''), readFileSync(join(dir, v.file), 'utf8')]));
  return { config: (s) => configs.get(s)!, table: stack.services['wg-compose-agent']!.labels['dev.wg-compose.public-keys']! };
}

/** What the agent gives a sidecar: "ADDRESS KEY" of each of the service's peers. */
const peerKeys = (table: string, peers: string[]): string =>
  table
    .split('\n')
    .map((l) => l.split(' '))
    .filter(([s]) => peers.includes(s!))
    .flatMap(([, key, ...addresses]) => addresses.flatMap((a) => [a, key!]))
    .join(' ');
const keyOf = (table: string, service: string): string => table.split('\n').find((l) => l.startsWith(`${service} `))!.split(' ')[1]!;
const addressOf = (table: string, service: string): string => table.split('\n').find((l) => l.startsWith(`${service} `))!.split(' ')[2]!;

/** The engine's part: a /run of the task's own, the secret bind-mounted read-only in it. */
const SETUP = `set -eu
mount -t tmpfs -o mode=0755 wgct-run /run
mkdir -p /run/wg-compose
: > /run/wg-compose/secret
mount --bind "$1" /run/wg-compose/secret
mount -o remount,bind,ro /run/wg-compose/secret
shift
exec "$@"`;

const WRAPPER = embeddedScript(swarmSidecarScript());
const sidecarEnv = (peers: string): NodeJS.ProcessEnv => ({
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  WG_COMPOSE_SECRET: '/run/wg-compose/secret',
  WG_COMPOSE_INTERFACE: 'wg0',
  WG_COMPOSE_SIDECAR: embeddedScript(sidecarScript()),
  WG_COMPOSE_RERESOLVE: '2',
  WG_COMPOSE_READY: '/run/wg-compose.ready',
  WG_COMPOSE_WORK: '/run/wg-compose-work',
  WG_COMPOSE_PEERS: peers,
});

const pids = new Map<Task, number>();

/** A task: its namespace on the underlay, /etc/hosts naming its peers' tasks, and its sidecar. */
async function startTask(task: Task, config: string, peers: string, hosts: string): Promise<void> {
  await addNetns(ns(task));
  await must('ip', ['-n', underlay, 'link', 'add', `u-${task}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns(task)]);
  await must('ip', ['-n', underlay, 'link', 'set', `u-${task}`, 'master', 'br0', 'up']);
  await must('ip', ['-n', ns(task), 'addr', 'add', `${ip[task]}/24`, 'dev', 'eth0']);
  await must('ip', ['-n', ns(task), 'link', 'set', 'eth0', 'up']);
  writeNetnsEtc(ns(task), 'nsswitch.conf', 'hosts: files\n');
  writeNetnsEtc(ns(task), 'hosts', hosts);
  const secret = join(dir, '..', `${task}.secret`);
  writeFileSync(secret, config, { mode: 0o600 });
  const p = spawnIn(ns(task), ['/bin/sh', '-c', SETUP, 'engine', secret, '/bin/sh', '-c', WRAPPER, 'wg-compose-sidecar', 'main'], sidecarEnv(peers), join(dir, '..', `${task}.log`));
  pids.set(task, p.pid);
}

/** Runs ARGV in the task's network and mount namespaces (its /run), as an exec in its sidecar. */
const inSidecar = (task: Task, argv: string[], e: NodeJS.ProcessEnv = {}) => run('nsenter', ['-t', String(pids.get(task)), '-m', '-n', ...argv], { env: { ...process.env, ...e } });
const adopt = (task: Task, pairs: string) => inSidecar(task, ['/bin/sh', '-c', WRAPPER, 'wg-compose-sidecar', 'adopt', ...pairs.split(' ')], sidecarEnv(''));
const wgShow = async (task: Task, what: string) => (await inSidecar(task, ['wg', 'show', 'wg0', what])).stdout;
const pingOnce = async (from: Task, to: string) => (await run('ip', ['netns', 'exec', ns(from), 'ping', '-n', '-q', '-c1', '-W1', to])).code === 0;

async function untilReached(from: Task, to: string, boundMs: number): Promise<number | undefined> {
  const t0 = Date.now();
  while (Date.now() - t0 <= boundMs) if (await pingOnce(from, to)) return Date.now() - t0;
  return undefined;
}

const tasksHosts = (apiTask: Task) => `127.0.0.1 localhost\n${ip[apiTask]} tasks.${PROJECT}_api\n`;
const webHosts = `127.0.0.1 localhost\n${ip.web} tasks.${PROJECT}_web\n`;

let first: Rendered;
let second: Rendered;
let third: Rendered;

test.before(async () => {
  sweepStale();
  await must('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
  first = await render();
  assert.is((await runCli(['rotate', 'api'], { cwd: dir, env: env() })).code, 0);
  second = await render();
  assert.is((await runCli(['rotate', 'api'], { cwd: dir, env: env() })).code, 0);
  third = await render();
  await addNetns(underlay);
  await must('ip', ['-n', underlay, 'link', 'add', 'br0', 'type', 'bridge']);
  await must('ip', ['-n', underlay, 'link', 'set', 'br0', 'up']);
});
test.after(cleanup);

test('render: rotating api changes api\'s config only; web\'s (its peer) is the same file, so its task needs no restart', () => {
  assert.is(second.config('web'), first.config('web'));
  assert.is.not(second.config('api'), first.config('api'));
  assert.is.not(keyOf(second.table, 'api'), keyOf(first.table, 'api'));
  assert.is(addressOf(second.table, 'api'), addressOf(first.table, 'api'));
  assert.not.match(first.config('web'), /PublicKey/);
});

test(`rotation in place: the new key staged while the old task serves, then taken within ${BOUND_MS / 1000} s of the new task; web never restarts`, async () => {
  const apiAddr = addressOf(first.table, 'api');
  await startTask('web', first.config('web'), peerKeys(first.table, ['api']), tasksHosts('api1'));
  await startTask('api1', first.config('api'), peerKeys(first.table, ['web']), webHosts);
  assert.ok((await untilReached('web', apiAddr, 15_000)) !== undefined, `web does not reach api at all:\n${readLog(join(dir, '..', 'web.log'))}`);
  const webPid = pids.get('web')!;

  // The agent's word, while the old task still runs: nothing changes for the traffic.
  const a = await adopt('web', peerKeys(second.table, ['api']));
  assert.is(a.code, 0, a.stderr);
  assert.match(a.stderr, /staged key/);
  const allowed = await wgShow('web', 'allowed-ips');
  assert.match(allowed, new RegExp(`^${escape(keyOf(second.table, 'api'))}\\t\\(none\\)$`, 'm'), allowed);
  assert.match(allowed, new RegExp(`^${escape(keyOf(first.table, 'api'))}\\t${apiAddr.replaceAll('.', '\\.')}/32$`, 'm'), allowed);
  for (let i = 0; i < 3; i++) assert.ok(await pingOnce('web', apiAddr), 'the old task keeps serving while the new key is staged');
  assert.is((await adopt('web', peerKeys(second.table, ['api']))).code, 0, 'a second adopt of the same key changes nothing');
  assert.is((await wgShow('web', 'peers')).trim().split('\n').length, 2);

  // The old task goes, the new one comes up where tasks.rot_api now points.
  await removeNetns(ns('api1'));
  writeNetnsEtc(ns('web'), 'hosts', tasksHosts('api2'));
  await startTask('api2', second.config('api'), peerKeys(second.table, ['web']), webHosts);
  const took = await untilReached('web', apiAddr, BOUND_MS);
  assert.ok(took !== undefined, `web did not reach api's new task within ${BOUND_MS / 1000} s:\n${readLog(join(dir, '..', 'web.log'))}`);
  await sleep(1000); // the promotion is polled; the handshake may have preceded it by one poll
  assert.equal((await wgShow('web', 'peers')).trim().split('\n'), [keyOf(second.table, 'api')], 'the new key took the address; the old key is gone');
  assert.ok((await run('kill', ['-0', String(webPid)])).code === 0, "web's sidecar still runs: it was never restarted");
  assert.match(readLog(join(dir, '..', 'web.log')), /took over/);
  process.stdout.write(`\n  api's new task (new key) reached from web ${(took / 1000).toFixed(1)} s after it started; web kept running (bound ${BOUND_MS / 1000} s)\n`);
});

test('control: a new key the agent has not given is never reached; given late, it is taken within the bound', async () => {
  const apiAddr = addressOf(first.table, 'api');
  await removeNetns(ns('api2'));
  writeNetnsEtc(ns('web'), 'hosts', tasksHosts('api3'));
  await startTask('api3', third.config('api'), peerKeys(third.table, ['web']), webHosts);
  assert.is(await untilReached('web', apiAddr, 6_000), undefined, 'web reached a key it was never given');
  const a = await adopt('web', peerKeys(third.table, ['api']));
  assert.is(a.code, 0, a.stderr);
  const took = await untilReached('web', apiAddr, BOUND_MS);
  assert.ok(took !== undefined, `web did not reach api after a late adopt:\n${readLog(join(dir, '..', 'web.log'))}`);
  process.stdout.write(`\n  key given after the new task started: reached ${(took / 1000).toFixed(1)} s after adopt\n`);
});

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

test.run();
