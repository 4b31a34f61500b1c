// Swarm tier (scripts/test-swarm.sh builds a real 3-node swarm of Debian's dockerd in network
// namespaces, runs this, and tears it down): `wg-compose deploy` of test/swarm/fixture, then,
// on the running stack, links across nodes pass traffic by link name, a replicated target is
// reached on every replica, an unlinked service reaches no tunnel address it is not linked
// to, no key shows in any inspect output, a killed task and a drained node get their tunnels
// back (timed), and `wg-compose rm` leaves nothing of the stack on any node.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const NODES = ['s1', 's2', 's3'] as const;
type NodeName = (typeof NODES)[number];
const SOCK = (n: NodeName): string => `unix:///run/wg-compose-test/${n}/docker.sock`;
const DOCKER = process.env['WG_COMPOSE_DOCKER'] ?? '/usr/bin/docker';
const BIN = fileURLToPath(new URL('../../../bin/wg-compose.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../../test/swarm/fixture', import.meta.url));
const PROJECT = 'wgst';

const root = mkdtempSync(join(tmpdir(), 'wgc-swarm-'));
const work = join(root, PROJECT);
cpSync(FIXTURE, work, { recursive: true });
const env = { ...process.env, DOCKER_HOST: SOCK('s1'), WG_COMPOSE_DOCKER: DOCKER };

function cli(args: string[]): { code: number | null; stdout: string; stderr: string; seconds: number } {
  const t = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, env, encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - t) / 1000 };
}

function dk(node: NodeName, args: string[], ok = true): string {
  const r = spawnSync(DOCKER, ['-H', SOCK(node), ...args], { encoding: 'utf8', timeout: 60_000 });
  if (ok && r.status !== 0) throw new Error(`docker ${args.join(' ')} on ${node}: ${r.stderr}`);
  return r.stdout;
}

/** The node running service NAME's task, and the task's container there. */
function where(service: string): { node: NodeName; container: string } | undefined {
  const node = dk('s1', ['service', 'ps', `${PROJECT}_${service}`, '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}'], false)
    .split('\n')
    .find((l) => / Running /.test(` ${l} `))
    ?.split(' ')[0] as NodeName | undefined;
  if (!node || !NODES.includes(node)) return undefined;
  const container = dk(node, ['ps', '-q', '--no-trunc', '--filter', `label=com.docker.swarm.service.name=${PROJECT}_${service}`, '--filter', 'status=running']).split('\n')[0];
  return container ? { node, container } : undefined;
}

/** Runs a command in the application container of SERVICE (no WireGuard tool in it is used). */
function inApp(service: string, cmd: string[]): { ok: boolean; out: string } {
  const w = where(service);
  if (!w) return { ok: false, out: `${service} has no running task` };
  const r = spawnSync(DOCKER, ['-H', SOCK(w.node), 'exec', w.container, ...cmd], { encoding: 'utf8', timeout: 30_000 });
  return { ok: r.status === 0, out: r.stdout + r.stderr };
}

/** Runs a command in the sidecar the agent joined to SERVICE's task. */
function inSidecar(service: string, cmd: string[]): { ok: boolean; out: string } {
  const w = where(service);
  if (!w) return { ok: false, out: `${service} has no running task` };
  const id = dk(w.node, ['ps', '-q', '--filter', `label=dev.wg-compose.sidecar-of=${w.container}`, '--filter', 'status=running']).split('\n')[0];
  if (!id) return { ok: false, out: `${service} has no sidecar on ${w.node}` };
  const r = spawnSync(DOCKER, ['-H', SOCK(w.node), 'exec', id, ...cmd], { encoding: 'utf8', timeout: 30_000 });
  return { ok: r.status === 0, out: r.stdout + r.stderr };
}

/** What to look at when a link fails: both sidecars' `wg show` (keys hidden by wg) and their last log lines. */
function explain(from: string, to: string): string {
  const out: string[] = [];
  for (const s of [from, to]) {
    const w = where(s);
    out.push(`--- ${s} on ${w?.node ?? '(no task)'}: ${inSidecar(s, ['wg', 'show']).out}`);
    const id = w && dk(w.node, ['ps', '-q', '--filter', `label=dev.wg-compose.sidecar-of=${w.container}`]).split('\n')[0];
    if (id && w) out.push(spawnSync(DOCKER, ['-H', SOCK(w.node), 'logs', '--timestamps', '--tail', '20', id], { encoding: 'utf8' }).stderr);
  }
  return out.join('\n').replace(/^.*(private|preshared) key.*$/gim, '');
}

