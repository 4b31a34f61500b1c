// Engine tier (DESIGN.md §8, tier 5): `wg-compose up` and `down` on a real container engine,
// twice: podman with runc, Debian's docker-compose 1.29.2 against podman's Docker-compatible
// API (scripts/podman-setup.sh), and Docker Engine, Debian's dockerd in a network namespace of
// its own (scripts/docker-setup.sh engine), with the same docker-compose. Images from a
// debootstrap base (no registry). Every check runs from inside the application containers,
// as an application would see its network.
//
// Runs only as `npm run test:engine` (scripts/test-engine.sh sets WG_COMPOSE_ENGINE_TESTS=1
// after setting the engine up, and WG_COMPOSE_TEST_CLI=docker and WG_COMPOSE_TEST_NETNS for
// dockerd); under `npm test` it registers nothing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ENABLED = process.env['WG_COMPOSE_ENGINE_TESTS'] === '1';
const BIN = fileURLToPath(new URL('../../../bin/wg-compose.js', import.meta.url));
const PROJECT = 'wgcengine';
const HOST_PORT = 28080;
const BASE = 'localhost/wg-compose/base:bookworm';

// web → api (as "backend") and cache; api → db (as "database"), also waiting for db's own
// healthcheck (which podman without systemd would never run: `up` runs it); lonely has no link.
// Every application runs a TCP sink on port 7000 that logs what it receives; SIGTERM ends it
// at once (a shell as PID 1 ignores signals it has no trap for).
const SERVER = `["sh", "-c", "trap 'exit 0' TERM INT; nc -lk 7000 & wait"]`;
const COMPOSE = `x-app: &app
  image: ${BASE}
  command: ${SERVER}
services:
  web:
    <<: *app
    ports: ["${HOST_PORT}:7000"]
    env_file: ./app.env
    links: ["api:backend", cache]
  api:
    <<: *app
    links: ["db:database"]
    depends_on:
      db: {condition: service_healthy}
  db:
    <<: *app
    healthcheck: {test: ["CMD", "true"], interval: 2s}
  cache:
    <<: *app
  lonely:
    build: ./lonely
    image: localhost/wgc-test/lonely:latest
    command: ${SERVER}
`;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000, ...opts });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const env = { ...process.env, WG_COMPOSE_ENGINE: 'docker-compose', DOCKER_HOST: process.env['DOCKER_HOST'] ?? 'unix:///run/podman/podman.sock' };
let dir = '';
const wgc = (...args: string[]) => run('node', [BIN, ...args, '-p', PROJECT], { cwd: dir, env });
const container = (service: string) => `${PROJECT}_${service}_1`;
/** The engine's own CLI (podman, or docker for dockerd), for looking at what compose made. */
const CLI = process.env['WG_COMPOSE_TEST_CLI'] ?? 'podman';
/** Where the engine's published ports are: the network namespace its daemon runs in, if any. */
const NETNS = process.env['WG_COMPOSE_TEST_NETNS'];
const podman = (...args: string[]) => run(CLI, args);
const inApp = (service: string, ...cmd: string[]) => podman('exec', container(service), ...cmd);

/** Tunnel address and public key of each service, from `show --json`. */
let topo = new Map<string, { address: string; publicKey: string }>();

/** wg(8) `transfer` of a service's sidecar: peer public key → bytes received and sent. */
function transfer(service: string): Map<string, { rx: number; tx: number }> {
  const r = podman('exec', container(`${service}-wg`), 'wg', 'show', 'wg0', 'transfer');
  assert.is(r.status, 0, r.stderr);
  const out = new Map<string, { rx: number; tx: number }>();
  for (const line of r.stdout.trim().split('\n')) {
    const [pub, rx, tx] = line.split('\t');
    out.set(pub!, { rx: Number(rx), tx: Number(tx) });
  }
  return out;
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (ok()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) assert.unreachable(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Sends a line to the host's published port; resolves true once it is written and closed. */
function sendToHostPort(text: string): Promise<boolean> {
  if (NETNS) {
    // The daemon's host is its network namespace: connect from there.
    const r = run('ip', ['netns', 'exec', NETNS, 'timeout', '5', 'bash', '-c', `printf '%s\\n' "$0" > /dev/tcp/127.0.0.1/${HOST_PORT}`, text]);
    return Promise.resolve(r.status === 0);
  }
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: HOST_PORT }, () => s.end(`${text}\n`));
    s.on('close', (hadError) => resolve(!hadError));
    s.on('error', () => resolve(false));
    s.setTimeout(3000, () => s.destroy());
  });
}

