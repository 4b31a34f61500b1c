// `status`: the probe run in each sidecar, its parser, and the state of each link direction.
// The probe runs here under the real sh and awk, with a stand-in `wg` on PATH that prints a
// `wg show dump` with known private and preshared keys (a stand-in: the real one needs an
// interface; the engine tier runs the probe in real sidecars).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromStatusFile, linkRows, needsAsking, parseProbe, PROBE, probeProgram, REFRESH_AFTER_S, STATUS_FRESH_S, statusJson, statusTable, type SidecarSeen } from '../../src/status/links.js';
import { sidecarScript } from '../../src/render/templates.js';
import { embeddedScript } from '../../src/render/sidecar-parts.js';
import type { Node, Topology } from '../../src/topology/topology.js';
import { parseJobOutput } from '../../src/cli/status-swarm.js';

const key = (c: string): string => `${c.repeat(43)}=`;
const PRIV = key('P');
const PSK = key('S');

function fakeWg(dump: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'wgc-fakewg-'));
  writeFileSync(join(dir, 'wg'), `#!/bin/sh\n[ "$1 $2 $3" = "show wg0 dump" ] || exit 1\nprintf '%s' '${dump}'\n`);
  writeFileSync(join(dir, 'ping'), '#!/bin/sh\necho "$@" >> "$(dirname "$0")/pinged"\n');
  chmodSync(join(dir, 'wg'), 0o755);
  chmodSync(join(dir, 'ping'), 0o755);
  return dir;
}

test('the probe drops the private and preshared keys in the sidecar, and pings only peers due a handshake', () => {
  const now = Math.floor(Date.now() / 1000);
  const dump = [
    `${PRIV}\t${key('A')}\t51820\toff`,
    `${key('B')}\t${PSK}\t10.0.0.2:51820\t10.150.0.2/32\t${now - 5}\t1000\t2000\t0`,
    `${key('C')}\t${PSK}\t(none)\t10.150.0.3/32,fd00::3/128\t0\t0\t0\t0`,
    `${key('D')}\t${PSK}\t10.0.0.4:51820\t10.150.0.4/32\t${now - 600}\t5\t6\t0`,
  ].join('\n');
  const dir = fakeWg(`${dump}\n`);
  const r = spawnSync('sh', ['-c', PROBE, 'sh', 'wg0'], { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } });
  assert.is(r.status, 0, r.stderr);
  assert.not.ok(r.stdout.includes(PRIV) || r.stdout.includes(PSK), 'no private or preshared key leaves the sidecar');
  const pinged = spawnSync('cat', [join(dir, 'pinged')], { encoding: 'utf8' }).stdout;
  assert.equal(pinged.trim().split('\n').map((l) => l.split(' ').pop()).sort(), ['10.150.0.3', '10.150.0.4'], 'the peer without a handshake and the one idle for 600 s');
  const seen = parseProbe(r.stdout)!;
  assert.ok(seen);
  assert.is(seen.publicKey, key('A'));
  assert.is(seen.listenPort, 51820);
  assert.ok(Math.abs(seen.now - now) <= 2);
  assert.equal(seen.peers.get(key('B')), { endpoint: '10.0.0.2:51820', handshake: now - 5, rx: 1000, tx: 2000 });
  assert.equal(seen.peers.get(key('C')), { endpoint: undefined, handshake: 0, rx: 0, tx: 0 });
  assert.is(seen.peers.size, 3);
});

test('the probe exits 3 without the interface; its parser refuses anything else', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgc-nowg-'));
  writeFileSync(join(dir, 'wg'), '#!/bin/sh\necho "Unable to access interface: No such device" >&2; exit 1\n');
  chmodSync(join(dir, 'wg'), 0o755);
  assert.is(spawnSync('sh', ['-c', PROBE, 'sh', 'wg0'], { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } }).status, 3);
  assert.is(parseProbe(''), undefined);
  assert.is(parseProbe('interface x 1\n'), undefined);
  assert.is(parseProbe(`now 5\ninterface ${key('A')} 51820\npeer ${key('B')} x\n`)!.peers.size, 0, 'a short peer line is skipped');
});

test('PROBE is the sidecar script\'s own probe function, the one each sidecar runs to write its status file', () => {
  assert.ok(PROBE.startsWith('probe() {\n') && PROBE.endsWith('\n}\nprobe "$1"\n'), PROBE);
  assert.ok(sidecarScript().includes(PROBE.slice(0, -'probe "$1"\n'.length)));
  assert.ok(embeddedScript().includes(PROBE.slice(0, -'probe "$1"\n'.length)), 'the stack\'s copy of the script has it whole');
  assert.ok(PROBE.includes(`now - $5 > ${REFRESH_AFTER_S})`), 'the probe refreshes after REFRESH_AFTER_S, as status assumes');
  assert.throws(() => probeProgram('#!/bin/sh\necho no probe here\n'), /no probe\(\) function/);
});

