// The rendered stack: what moves to the namespace owner, what stays with the application,
// what is added, and that everything else is kept.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { memoryReader } from '../../src/load/io.js';
import { analyze, compile } from '../../src/pipeline.js';
import { EMPTY_LOCK } from '../../src/state/lockfile.js';
import { masterKeySource } from '../../src/topology/key-source.js';

type Svc = Record<string, unknown>;
interface Stack {
  services: Record<string, Svc>;
  secrets?: Record<string, { file: string }>;
  [k: string]: unknown;
}

async function render(yaml: string, profiles: string[] = []): Promise<Stack> {
  const { analysis, diagnostics } = analyze(
    { files: ['/p/compose.yaml'], envFiles: [], profiles, projectName: 'demo' },
    { cwd: '/p', env: {}, reader: memoryReader({ '/p/compose.yaml': yaml }) },
  );
  assert.ok(analysis, JSON.stringify(diagnostics));
  const c = await compile(analysis, EMPTY_LOCK, masterKeySource(new Uint8Array(32).fill(1), 'demo'));
  assert.equal(c.diagnostics, []);
  return parse(c.stack) as Stack;
}

test('namespace attributes move to the namespace owner; the application keeps the rest', async () => {
  const s = await render(`
services:
  app:
    image: app:1
    command: ["serve", "--port", "80"]
    ports: ["8080:80"]
    expose: ["9000"]
    hostname: app-host
    domainname: example.org
    dns: [1.1.1.1]
    dns_search: [corp]
    extra_hosts: ["legacy:192.0.2.7"]
    mac_address: 02:42:ac:11:65:43
    sysctls:
      net.core.somaxconn: 1024
      kernel.shmmax: 100
    volumes: [./data:/data]
    environment: [A=1]
    labels: {team: core}
    restart: always
    links: [db]
  db:
    image: db
`);
  const app = s.services['app']!;
  const ns = s.services['app-wgns']!;
  assert.equal(
    Object.keys(app).sort(),
    ['command', 'depends_on', 'environment', 'image', 'labels', 'network_mode', 'restart', 'sysctls', 'volumes'],
  );
  assert.is(app['network_mode'], 'service:app-wgns');
  assert.equal(app['sysctls'], { 'kernel.shmmax': 100 });
  assert.equal(app['volumes'], ['./data:/data']);
  assert.equal(ns['ports'], ['8080:80']);
  assert.equal(ns['expose'], ['9000']);
  assert.is(ns['hostname'], 'app-host');
  assert.is(ns['domainname'], 'example.org');
  assert.equal(ns['dns'], ['1.1.1.1']);
  assert.equal(ns['dns_search'], ['corp']);
  assert.is(ns['mac_address'], '02:42:ac:11:65:43');
  assert.equal(ns['sysctls'], { 'net.core.somaxconn': 1024 });
  assert.equal(ns['extra_hosts'], ['legacy:192.0.2.7', 'db:10.150.0.2'], "the user's entries stay, link names are added");
  assert.equal(ns['networks'], { default: { aliases: ['app'] } });
});

test('start order: link targets start first and the application waits for a healthy sidecar', async () => {
  const s = await render(`
services:
  app:
    image: app
    depends_on: [cache]
    links: ["db:database"]
  db:
    image: db
  cache:
    image: cache
`);
  assert.equal(s.services['app']!['depends_on'], {
    cache: { condition: 'service_started' },
    db: { condition: 'service_started' },
    'app-wg': { condition: 'service_healthy' },
  });
  assert.equal(s.services['cache'], { image: 'cache' }, 'a service that is not linked is untouched');
  assert.not.ok('cache-wg' in s.services);
});