/** A TCP connection to DEST:7000 from SERVICE's application, within three tries of 2 s. */
const reaches = (from: string, dest: string): boolean => [1, 2, 3].some(() => inApp(from, ['nc', '-z', '-w', '2', dest, '7000']).ok);

interface Locked {
  services: Record<string, { addresses: string[]; publicKey: string; listenPort: number }>;
}
const lock = (): Locked => JSON.parse(readFileSync(join(work, 'wg-compose.lock'), 'utf8')) as Locked;
const addr = (s: string): string => lock().services[s]!.addresses[0]!;

/** Polls `ok` every half second; the seconds it took, or undefined after `limit` seconds. */
async function until(limit: number, ok: () => boolean): Promise<number | undefined> {
  const t = Date.now();
  while (Date.now() - t < limit * 1000) {
    if (ok()) return (Date.now() - t) / 1000;
    await new Promise((r) => setTimeout(r, 500));
  }
  return undefined;
}

const figure = (s: string): void => console.log(`  figure: ${s}`);

test('deploy: every tunnel of every task up, with progress per node', () => {
  const r = cli(['deploy', '--timeout', '240']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /tunnels up 5\/5 \(/);
  assert.match(r.stderr, /every tunnel is up/);
  assert.not.match(r.stdout + r.stderr, /PrivateKey|PresharedKey/);
  figure(`deploy to every tunnel up: ${r.seconds.toFixed(1)} s (${/every tunnel is up \(([\d.]+) s/.exec(r.stderr)?.[1]} s of it waiting for tunnels)`);
  const placed = ['web', 'api', 'api-2', 'db', 'reports'].map((s) => `${s}@${where(s)?.node}`);
  figure(`placement: ${placed.join(' ')}`);
});

test('links across nodes: web reaches each api replica, and "backend" resolves to both', () => {
  assert.is(where('web')?.node, 's1');
  const names = inApp('web', ['getent', 'ahosts', 'backend']).out.split('\n').map((l) => l.split(/\s+/)[0]).filter(Boolean);
  assert.equal([...new Set(names)].sort(), [addr('api'), addr('api-2')].sort());
  for (const s of ['api', 'api-2']) assert.ok(reaches('web', addr(s)), `web → ${s} (${where(s)?.node}) at ${addr(s)} at ${new Date().toISOString()}\n${explain('web', s)}`);
  assert.ok(reaches('web', 'backend'), 'web → backend by name');
  for (const s of ['api', 'api-2', 'reports']) assert.ok(reaches(s, 'db'), `${s} (${where(s)?.node}) → db (${where('db')?.node}) by name`);
});

test('status --target swarm: every link direction up, with its node; a service scaled to 0 is named (exit 1)', async () => {
  interface Status {
    up: boolean;
    target: string;
    links: { from: string; to: string; state: string; node?: string; rxBytes: number }[];
  }
  const status = (): { code: number | null; j: Status; seconds: number } => {
    const r = cli(['status', '--target', 'swarm', '--json']);
    assert.not.match(r.stdout + r.stderr, /[A-Za-z0-9+/]{43}=/, 'no key, not even a public one');
    assert.ok(r.stdout.startsWith('{'), r.stderr);
    return { code: r.code, j: JSON.parse(r.stdout) as Status, seconds: r.seconds };
  };
  const ok = status();
  assert.is(ok.code, 0, JSON.stringify(ok.j.links));
  assert.is(ok.j.target, 'swarm');
  // web–api, web–api-2, api–db, api-2–db, reports–db: two directions each.
  assert.is(ok.j.links.length, 10);
  for (const l of ok.j.links) assert.is(l.node, where(l.from)?.node, `${l.from}'s node`);
  figure(`status --target swarm (a global job on 3 nodes): ${ok.seconds.toFixed(1)} s`);
  const svc = `${PROJECT}_reports`;
  dk('s1', ['service', 'scale', '--detach', `${svc}=0`]);
  try {
    const gone = await until(60, () => {
      const s = status();
      const st = (f: string, t: string) => s.j.links.find((l) => l.from === f && l.to === t)?.state;
      return s.code === 1 && st('reports', 'db') === 'not running' && st('db', 'reports') === 'peer not running' && st('web', 'api') === 'up';
    });
    assert.ok(gone !== undefined, 'reports reported not running within 60 s');
  } finally {
    dk('s1', ['service', 'scale', '--detach', `${svc}=1`]);
  }
  assert.ok((await until(120, () => status().code === 0)) !== undefined, 'every link up again once reports is back');
});

test('least privilege: reports reaches db and no api replica, even with a route and a forged peer', () => {
  const apis = ['api', 'api-2'];
  const beside = apis.filter((s) => where(s)?.node === where('reports')?.node);
  figure(`reports on ${where('reports')?.node}, beside ${beside.length ? beside.join(', ') : 'no api replica'}`);
  for (const s of apis) assert.not.ok(reaches('reports', addr(s)), `reports → ${s}`);
  // Make the packets enter WireGuard: a route for the pool, then api's public key as a forged
  // peer at api's task address. api has no peer with reports' key: no handshake, nothing.
  const l = lock();
  assert.ok(inSidecar('reports', ['ip', 'route', 'replace', '10.153.0.0/24', 'dev', 'wg0']).ok);
  for (const s of apis) {
    const r = inSidecar('reports', ['wg', 'set', 'wg0', 'peer', l.services[s]!.publicKey, 'endpoint', `tasks.${PROJECT}_${s}:${l.services[s]!.listenPort}`, 'allowed-ips', `${addr(s)}/32`, 'persistent-keepalive', '1']);
    assert.ok(r.ok, r.out);
    assert.not.ok(reaches('reports', addr(s)), `reports → ${s} with a forged peer`);
    assert.not.match(inSidecar(s, ['wg', 'show', 'wg0', 'peers']).out, l.services['reports']!.publicKey);
  }
  assert.ok(reaches('reports', 'db'), 'reports still reaches db');
  // Back as it was: the forged peers would otherwise count as peers without a handshake.
  for (const s of apis) assert.ok(inSidecar('reports', ['wg', 'set', 'wg0', 'peer', l.services[s]!.publicKey, 'remove']).ok);
  assert.ok(inSidecar('reports', ['ip', 'route', 'del', '10.153.0.0/24', 'dev', 'wg0']).ok);
});

test('no key in the stack, in docker service inspect, in any container inspect; secrets readable by root only', () => {
  const dir = join(work, '.wg-compose', PROJECT, 'swarm');
  const keys = readdirSync(dir)
    .filter((f) => f.endsWith('.conf'))
    .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/^(?:PrivateKey|PresharedKey) = (\S+)$/gm)].map((m) => m[1]!));
  assert.ok(keys.length >= 10);
  const texts = [readFileSync(join(dir, 'stack.yml'), 'utf8'), dk('s1', ['service', 'inspect', ...dk('s1', ['service', 'ls', '-q']).split('\n').filter(Boolean)])];
  for (const n of NODES) texts.push(dk(n, ['inspect', ...dk(n, ['ps', '-aq']).split('\n').filter(Boolean)]));
  for (const t of texts) for (const k of keys) assert.not.ok(t.includes(k), 'a key in inspect output');
  const mode = inApp('web', ['stat', '-c', '%a %u', '/run/secrets/wg-compose-wg0.conf']).out.trim();
  assert.is(mode, '400 0');
});

