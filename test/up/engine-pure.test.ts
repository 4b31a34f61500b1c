// The pure parts of `up`/`down`: engine detection order, the command lines, the order `down`
// removes containers in, readiness, and the progress output.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { downCommands, joinerLevels, upCommand, type EngineTarget } from '../../src/engine/commands.js';
import { shellQuote } from '../../src/system/shell-quote.js';
import { detectEngine, ENGINE_CANDIDATES, type Argv } from '../../src/engine/detect.js';
import { splitCommand } from '../../src/system/shell-words.js';
import { createProgress } from '../../src/engine/progress.js';
import { assess, describe, parseHandshakes, peersToProbe, type Observation } from '../../src/engine/readiness.js';
import { chooseRuntime, dockerHostIsPodman, parseInspect, type ContainerInfo } from '../../src/engine/runtime.js';
import { HealthcheckClock } from '../../src/engine/watch.js';
import type { Node, Topology } from '../../src/topology/topology.js';

test('splitCommand: words, quotes, nothing expanded', () => {
  assert.equal(splitCommand('docker compose'), ['docker', 'compose']);
  assert.equal(splitCommand('  docker-compose  '), ['docker-compose']);
  assert.equal(splitCommand(`'/opt/my tools/compose' --verbose "a b" ''`), ['/opt/my tools/compose', '--verbose', 'a b', '']);
  assert.equal(splitCommand('$HOME/compose'), ['$HOME/compose']);
  assert.equal(splitCommand('   '), []);
});

test('detectEngine: --engine, then WG_COMPOSE_ENGINE, then the first candidate that is there, in order', async () => {
  const probed: string[] = [];
  const looker = (onPath: string[], answers: string[]) => ({
    onPath: (c: string) => onPath.includes(c),
    probe: async (argv: Argv) => {
      probed.push(argv.join(' '));
      return answers.includes(argv.join(' '));
    },
  });
  let d = await detectEngine('podman-compose', { WG_COMPOSE_ENGINE: 'docker-compose' }, looker([], []));
  assert.equal(d, { ok: true, engine: { argv: ['podman-compose'], source: 'flag' } });
  d = await detectEngine(undefined, { WG_COMPOSE_ENGINE: 'docker compose' }, looker([], []));
  assert.equal(d, { ok: true, engine: { argv: ['docker', 'compose'], source: 'env' } });
  assert.equal(probed, [], 'a named engine is not probed');

  // A docker client without the compose plugin: its probe fails, docker-compose is next.
  d = await detectEngine(undefined, { WG_COMPOSE_ENGINE: '' }, looker(['docker', 'docker-compose', 'podman'], ['podman compose']));
  assert.equal(d, { ok: true, engine: { argv: ['docker-compose'], source: 'path' } });
  assert.equal(probed, ['docker compose'], 'plugins are probed; a standalone program on PATH is enough');

  probed.length = 0;
  d = await detectEngine(undefined, {}, looker(['podman'], ['podman compose']));
  assert.equal(d, { ok: true, engine: { argv: ['podman', 'compose'], source: 'path' } });

  probed.length = 0;
  d = await detectEngine(undefined, {}, looker(['docker', 'podman'], []));
  assert.equal(d, {
    ok: false,
    named: false,
    tried: [
      '`docker compose` (`docker compose version` failed)',
      '`docker-compose` (not on PATH)',
      '`podman compose` (`podman compose version` failed)',
      '`podman-compose` (not on PATH)',
    ],
  });
  assert.equal(probed, ['docker compose', 'podman compose']);
  assert.is(ENGINE_CANDIDATES.length, 4);
});

const target: EngineTarget = {
  engine: ['docker', 'compose'],
  project: 'demo',
  projectDir: '/srv/demo',
  stackFile: '/srv/demo/.wg-compose/demo/stack.yml',
  profiles: ['debug'],
};

test('upCommand: project, project directory and stack first, detached, extra arguments last', () => {
  assert.equal(upCommand(target, { build: true, extra: ['--no-recreate', 'web'] }), [
    'docker', 'compose', '-p', 'demo', '--project-directory', '/srv/demo', '-f', '/srv/demo/.wg-compose/demo/stack.yml',
    '--profile', 'debug', 'up', '-d', '--build', '--no-recreate', 'web',
  ]);
  assert.equal(upCommand({ ...target, profiles: [] }, { build: false, extra: [] }).slice(-2), ['up', '-d']);
});