const eth0 = (service: string) => inApp(service, 'ip', '-4', '-o', 'addr', 'show', 'eth0').stdout.split(/\s+/)[3];
const ping = (service: string, target: string) => inApp(service, 'ping', '-c', '1', '-W', '1', '-q', target).status === 0;

/** Removes whatever of the test project is left, whatever state a failed test left it in. */
function cleanup(): void {
  if (dir && existsSync(dir)) wgc('down');
  const ids = podman('ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`).stdout.split('\n').filter(Boolean);
  if (ids.length) podman('rm', '-f', ...ids);
  for (const n of podman('network', 'ls', '--format', '{{.Name}}').stdout.split('\n')) if (n.startsWith(`${PROJECT}_`)) podman('network', 'rm', '-f', n);
}

if (ENABLED) {
  test.before(() => {
    cleanup();
    dir = mkdtempSync(join(tmpdir(), 'wgc-engine-'));
    writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
    writeFileSync(join(dir, 'app.env'), 'GREETING=from-the-env-file\n');
    mkdirSync(join(dir, 'lonely'));
    writeFileSync(join(dir, 'lonely', 'Dockerfile'), `FROM ${BASE}\nCOPY hello.txt /hello.txt\n`);
    writeFileSync(join(dir, 'lonely', 'hello.txt'), 'from-the-build-context\n');
  });
  test.after(() => {
    cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('up starts the project and returns once every tunnel is ready (timed over three runs)', () => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      if (i > 0) assert.is(wgc('down').status, 0);
      const start = Date.now();
      const r = wgc('up', '-d', ...(i === 0 ? ['--build'] : []));
      times.push((Date.now() - start) / 1000);
      assert.is(r.status, 0, r.stderr);
      // A slow run shows its progress lines (each stamped with the time since `up` began).
      if (times[i]! > 30) console.error(`\n  engine tier: run ${i + 1} took ${times[i]!.toFixed(1)} s; its stderr:\n${r.stderr}`);
      assert.is(r.stdout, '', 'stdout stays clean');
      assert.match(r.stderr, /^wg-compose: 4 tunnels ready in [\d.]+ s: api, cache, db, web$/m);
      assert.not.match(r.stderr, /\u001b\[/, 'no terminal: plain progress lines');
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.error(`\n  engine tier: up → all 4 tunnels ready: ${times.map((t) => t.toFixed(1)).join(' s, ')} s (first with --build); median ${sorted[1]!.toFixed(1)} s`);
    const show = JSON.parse(wgc('show', '--json').stdout) as { services: { name: string; addresses: string[]; publicKey: string }[] };
    topo = new Map(show.services.map((s) => [s.name, { address: s.addresses[0]!, publicKey: s.publicKey }]));
    assert.equal([...topo.keys()].sort(), ['api', 'cache', 'db', 'web']);
    for (const s of ['web', 'api', 'db', 'cache', 'lonely']) assert.is(podman('inspect', '--format', '{{.State.Status}}', container(s)).stdout.trim(), 'running', s);
    assert.is(podman('inspect', '--format', '{{.State.Health.Status}}', container('db')).stdout.trim(), 'healthy', "db's own healthcheck ran");
  });

  test('link names resolve to tunnel addresses inside the application containers', () => {
    const resolves = (service: string, name: string) => inApp(service, 'getent', 'hosts', name).stdout.split(/\s+/)[0];
    assert.is(resolves('web', 'backend'), topo.get('api')!.address);
    assert.is(resolves('web', 'cache'), topo.get('cache')!.address);
    assert.is(resolves('api', 'database'), topo.get('db')!.address);
  });

  test('traffic to each link name reaches its target through the tunnel', () => {
    for (const [from, name, to] of [
      ['web', 'backend', 'api'],
      ['web', 'cache', 'cache'],
      ['api', 'database', 'db'],
    ] as const) {
      const before = transfer(from).get(topo.get(to)!.publicKey)!;
      assert.ok(ping(from, name), `${from} pings ${name}`);
      const message = `hello-${to}-from-${from}`;
      const sent = inApp(from, 'sh', '-c', `echo ${message} | nc -q 1 -w 3 ${name} 7000`);
      assert.is(sent.status, 0, `${from} → ${name}:7000: ${sent.stderr}`);
      const after = transfer(from).get(topo.get(to)!.publicKey)!;
      assert.ok(after.tx > before.tx && after.rx > before.rx, `${from}-wg's counters for ${to} grew: ${JSON.stringify({ before, after })}`);
      assert.match(podman('logs', container(to)).stdout, message, `${to} received the message`);
    }
  });

  test('no path on the tunnel addresses between services that are not linked', () => {
    assert.not.ok(ping('web', topo.get('db')!.address), 'web is not linked to db');
    assert.not.ok(ping('db', topo.get('web')!.address), 'nor db to web');
    assert.not.ok(ping('cache', topo.get('api')!.address), 'cache is linked to web only');
    assert.not.ok(ping('lonely', topo.get('api')!.address), 'lonely has no tunnel at all');
    // A TCP connect alone proves nothing here: this machine's uplink accepts connections to
    // any address. What counts is that nothing arrives at db.
    inApp('web', 'sh', '-c', `echo not-for-db-from-web | nc -q 1 -w 2 ${topo.get('db')!.address} 7000`);
    inApp('lonely', 'sh', '-c', `echo not-for-db-from-lonely | nc -q 1 -w 2 ${topo.get('db')!.address} 7000`);
    assert.not.match(podman('logs', container('db')).stdout, 'not-for-db');
    assert.not.ok(transfer('web').has(topo.get('db')!.publicKey), 'db is no peer of web');
  });

  test('everything that is not a link behaves as before: names on the network, ports, env files, build contexts', async () => {
    assert.is(inApp('lonely', 'nc', '-z', '-w', '3', 'api', '7000').status, 0, 'lonely reaches api by its name on the network');
    assert.is(inApp('api', 'nc', '-z', '-w', '3', 'lonely', '7000').status, 0, 'and api reaches lonely');
    assert.ok(await sendToHostPort('hello-web-from-the-host'), `the published port ${HOST_PORT} answers`);
    await until('the host message in web', () => podman('logs', container('web')).stdout.includes('hello-web-from-the-host'), 5000);
    assert.is(inApp('web', 'printenv', 'GREETING').stdout.trim(), 'from-the-env-file');
    assert.is(inApp('lonely', 'cat', '/hello.txt').stdout.trim(), 'from-the-build-context');
  });

  test('a sidecar restart: the application keeps its network meanwhile, and the tunnel works again', async () => {
    for (const [sidecar, from, name] of [
      ['api', 'web', 'backend'], // the target's sidecar: its peers still hold the old session
      ['web', 'web', 'backend'], // the linking service's own sidecar
    ] as const) {
      const addr = eth0('web');
      assert.ok(addr, 'web has an address on eth0');
      const r = podman('restart', container(`${sidecar}-wg`));
      assert.is(r.status, 0, r.stderr);
      assert.is(eth0('web'), addr, 'eth0 and its address stayed');
      assert.ok(await sendToHostPort(`port-after-${sidecar}-wg-restart`), 'the published port still answers');
      const ms = await until(`${from} → ${name} after restarting ${sidecar}-wg`, () => ping(from, name), 20_000);
      console.error(`  engine tier: ${from} → ${name} works again ${(ms / 1000).toFixed(1)} s after \`${CLI} restart\` of ${sidecar}-wg returned`);
      const before = transfer(from).get(topo.get('api')!.publicKey)!;
      assert.ok(ping(from, name));
      const after = transfer(from).get(topo.get('api')!.publicKey)!;
      assert.ok(after.tx > before.tx && after.rx > before.rx, 'through the tunnel');
    }
  });

  test('an application restart: same network, and the tunnel works again', async () => {
    const addr = eth0('web');
    assert.is(podman('restart', container('web')).status, 0);
    await until('web → backend after restarting web', () => ping('web', 'backend'), 20_000);
    assert.is(eth0('web'), addr);
    assert.is(inApp('web', 'getent', 'hosts', 'backend').stdout.split(/\s+/)[0], topo.get('api')!.address);
  });

  test('status: every link direction up (exit 0, no key); a stopped sidecar and a blocked UDP port are named (exit 1)', async () => {
    interface Status {
      up: boolean;
      links: { from: string; to: string; names: string[]; state: string; lastHandshakeSeconds: number | null; rxBytes: number; txBytes: number; endpoint: string | null }[];
    }
    const status = (): { code: number | null; j: Status; text: string } => {
      const r = wgc('status', '--json');
      assert.not.match(r.stdout + r.stderr, /[A-Za-z0-9+/]{43}=/, 'no key, not even a public one');
      return { code: r.status, j: JSON.parse(r.stdout) as Status, text: r.stdout };
    };
    const stateOf = (j: Status, from: string, to: string) => j.links.find((l) => l.from === from && l.to === to)?.state;
    const allUp = () => status().code === 0;
    await until('status: every link up', allUp, 30_000);
    const t0 = Date.now();
    const ok = status();
    console.error(`  engine tier: status answered in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
    assert.is(ok.j.up, true, ok.text);
    // web–api, web–cache, api–db: two directions each.
    assert.equal(ok.j.links.map((l) => `${l.from}>${l.to}`), ['api>db', 'api>web', 'cache>web', 'db>api', 'web>api', 'web>cache']);
    assert.equal(ok.j.links.find((l) => l.from === 'web' && l.to === 'api')!.names, ['backend']);
    for (const l of ok.j.links) assert.ok(l.rxBytes > 0 && l.txBytes > 0 && l.endpoint && l.lastHandshakeSeconds !== null, JSON.stringify(l));
    // Each sidecar's status file, which status read: there, readable by all, no secret of the stack.
    const state = join(dir, '.wg-compose', PROJECT);
    const secrets = readdirSync(state).filter((f) => f.endsWith('.conf')).flatMap((f) => [...readFileSync(join(state, f), 'utf8').matchAll(/^(?:PrivateKey|PresharedKey) = (\S+)$/gm)].map((m) => m[1]!));
    assert.ok(secrets.length >= 8, 'the configs hold the keys looked for');
    for (const svc of ['api', 'cache', 'db', 'web']) {
      const file = join(state, 'status', svc, 'wg0');
      assert.is(statSync(file).mode & 0o777, 0o644, file);
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^now \d+\ninterface /, file);
      for (const k of secrets) assert.not.ok(text.includes(k), `a secret in ${file}`);
    }
    const table = wgc('status');
    assert.is(table.status, 0);
    assert.match(table.stdout, /^project wgcengine: 6\/6 link directions up\n/);

    // A stopped sidecar: both directions of its links are named, exit 1.
    assert.is(podman('stop', container('cache-wg')).status, 0);
    const stopped = status();
    assert.is(stopped.code, 1);
    assert.is(stateOf(stopped.j, 'cache', 'web'), 'not running');
    assert.is(stateOf(stopped.j, 'web', 'cache'), 'peer not running');
    assert.is(stateOf(stopped.j, 'web', 'api'), 'up');
    assert.is(podman('start', container('cache-wg')).status, 0);
    await until('status: every link up after cache-wg started again', allUp, 30_000);

    // cache's UDP port blocked in its namespace, and its sidecar restarted (a new interface,
    // no session): its handshakes with web cannot complete.
    const port = JSON.parse(wgc('show', '--json').stdout).services.find((x: { name: string }) => x.name === 'cache').listenPort as number;
    const pid = podman('inspect', '--format', '{{.State.Pid}}', container('cache-wgns')).stdout.trim();
    const rule = ['-p', 'udp', '--dport', String(port), '-j', 'DROP'];
    assert.is(run('nsenter', ['-t', pid, '-n', 'iptables', '-I', 'INPUT', ...rule]).status, 0, 'iptables in cache\'s namespace');
    try {
      assert.is(podman('restart', container('cache-wg')).status, 0);
      const blocked = await until('status: cache → web without a handshake', () => {
        const s = status();
        return s.code === 1 && stateOf(s.j, 'cache', 'web') === 'no handshake yet';
      }, 30_000);
      console.error(`  engine tier: blocked UDP port reported as "no handshake yet" ${(blocked / 1000).toFixed(1)} s after the sidecar restart`);
    } finally {
      assert.is(run('nsenter', ['-t', pid, '-n', 'iptables', '-D', 'INPUT', ...rule]).status, 0);
    }
    await until('status: every link up once the port is open again', allUp, 30_000);

    // --watch: a look every 2 s (one after the other when stdout is not a terminal) until Ctrl-C.
    const child = spawn('node', [BIN, 'status', '--watch', '-p', PROJECT], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until('status --watch: two looks', () => (out.match(/^project wgcengine: 6\/6 link directions up$/gm) ?? []).length >= 2, 30_000);
    child.kill('SIGINT');
    assert.is(await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]), 130);
    assert.not.match(out, /\x1b/, 'no control sequence when stdout is not a terminal');
  });

  test('up without -d stays attached to the logs; Ctrl-C stops the project (exit 130), and nothing is removed', async () => {
    const child = spawn('node', [BIN, 'up', '-p', PROJECT], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until('up attached to the logs', () => stderr.includes("attached to the project's logs"), 120_000);
    assert.match(stderr, /tunnels? ready in [\d.]+ s/);
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 120_000))]);
    assert.is(code, 130, stderr);
    assert.match(stderr, 'wg-compose: stopping the project');
    for (const s of ['web', 'api', 'web-wg']) assert.is(podman('inspect', '--format', '{{.State.Status}}', container(s)).stdout.trim(), 'exited', `${s} stopped`);
  });

  test('down leaves no container, network or secret of the project; the keys stay', () => {
    const r = wgc('down');
    const left = () => podman('ps', '-a', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--format', '{{.Names}} {{.Status}}').stdout.trim();
    assert.is(r.status, 0, `${r.stderr}\nleft: ${left()}`);
    assert.is(left(), '', r.stderr);
    assert.equal(podman('network', 'ls', '--format', '{{.Name}}').stdout.split('\n').filter((n) => n.startsWith(PROJECT)), []);
    // podman keeps file secrets as secret objects; dockerd outside a swarm binds the file.
    if (CLI === 'podman') assert.equal(podman('secret', 'ls', '--format', '{{.Name}}').stdout.split('\n').filter((n) => n.includes(PROJECT) || n.includes('wg-conf')), []);
    const state = join(dir, '.wg-compose');
    assert.is(statSync(join(state, 'master.key')).mode & 0o777, 0o600);
    for (const s of ['api', 'cache', 'db', 'web']) assert.ok(existsSync(join(state, PROJECT, `${s}.conf`)), `${s}.conf stays`);
  });

  // Docker Engine runs healthchecks itself, so `depends_on: service_healthy` holds without
  // wg-compose: the rendered stack is an ordinary compose file there (podman without systemd
  // runs none, and a plain up waits forever: README, "podman without systemd").
  if (CLI === 'docker') {
    test('Docker Engine: a plain `docker-compose up -d` of `wg-compose render` output, with no help from wg-compose', async () => {
      const stack = wgc('render');
      assert.is(stack.status, 0, stack.stderr);
      writeFileSync(join(dir, 'stack.yml'), stack.stdout);
      const t = Date.now();
      const up = run('docker-compose', ['-p', PROJECT, '-f', 'stack.yml', 'up', '-d'], { cwd: dir, env });
      assert.is(up.status, 0, up.stderr);
      // compose returned once every sidecar was healthy and every application started.
      const ms = await until('web → backend after a plain up', () => ping('web', 'backend'), 30_000);
      console.error(`  engine tier: plain docker-compose up -d returned after ${((Date.now() - t - ms) / 1000).toFixed(1)} s; web → backend ${(ms / 1000).toFixed(1)} s later`);
      const before = transfer('web').get(topo.get('api')!.publicKey)!;
      assert.ok(ping('web', 'backend'));
      const after = transfer('web').get(topo.get('api')!.publicKey)!;
      assert.ok(after.tx > before.tx && after.rx > before.rx, 'through the tunnel');
      assert.not.ok(ping('web', topo.get('db')!.address), 'web is not linked to db');
      const down = run('docker-compose', ['-p', PROJECT, '-f', 'stack.yml', 'down'], { cwd: dir, env });
      assert.is(down.status, 0, down.stderr);
    });
  }
}

test.run();