test('each private key is on the node that runs its task, and on no other', () => {
  const dir = join(work, '.wg-compose', PROJECT, 'swarm');
  const keyOf = (s: string) => /^PrivateKey = (\S+)$/m.exec(readFileSync(join(dir, `${s}.conf`), 'utf8'))![1]!;
  // What every task's secret files on a node hold, read through the node's own engine.
  const onNode = new Map<NodeName, string>();
  for (const n of NODES) {
    const r = spawnSync(DOCKER, ['-H', SOCK(n), 'run', '--rm', '--network', 'none', '--mount', 'type=bind,source=/var/lib/docker/containers,target=/c,readonly,bind-propagation=rslave',
      'localhost/wg-compose/base:bookworm', 'sh', '-c', 'find /c -path "*/mounts/secrets/*" -type f -exec cat {} + 2>/dev/null; true'], { encoding: 'utf8', timeout: 60_000 });
    assert.is(r.status, 0, r.stderr);
    onNode.set(n, r.stdout);
  }
  for (const s of ['web', 'api', 'api-2', 'db', 'reports']) {
    const holders = NODES.filter((n) => onNode.get(n)!.includes(keyOf(s)));
    assert.equal(holders, [where(s)!.node], `${s}'s key is on ${holders.join(', ') || 'no node'}`);
  }
});