test('networks keep their settings and gain the service name as an alias', async () => {
  const s = await render(`
services:
  app:
    image: app
    networks:
      front:
        aliases: [www]
        ipv4_address: 172.30.0.10
      back:
    links: [db]
  db:
    image: db
    networks: [back]
networks:
  front:
    ipam:
      config: [{subnet: 172.30.0.0/24}]
  back: {}
`);
  assert.equal(s.services['app-wgns']!['networks'], {
    front: { aliases: ['www', 'app'], ipv4_address: '172.30.0.10' },
    back: { aliases: ['app'] },
  });
  assert.equal(s.services['db-wgns']!['networks'], { back: { aliases: ['db'] } });
  assert.equal(s['networks'], { front: { ipam: { config: [{ subnet: '172.30.0.0/24' }] } }, back: {} });
});

test('the sidecar joins the namespace, gets its config as a secret file and the tun device', async () => {
  const s = await render('services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\nsecrets:\n  token:\n    file: ./token.txt\n');
  const wg = s.services['a-wg']!;
  assert.is(wg['network_mode'], 'service:a-wgns');
  assert.equal(wg['cap_add'], ['NET_ADMIN']);
  assert.equal(wg['devices'], ['/dev/net/tun:/dev/net/tun']);
  assert.equal(wg['secrets'], [{ source: 'a-wg-conf', target: 'wg0.conf' }]);
  assert.equal(s.secrets, {
    token: { file: './token.txt' },
    'a-wg-conf': { file: './.wg-compose/demo/a.conf' },
    'b-wg-conf': { file: './.wg-compose/demo/b.conf' },
  });
});

test('the sidecar script is written once, anchored, and every other sidecar names it by alias', async () => {
  const { analysis } = analyze(
    { files: ['/p/compose.yaml'], envFiles: [], profiles: [], projectName: 'demo' },
    { cwd: '/p', env: {}, reader: memoryReader({ '/p/compose.yaml': 'services:\n  a:\n    image: x\n    command: [run]\n    links: [b, c]\n  b:\n    image: x\n  c:\n    image: x\n' }) },
  );
  const { stack } = await compile(analysis!, EMPTY_LOCK, masterKeySource(new Uint8Array(32).fill(1), 'demo'));
  assert.is(stack.split('    command: &wg-compose-sidecar-script\n').length - 1, 1);
  assert.is(stack.split('    command: *wg-compose-sidecar-script\n').length - 1, 2);
  assert.is(stack.split('wg-quick up').length - 1, 1, 'one copy of the script');
  const s = parse(stack) as Stack;
  const script = s.services['a-wg']!['command'] as string[];
  assert.match(script[0]!, 'wg-quick up "$$up"', 'escaped for compose like every value');
  for (const n of ['b-wg', 'c-wg']) assert.equal(s.services[n]!['command'], script, n);
  assert.equal(s.services['a']!['command'], ['run'], "the application's own command is its own");
});

test('x-wireguard.health_interval sets how often every sidecar is checked (default 2s); anything but a plain duration is refused at its line', async () => {
  const links = 'services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\n';
  const interval = (s: Stack, name: string) => (s.services[name]!['healthcheck'] as { interval: string }).interval;
  assert.is(interval(await render(links), 'a-wg'), '2s');
  const slow = await render(`x-wireguard:\n  health_interval: 15s\n${links}`);
  assert.equal([interval(slow, 'a-wg'), interval(slow, 'b-wg')], ['15s', '15s']);
  for (const bad of ['15', '1.5s', '0s', '2s; rm -rf /', '1h']) {
    const { analysis, diagnostics } = analyze(
      { files: ['/p/compose.yaml'], envFiles: [], profiles: [], projectName: 'demo' },
      { cwd: '/p', env: {}, reader: memoryReader({ '/p/compose.yaml': `x-wireguard:\n  health_interval: "${bad}"\n${links}` }) },
    );
    assert.is(analysis, undefined, bad);
    assert.ok(diagnostics.some((d) => d.severity === 'error' && d.message.includes('health_interval') && d.pos?.line === 2), `${bad}: ${JSON.stringify(diagnostics)}`);
  }
});