test('joinerLevels: containers that join a namespace go before its owner, deepest first', () => {
  const services = {
    web: { network_mode: 'service:web-wgns' },
    'web-wg': { network_mode: 'service:web-wgns' },
    'web-wgns': { image: 'x' },
    debug: { network_mode: 'service:web' }, // joins the application, which joins web-wgns
    host: { network_mode: 'host' },
    loop1: { network_mode: 'service:loop2' },
    loop2: { network_mode: 'service:loop1' },
    plain: null,
  };
  // A cycle (compose refuses one) only has to end the walk.
  assert.equal(joinerLevels(services), [['debug', 'loop1', 'loop2'], ['web', 'web-wg']]);
  assert.equal(joinerLevels({}), []);
  const cmds = downCommands(target, joinerLevels(services), ['-v']);
  assert.equal(cmds.map((c) => c.slice(10).join(' ')), ['rm --stop --force debug loop1 loop2', 'rm --stop --force web web-wg', 'down -v']);
});

test('shellQuote: plain words bare, everything else single-quoted', () => {
  assert.is(shellQuote(['a', 'b c', "it's", '$X', '--x=1', '']), `a 'b c' 'it'\\''s' '$X' --x=1 ''`);
});

const key = (c: string) => `${c.repeat(43)}=`;
function node(name: string, address: string, peers: string[]): Node {
  return {
    name,
    addresses: [address],
    listenPort: 51820,
    publicKey: key(name[0]!.toUpperCase()),
    epoch: 0,
    mtu: 1420,
    peers: peers.map((p) => ({ service: p, aliases: [], publicKey: key(p[0]!.toUpperCase()), allowedIPs: [], endpoint: `${p}-wgns:51820`, keepalive: 0 })),
    hosts: [],
  };
}
// web ↔ api ↔ db; web and db are not peers.
const topo: Topology = {
  project: 'demo',
  nodes: new Map([
    ['api', node('api', '10.150.0.1', ['db', 'web'])],
    ['db', node('db', '10.150.0.2', ['api'])],
    ['web', node('web', '10.150.0.3', ['api'])],
  ]),
  links: new Map(),
};
const obs = (container: string | undefined, interfaceUp: boolean, hs: Record<string, number> = {}, canProbe = true): Observation => ({
  container,
  interfaceUp,
  handshakes: new Map(Object.entries(hs).map(([s, t]) => [key(s[0]!.toUpperCase()), t])),
  canProbe,
});

test('assess: ready needs the interface and a handshake with every peer that is up, and only those', () => {
  const s = assess(
    topo,
    new Map([
      ['api', obs('running', true, { db: 1700000000 })],
      ['db', obs('running', true, { api: 1700000000 })],
      ['web', obs('running', false)],
    ]),
  );
  assert.equal(s.get('api'), { kind: 'ready', unchecked: false }, 'web is not up: not waited for');
  assert.equal(s.get('db'), { kind: 'ready', unchecked: false });
  assert.equal(s.get('web'), { kind: 'starting', container: 'running' });

  const t = assess(topo, new Map([['api', obs('running', true, { db: 0 })], ['db', obs('running', true)], ['web', obs('running', true)]]));
  assert.equal(t.get('api'), { kind: 'handshaking', missing: ['db', 'web'] });
  assert.equal(describe(t.get('api')!), 'interface up, no handshake yet with db, web');
  assert.equal(peersToProbe(topo, 'api', new Map([['api', obs('running', true)], ['db', obs('running', true)], ['web', obs('running', false)]])), ['10.150.0.2']);
  assert.equal(peersToProbe(topo, 'web', new Map([['web', obs('running', false)], ['api', obs('running', true)]])), [], 'not before its own interface is up');

  const u = assess(topo, new Map([['api', obs('exited', false)], ['web', obs('running', true, {}, false)]]));
  assert.equal(u.get('api'), { kind: 'stopped', container: 'exited' });
  assert.equal(u.get('db'), { kind: 'waiting' });
  assert.equal(u.get('web'), { kind: 'ready', unchecked: false }, 'api is not up');
  const v = assess(topo, new Map([['api', obs('running', true)], ['web', obs('running', true, {}, false)]]));
  assert.equal(v.get('web'), { kind: 'ready', unchecked: true }, 'cannot ping: the handshake is not required, and the state says so');
});

test('parseHandshakes reads wg show latest-handshakes and ignores everything else', () => {
  const m = parseHandshakes(`up\n${key('A')}\t1700000000\n${key('B')}\t0\nno-ping\ngarbage\t12\n`);
  assert.equal([...m], [[key('A'), 1700000000], [key('B'), 0]]);
});

test('parseInspect: docker and podman inspect JSON; anything else is no container', () => {
  const json = JSON.stringify([
    { Id: 'abc', Name: '/demo_web-wg_1', Config: { Labels: { 'dev.wg-compose.role': 'sidecar', n: 1 }, Healthcheck: { Interval: 2e9 } }, State: { Status: 'running', StartedAt: '2026-01-01T00:00:00Z', Health: { Status: 'starting' } } },
    { Id: 'def', Name: 'demo_web_1', Config: { Labels: null }, State: { Status: 'exited', Health: { Status: '' } } },
    { nothing: true },
  ]);
  assert.equal(parseInspect(json), [
    { id: 'abc', name: 'demo_web-wg_1', labels: { 'dev.wg-compose.role': 'sidecar' }, status: 'running', health: 'starting', startedAt: '2026-01-01T00:00:00Z', healthInterval: 2000 },
    { id: 'def', name: 'demo_web_1', labels: {}, status: 'exited', health: undefined, startedAt: '', healthInterval: undefined },
  ]);
  assert.equal(parseInspect('Error: no such object'), []);
});