/** The id of the sidecar the agent joined to a container on a node. */
const sidecarOf = (node: NodeName, container: string): string => dk(node, ['ps', '-q', '--no-trunc', '--filter', `label=dev.wg-compose.sidecar-of=${container}`, '--filter', 'status=running']).split('\n')[0] ?? '';
const projectSecrets = (): string[] => dk('s1', ['secret', 'ls', '--filter', `label=dev.wg-compose.project=${PROJECT}`, '--format', '{{.Name}}']).split('\n').filter(Boolean).sort();
const secretOf = (list: string[], s: string): string | undefined => list.find((n) => n.startsWith(`${PROJECT}_${s}-wg-conf-`));

/** Pings ADDRESS from SERVICE's application every 0.2 s into a file, until stopped; replies and misses (`ping -O`) with times. */
function pinger(service: string, address: string): { stop: () => { replies: number; lost: number; gap: number; lastReplied: boolean } } {
  const w = where(service)!;
  const file = join(root, `ping-${service}-${address}.log`);
  const child = spawn('sh', ['-c', `exec "$0" -H "$1" exec "$2" ping -n -D -O -i 0.2 -W 1 "$3" > "$4" 2>&1`, DOCKER, SOCK(w.node), w.container, address, file], { stdio: 'ignore' });
  return {
    stop: () => {
      child.kill();
      const lines = readFileSync(file, 'utf8').split('\n');
      const replies = lines.filter((l) => l.includes('bytes from')).length;
      const missed = lines.filter((l) => l.includes('no answer yet')).map((l) => Number(/^\[([\d.]+)\]/.exec(l)?.[1]));
      const last = lines.filter((l) => l.includes('bytes from') || l.includes('no answer yet')).pop() ?? '';
      return { replies, lost: missed.length, gap: missed.length ? missed[missed.length - 1]! - missed[0]! + 0.2 : 0, lastReplied: last.includes('bytes from') };
    },
  };
}

test('rotate a service on the deployed stack: only its tasks restart, its peers take the new key in place, and their other links never stop', async () => {
  const before = projectSecrets();
  const kept = ['web', 'db'].map((s) => ({ s, ...where(s)! })).map((t) => ({ ...t, sidecar: sidecarOf(t.node, t.container) }));
  const toRotated = pinger('web', addr('api-2'));
  const toOther = pinger('web', addr('api'));
  await new Promise((r) => setTimeout(r, 2000));
  const rot = cli(['rotate', 'api-2']);
  assert.is(rot.code, 0, rot.stderr);
  const dep = cli(['deploy', '--timeout', '240']);
  assert.is(dep.code, 0, dep.stderr);
  assert.match(dep.stderr, /giving the agents the new public key of api-2 first/);
  assert.match(dep.stderr, /the new key is staged on 3 node\(s\)/);
  assert.match(dep.stderr, /every tunnel is up/);
  assert.ok(await until(30, () => reaches('web', addr('api-2')) && reaches('api-2', 'db')), 'traffic through the new key');
  await new Promise((r) => setTimeout(r, 2000));
  const rotated = toRotated.stop();
  const other = toOther.stop();
  const after = projectSecrets();
  // Only api-2's secret is new: its peers' secrets hold no peer key, so neither they nor their tasks change.
  assert.is.not(secretOf(before, 'api-2'), secretOf(after, 'api-2'));
  for (const s of ['web', 'db', 'api', 'reports']) assert.is(secretOf(after, s), secretOf(before, s), s);
  for (const k of kept) {
    assert.is(where(k.s)?.container, k.container, `${k.s}'s task was not restarted`);
    assert.is(sidecarOf(k.node, k.container), k.sidecar, `${k.s}'s sidecar was not restarted`);
  }
  assert.ok(other.replies > 20 && other.lost <= 1, `web → api (not rotated) during the rotation: ${other.replies} replies, ${other.lost} lost`);
  assert.ok(rotated.lastReplied && rotated.gap < 20, `web → api-2: ${rotated.lost} lost over ${rotated.gap.toFixed(1)} s`);
  const gone = await until(60, () => projectSecrets().length === 5 || (cli(['deploy', '--timeout', '120']).code === 0 && projectSecrets().length === 5));
  assert.ok(gone !== undefined, `secrets left: ${projectSecrets().join(', ')}`);
  figure(
    `rotate api-2 + deploy: web and db not restarted; web → api-2 lost ${rotated.lost} pings of 0.2 s (${rotated.gap.toFixed(1)} s, api-2's own restart included), ` +
      `web → api lost ${other.lost} of ${other.replies + other.lost}; every tunnel up ${/every tunnel is up \(([\d.]+) s/.exec(dep.stderr)?.[1]} s after the stack deploy`,
  );
});