/** The sidecar script's probe and report functions, run under the real sh with a stand-in wg. */
function runReport(wgDir: string, statusDir: string): number | null {
  const fn = (name: string): string => new RegExp(`^${name}\\(\\) \\{\\n[\\s\\S]*?\\n\\}\\n`, 'm').exec(sidecarScript())![0];
  const program = `${fn('probe')}${fn('report')}iface=wg0\nstatus="$1"\nreport`;
  return spawnSync('sh', ['-c', program, 'sh', statusDir], { encoding: 'utf8', env: { PATH: `${wgDir}:/usr/bin:/bin` } }).status;
}

test('a sidecar writes its status file whole, readable by all, without a key; and removes it once its interface is gone', () => {
  const now = Math.floor(Date.now() / 1000);
  const dump = [`${PRIV}\t${key('A')}\t51820\toff`, `${key('B')}\t${PSK}\t10.0.0.2:51820\t10.150.0.2/32\t${now - 5}\t1000\t2000\t0`].join('\n');
  const status = mkdtempSync(join(tmpdir(), 'wgc-status-'));
  assert.is(runReport(fakeWg(`${dump}\n`), status), 0);
  const text = readFileSync(join(status, 'wg0'), 'utf8');
  assert.is(statSync(join(status, 'wg0')).mode & 0o777, 0o644);
  assert.not.ok(text.includes(PRIV) || text.includes(PSK), 'no private or preshared key in the status file');
  assert.not.ok(existsSync(join(status, '.wg0.tmp')), 'no temporary file left');
  const seen = fromStatusFile(text, now)!;
  assert.ok(seen);
  assert.equal(seen.peers.get(key('B')), { endpoint: '10.0.0.2:51820', handshake: now - 5, rx: 1000, tx: 2000 });
  const gone = mkdtempSync(join(tmpdir(), 'wgc-nowg-'));
  writeFileSync(join(gone, 'wg'), '#!/bin/sh\nexit 1\n');
  chmodSync(join(gone, 'wg'), 0o755);
  assert.is(runReport(gone, status), 0);
  assert.not.ok(existsSync(join(status, 'wg0')), 'an interface that is gone leaves no status file claiming it is up');
});

test('a status file is read only while fresh, and handshake ages count from the reader\'s now', () => {
  const text = (t: number) => `now ${t}\ninterface ${key('A')} 51820\npeer ${key('B')} 10.0.0.2:51820 ${t - 10} 1 2\n`;
  const fresh = fromStatusFile(text(1_000), 1_000 + STATUS_FRESH_S)!;
  assert.is(fresh.now, 1_000 + STATUS_FRESH_S, 'the handshake is as old as it is now, not as it was when written');
  assert.is(fromStatusFile(text(1_000), 1_001 + STATUS_FRESH_S), undefined, 'too old: the sidecar is asked instead');
  assert.is(fromStatusFile(text(2_000), 1_000), undefined, 'from the future: not believed');
  assert.is(fromStatusFile('garbage', 1_000), undefined);
});

function node(name: string, peers: [string, string[]][]): Node {
  return {
    name,
    addresses: [`10.150.0.${name.length}`],
    listenPort: 51820,
    publicKey: key(name[0]!.toUpperCase()),
    epoch: 0,
    mtu: 1420,
    hosts: [],
    peers: peers.map(([service, aliases]) => ({ service, aliases, publicKey: key(service[0]!.toUpperCase()), allowedIPs: [], endpoint: `${service}-wgns:51820`, keepalive: 0 })),
  };
}

// web links api as "backend"; api links db; db links nothing.
const TOPOLOGY: Topology = {
  project: 'demo',
  nodes: new Map([
    ['api', node('api', [['db', ['db']], ['web', []]])],
    ['db', node('db', [['api', []]])],
    ['web', node('web', [['api', ['backend']]])],
  ]),
  links: new Map(),
};

const up = (peers: Record<string, number>, now = 10_000): SidecarSeen => ({
  kind: 'up',
  container: 'c',
  iface: { now, publicKey: 'x', listenPort: 1, peers: new Map(Object.entries(peers).map(([k, hs]) => [key(k), { endpoint: '10.0.0.9:51820', handshake: hs, rx: 10, tx: 20 }])) },
});