test('what is not a link is kept: x- fields, volumes, configs; version and name are dropped', async () => {
  const s = await render(`
version: "3.8"
name: demo
x-common: &c {restart: always}
services:
  a:
    <<: *c
    image: x
    links: [b]
    x-team: payments
  b:
    image: x
volumes:
  data: {driver: local}
configs:
  conf:
    file: ./app.conf
`);
  assert.not.ok('version' in s);
  assert.not.ok('name' in s, 'docker-compose 1.x rejects a top-level name');
  assert.equal(s['x-common'], { restart: 'always' });
  assert.equal(s['volumes'], { data: { driver: 'local' } });
  assert.equal(s['configs'], { conf: { file: './app.conf' } });
  assert.is(s.services['a']!['restart'], 'always');
  assert.is(s.services['a']!['x-team'], 'payments');
});

test('the x-wireguard block holds public information only', async () => {
  const s = await render('x-wireguard:\n  pool: 10.9.0.0/24\nservices:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\n');
  const block = s['x-wireguard'] as { pool: string; topology: Record<string, { addresses: string[]; peers: Record<string, unknown> }> };
  assert.is(block.pool, '10.9.0.0/24');
  assert.equal(block.topology['a']!.addresses, ['10.9.0.1']);
  assert.equal(block.topology['a']!.peers, { b: { allowedIPs: ['10.9.0.2/32'], endpoint: 'b-wgns:51821' } });
  assert.not.match(JSON.stringify(block), /PrivateKey|PresharedKey/);
});

test('an extra_hosts mapping stays a mapping', async () => {
  const s = await render('services:\n  a:\n    image: x\n    extra_hosts:\n      legacy: 192.0.2.7\n    links: [b]\n  b:\n    image: x\n');
  assert.equal(s.services['a-wgns']!['extra_hosts'], { legacy: '192.0.2.7', b: '10.150.0.2' });
});

test('a literal $ stays literal: the stack escapes it again for compose', async () => {
  const s = await render('services:\n  a:\n    image: x\n    command: ["sh", "-c", "echo $$HOME ${NOPE:-d}"]\n    links: [b]\n  b:\n    image: x\n    healthcheck:\n      test: pg_isready -U $${POSTGRES_USER}\n');
  // parse() shows the text as written in the stack, before compose's own interpolation.
  assert.equal(s.services['a']!['command'], ['sh', '-c', 'echo $$HOME d']);
  assert.equal(s.services['b']!['healthcheck'], { test: 'pg_isready -U $${POSTGRES_USER}' });
});

test('external_links and profiles: the namespace owner takes the links, the infrastructure the profiles', async () => {
  const s = await render('services:\n  a:\n    image: x\n    profiles: [debug]\n    external_links: ["shared_cache_1:cache"]\n    links: [b]\n  b:\n    image: x\n', ['debug']);
  assert.not.ok('external_links' in s.services['a']!);
  assert.equal(s.services['a-wgns']!['external_links'], ['shared_cache_1:cache']);
  assert.equal(s.services['a']!['profiles'], ['debug']);
  assert.equal(s.services['a-wgns']!['profiles'], ['debug']);
  assert.equal(s.services['a-wg']!['profiles'], ['debug']);
  assert.not.ok('profiles' in s.services['b-wg']!);
});

test('extends does not copy a pinned identity: each service keeps its own address', async () => {
  const s = await render('services:\n  app:\n    image: x\n    links: [db, replica]\n  db:\n    image: pg\n    x-wireguard:\n      address: 10.150.0.100\n      port: 52000\n      mtu: 1300\n  replica:\n    extends: db\n');
  const topo = (s['x-wireguard'] as { topology: Record<string, { addresses: string[]; listenPort: number }> }).topology;
  assert.equal(topo['db']!.addresses, ['10.150.0.100']);
  assert.is(topo['db']!.listenPort, 52000);
  assert.equal(topo['replica']!.addresses, ['10.150.0.2']);
  assert.equal(s.services['replica']!['x-wireguard'], { mtu: 1300 }, 'other settings are inherited');
});

test.run();