test('rotate a link on the deployed stack: both ends get new secrets (the preshared key), the others keep theirs, traffic comes back', async () => {
  const before = projectSecrets();
  const toApi2 = pinger('db', addr('api-2'));
  const rot = cli(['rotate', 'web:api-2']);
  assert.is(rot.code, 0, rot.stderr);
  const dep = cli(['deploy', '--timeout', '240']);
  assert.is(dep.code, 0, dep.stderr);
  assert.not.match(dep.stderr, /giving the agents/, 'no public key changed');
  const after = projectSecrets();
  for (const s of ['web', 'api-2']) assert.is.not(secretOf(after, s), secretOf(before, s), s);
  for (const s of ['db', 'api', 'reports']) assert.is(secretOf(after, s), secretOf(before, s), s);
  assert.ok(await until(30, () => reaches('web', addr('api-2')) && reaches('api-2', 'db')), 'web and api-2 pass traffic on the new preshared key');
  const p = toApi2.stop();
  figure(`rotate web:api-2 + deploy: every tunnel up ${/every tunnel is up \(([\d.]+) s/.exec(dep.stderr)?.[1]} s after the stack deploy; db → api-2 lost ${p.lost} pings of 0.2 s (api-2 restarts)`);
});

test('a killed task is replaced and gets its tunnel back', async () => {
  const w = where('api-2')!;
  dk(w.node, ['kill', w.container]);
  const back = await until(120, () => where('api-2') !== undefined && where('api-2')!.container !== w.container && reaches('web', addr('api-2')));
  assert.ok(back !== undefined, 'api-2 reachable again from web within 120 s');
  figure(`task killed (api-2 on ${w.node}) → web reaches it again: ${back!.toFixed(1)} s (now on ${where('api-2')?.node})`);
});

test('a drained node: its tasks move, and their tunnels come back', async () => {
  const from = where('api-2')!.node;
  dk('s1', ['node', 'update', '--availability', 'drain', from]);
  try {
    const back = await until(180, () => {
      const now = where('api-2');
      return now !== undefined && now.node !== from && reaches('web', addr('api-2')) && reaches('api-2', 'db');
    });
    assert.ok(back !== undefined, 'api-2 moved and reachable within 180 s');
    figure(`node ${from} drained → api-2 on ${where('api-2')?.node}, web reaches it and it reaches db: ${back!.toFixed(1)} s`);
  } finally {
    dk('s1', ['node', 'update', '--availability', 'active', from]);
  }
});

test('rm: no service, secret, network or sidecar of the stack is left on any node', () => {
  const r = cli(['rm']);
  assert.is(r.code, 0, r.stderr);
  const ns = `label=com.docker.stack.namespace=${PROJECT}`;
  assert.is(dk('s1', ['service', 'ls', '-q', '--filter', ns]).trim(), '');
  assert.is(dk('s1', ['secret', 'ls', '-q', '--filter', `label=dev.wg-compose.project=${PROJECT}`]).trim(), '');
  assert.is(dk('s1', ['network', 'ls', '-q', '--filter', ns]).trim(), '');
  figure(`rm: ${r.seconds.toFixed(1)} s`);
});

test('rm: the sidecars leave with their tasks, on every node', async () => {
  const gone = await until(60, () => NODES.every((n) => dk(n, ['ps', '-aq', '--filter', `label=dev.wg-compose.project=${PROJECT}`]).trim() === ''));
  assert.ok(gone !== undefined, NODES.map((n) => `${n}: ${dk(n, ['ps', '-a', '--format', '{{.Names}} {{.Status}}'])}`).join('\n'));
});

test.after(() => {
  spawnSync(process.execPath, [BIN, 'rm'], { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
  rmSync(root, { recursive: true, force: true });
});

test.run();