test('each link direction gets its state: up, no handshake yet, stale, peer not running, not running, interface down', () => {
  const seen = new Map<string, SidecarSeen>([
    ['web', up({ A: 9_990 })],
    ['api', up({ W: 9_000, D: 0 })],
    ['db', { kind: 'interface-down', container: 'db-wg' }],
  ]);
  const rows = linkRows(TOPOLOGY, seen);
  assert.equal(
    rows.map((r) => `${r.from}>${r.to}:${r.state}:${r.lastHandshake ?? '-'}`),
    ['api>db:no handshake yet:-', 'api>web:stale:1000', 'db>api:interface down:-', 'web>api:up:10'],
  );
  assert.equal(rows.find((r) => r.from === 'web')!.names, ['backend']);
  const stopped = linkRows(TOPOLOGY, new Map([...seen, ['api', { kind: 'stopped', container: 'api-wg', status: 'exited' }]]));
  assert.equal(stopped.filter((r) => r.to === 'api' || r.from === 'api').map((r) => `${r.from}>${r.to}:${r.state}`), ['api>db:not running', 'api>web:not running', 'db>api:interface down', 'web>api:peer not running']);
  assert.is(linkRows(TOPOLOGY, new Map()).every((r) => r.state === 'not running'), true);
});

test('after the files, the sidecars to ask are those with a direction not up that asking may settle', () => {
  const seen = new Map<string, SidecarSeen>([
    ['web', up({ A: 9_990 })],
    ['api', up({ W: 9_000, D: 0 })],
    ['db', { kind: 'stopped', container: 'db-wg', status: 'exited' }],
  ]);
  assert.equal([...needsAsking(linkRows(TOPOLOGY, seen))], ['api'], 'api: no handshake with db (not running: asking cannot help), stale with web');
  const fine = new Map<string, SidecarSeen>([...seen, ['api', up({ W: 9_990, D: 9_990 })]]);
  assert.equal([...needsAsking(linkRows(TOPOLOGY, fine))], []);
});

test('--json is the contract: up only when every direction is; no key; the table says how many are up', () => {
  const all = new Map<string, SidecarSeen>([
    ['web', up({ A: 9_990 })],
    ['api', up({ W: 9_990, D: 9_995 })],
    ['db', up({ A: 9_995 })],
  ]);
  const rows = linkRows(TOPOLOGY, all);
  const j = statusJson('demo', 'compose', rows);
  assert.is(j.up, true);
  assert.equal(j.links[0], { from: 'api', to: 'db', names: ['db'], state: 'up', lastHandshakeSeconds: 5, rxBytes: 10, txBytes: 20, endpoint: '10.0.0.9:51820' });
  assert.not.match(JSON.stringify(j), /[A-Za-z0-9+/]{43}=/);
  assert.match(statusTable('demo', rows), /^project demo: 4\/4 link directions up\nFROM +TO +AS +STATE/);
  assert.is(statusJson('demo', 'compose', linkRows(TOPOLOGY, new Map())).up, false);
  assert.is(statusTable('demo', []), 'project demo: no links, nothing to tunnel\n');
});

test('swarm: the status job\'s lines, per service; a sidecar without an interface; nodes done counted', () => {
  const p = (svc: string, task: string, node: string, line: string) => `wg-compose-status ${svc} ${task} ${node} ${line}`;
  const text = [
    p('web', 'demo_web.1.x', 's1', 'seen'),
    p('web', 'demo_web.1.x', 's1', 'now 10000'),
    p('web', 'demo_web.1.x', 's1', `interface ${key('W')} 51820`),
    p('web', 'demo_web.1.x', 's1', `peer ${key('A')} 10.240.0.5:51820 9990 1 2`),
    'wg-compose-status done s1',
    p('db', 'demo_db.1.y', 's2', 'seen'),
    p('stranger', 'demo_x.1.z', 's2', 'seen'),
    'some other line',
    'wg-compose-status done s2',
  ].join('\n');
  const { seen, nodesDone } = parseJobOutput(text, TOPOLOGY);
  assert.is(nodesDone, 2);
  const web = seen.get('web')!;
  assert.ok(web.kind === 'up' && web.where === 's1' && web.iface.peers.get(key('A'))!.handshake === 9990);
  assert.equal(seen.get('db'), { kind: 'interface-down', container: 'demo_db.1.y' });
  assert.not.ok(seen.has('api') || seen.has('stranger'));
  const rows = linkRows(TOPOLOGY, seen);
  assert.is(rows.find((r) => r.from === 'web')!.where, 's1');
  assert.is(rows.find((r) => r.from === 'web')!.state, 'peer not running');
});

test.run();