test('chooseRuntime: podman for podman engines and podman sockets, else docker, else what is there', () => {
  const both = () => true;
  assert.is(chooseRuntime(['docker', 'compose'], {}, both, false), 'docker');
  assert.is(chooseRuntime(['docker-compose'], {}, both, true), 'podman');
  assert.is(chooseRuntime(['/usr/bin/podman-compose'], {}, both, false), 'podman');
  assert.is(chooseRuntime(['docker-compose'], {}, (c) => c === 'podman', false), 'podman');
  assert.is(chooseRuntime(['docker-compose'], {}, () => false, false), undefined);
  assert.ok(dockerHostIsPodman({ DOCKER_HOST: 'unix:///run/podman/podman.sock' }, (p) => p));
  assert.ok(dockerHostIsPodman({}, (p) => (p === '/var/run/docker.sock' ? '/run/podman/podman.sock' : p)), 'podman-docker links the default socket');
  assert.not.ok(dockerHostIsPodman({ DOCKER_HOST: 'tcp://podman.example:2375' }, (p) => p), 'only local sockets are looked at');
  assert.not.ok(dockerHostIsPodman({}, (p) => p));
});

test('HealthcheckClock: a ready sidecar at once; another container at its interval, first one interval after it is seen', () => {
  let now = 0;
  const clock = new HealthcheckClock(() => now);
  const c = (id: string, o: Partial<ContainerInfo> = {}): ContainerInfo => ({
    id, name: id, labels: {}, status: 'running', health: 'starting', startedAt: 't0', healthInterval: 10_000, ...o,
  });
  const sidecars = new Set(['sc', 'sc2']);
  const all = [c('sc'), c('sc2'), c('db'), c('nohc', { health: undefined }), c('ok', { health: 'healthy' }), c('down', { status: 'exited' }), c('dflt', { healthInterval: undefined })];
  assert.equal(clock.due(all, new Set(['sc']), sidecars), ['sc'], 'sc2 is not ready: its check would fail');
  now = 9_999;
  assert.equal(clock.due(all, new Set(['sc']), sidecars), ['sc']);
  now = 10_000;
  assert.equal(clock.due(all, new Set(), sidecars), ['db']);
  now = 15_000;
  assert.equal(clock.due(all, new Set(), sidecars), []);
  now = 30_000;
  assert.equal(clock.due(all, new Set(), sidecars), ['db', 'dflt'], 'no interval: Docker\'s default, 30 s');
  now = 31_000;
  assert.equal(clock.due([c('db', { startedAt: 't1' })], new Set(), sidecars), [], 'a restart starts its clock again');
});

test('progress, plain: a line per change, engine lines kept whole, no control sequences', () => {
  let out = '';
  const p = createProgress((s) => (out += s), false);
  p.engine('Creating demo_api-wg_1 ... ');
  p.update(new Map([['api', { kind: 'starting', container: 'running' }], ['db', { kind: 'waiting' }]]), 1200);
  p.update(new Map([['api', { kind: 'starting', container: 'running' }], ['db', { kind: 'waiting' }]]), 1700);
  p.engine('done\n');
  p.update(new Map([['api', { kind: 'ready', unchecked: false }], ['db', { kind: 'waiting' }]]), 2500);
  p.close();
  assert.is(
    out,
    'wg-compose: api: sidecar running, interface not configured yet (1.2 s)\n' +
      'Creating demo_api-wg_1 ... done\n' +
      'wg-compose: api: ready (2.5 s)\n',
  );
  assert.not.match(out, /\u001b/);
});

test('progress, terminal: the board is erased before engine output and redrawn below it', () => {
  let out = '';
  const p = createProgress((s) => (out += s), true);
  p.update(new Map([['api', { kind: 'ready', unchecked: false }], ['db', { kind: 'waiting' }]]), 1000);
  const board = out;
  assert.match(board, /✔ api  ready\n/);
  assert.match(board, /… db   no sidecar container yet\n/);
  assert.match(board, /tunnels: 1\/2 ready \(1\.0 s\)\n$/);
  out = '';
  p.engine('Creating x ... done\n');
  // Three lines drawn: move up three, clear to the end, the engine's line, the board again.
  assert.ok(out.startsWith('\u001b[3A\r\u001b[JCreating x ... done\n'), JSON.stringify(out));
  assert.ok(out.endsWith(board.replace(/^.*?\u001b\[2K/, '\u001b[2K')), 'redrawn');
});

test.run();
