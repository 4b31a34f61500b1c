// `wg-compose moby`: every spec it emits for the examples and the golden success cases
// validates against LinuxKit's schema (vendored, draft-04) in all three modes; keys stay out
// of the spec unless --embed-keys (which warns); the LinuxKit WireGuard pattern holds
// (onboot link per linked service, createInRoot, bindNS, services in those namespaces,
// loopback endpoints); unsupported compose features are reported at their line.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { IMAGE_REPOSITORIES, contextHash, readContext, shortHash } from '../../src/build/context.js';
import { STOCK } from '../../src/moby/images.js';
import { validateMobySpec } from '../../src/validate/moby.js';
import { fixedMaster, project, runCli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Image {
  name: string;
  image: string;
  net?: string;
  binds?: string[];
  'binds.add'?: string[];
  command?: string[];
  capabilities?: string[];
  runtime?: { interfaces?: { name: string; add: string; createInRoot: boolean }[]; bindNS?: { net: string }; mkdir?: string[] };
}
interface Spec {
  kernel: { image: string; cmdline: string };
  init: string[];
  onboot: Image[];
  services: Image[];
  files?: { path: string; contents: string; mode: string }[];
}
interface Userdata {
  'wg-compose': { entries: Record<string, { perm: string; content: string }> };
}

/** Every project the other suites render successfully: the examples and the golden cases. */
const PROJECTS: { name: string; dir: string; args: string[]; env?: Record<string, string> }[] = [
  { name: 'example webapp', dir: 'examples/webapp', args: ['-f', 'compose.yaml'] },
  { name: 'example legacy-v1', dir: 'examples/legacy-v1', args: ['-f', 'docker-compose.yml'] },
  { name: 'example v2-format', dir: 'examples/v2-format', args: ['-f', 'docker-compose.yml'] },
  { name: 'example multi-network', dir: 'examples/multi-network', args: ['-f', 'compose.yaml'] },
  { name: 'example multi-network prod', dir: 'examples/multi-network', args: ['-f', 'compose.yaml', '-f', 'compose.prod.yaml', '--profile', 'debug', '--profile', 'ops'] },
];
for (const c of readdirSync(join(ROOT, 'test/golden/cases')).sort()) {
  const dir = join('test/golden/cases', c);
  if (readFileSync(join(ROOT, dir, 'expected/exit'), 'utf8').trim() !== '0') continue;
  const spec = JSON.parse(readFileSync(join(ROOT, dir, 'case.json'), 'utf8')) as { args: string[]; env?: Record<string, string> };
  PROJECTS.push({ name: `golden ${c}`, dir, args: spec.args.slice(1), ...(spec.env ? { env: spec.env } : {}) });
}

/** Copies a project to a scratch directory named like it (the project name comes from it). */
function scratch(dir: string): { work: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'wgc-moby-'));
  const work = join(root, dir.split('/').pop()!);
  cpSync(join(ROOT, dir), work, { recursive: true, filter: (src) => !src.includes('/expected') && !src.includes('/.wg-compose') });
  return { work, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const keysIn = (text: string): string[] => [...text.matchAll(/^[ \t]*(?:PrivateKey|PresharedKey) = (\S+)$/gm)].map((m) => m[1]!);

for (const p of PROJECTS) {
  test(`moby ${p.name}: schema-valid in every mode; keys only as user data unless embedded`, async () => {
    const { work, cleanup } = scratch(p.dir);
    try {
      const env = { ...fixedMaster(work), ...p.env };
      const r = await runCli(['moby', ...p.args], { cwd: work, env });
      assert.is(r.code, 0, r.stderr);
      const spec = parse(r.stdout, { version: '1.1' }) as Spec;
      assert.equal(validateMobySpec(spec), [], 'default spec fails LinuxKit\'s schema');
      assert.not.match(r.stdout, /PrivateKey|PresharedKey/);

      const wgOnboot = spec.onboot.filter((o) => o.runtime?.interfaces);
      const userdataPath = readdirSync(join(work, '.wg-compose')).map((d) => join(work, '.wg-compose', d, 'linuxkit-userdata.json')).find((f) => existsSync(f));
      if (wgOnboot.length > 0) {
        assert.ok(userdataPath, 'user data written');
        assert.is(statSync(userdataPath!).mode & 0o777, 0o600);
        const userdata = JSON.parse(readFileSync(userdataPath!, 'utf8')) as Userdata;
        const entries = userdata['wg-compose'].entries;
        assert.equal(Object.keys(entries).sort(), wgOnboot.map((o) => `${o.name}.conf`).sort());
        const keys = Object.values(entries).flatMap((e) => keysIn(e.content));
        assert.ok(keys.length >= wgOnboot.length * 2, 'every config has its keys');
        for (const k of keys) assert.not.ok(r.stdout.includes(k) || r.stderr.includes(k), 'a key leaked to stdout or stderr');
        assert.ok(spec.onboot.some((o) => o.name === 'metadata' && o.image === STOCK.metadata), 'metadata package reads the user data');
      }

      const embedded = await runCli(['moby', '--embed-keys', ...p.args], { cwd: work, env });
      assert.is(embedded.code, 0, embedded.stderr);
      const espec = parse(embedded.stdout, { version: '1.1' }) as Spec;
      assert.equal(validateMobySpec(espec), [], '--embed-keys spec fails LinuxKit\'s schema');
      if (wgOnboot.length > 0) {
        assert.match(embedded.stderr, /warning WGC072: --embed-keys: the private keys/);
        const keyFiles = (espec.files ?? []).filter((f) => f.path.startsWith('etc/wg-compose/keys/'));
        assert.is(keyFiles.length, wgOnboot.length);
        for (const f of keyFiles) assert.is(f.mode, '0600');
        assert.ok(keysIn(embedded.stdout).length >= wgOnboot.length * 2);
        assert.not.ok(espec.onboot.some((o) => o.name === 'metadata'));
      }

      const stock = await runCli(['moby', '--stock', ...p.args], { cwd: work, env });
      assert.is(stock.code, 0, stock.stderr);
      const sspec = parse(stock.stdout, { version: '1.1' }) as Spec;
      assert.equal(validateMobySpec(sspec), [], '--stock spec fails LinuxKit\'s schema');
      assert.is(sspec.kernel.image, STOCK.kernel);

      // Same input, same state: the same spec.
      assert.is((await runCli(['moby', ...p.args], { cwd: work, env })).stdout, r.stdout);
    } finally {
      cleanup();
    }
  });
}

test('moby: LinuxKit\'s WireGuard pattern, one namespace per linked service, peers on loopback', async () => {
  const { work, cleanup } = scratch('test/golden/cases/basic');
  try {
    const env = fixedMaster(work);
    const r = await runCli(['moby'], { cwd: work, env });
    assert.is(r.code, 0, r.stderr);
    const spec = parse(r.stdout, { version: '1.1' }) as Spec;
    const show = JSON.parse((await runCli(['show', '--json'], { cwd: work, env })).stdout) as {
      services: { name: string; listenPort: number; addresses: string[]; peers: { service: string }[] }[];
    };
    assert.equal(show.services.map((s) => s.name).sort(), ['api', 'cache', 'db', 'web']);
    const userdata = JSON.parse(readFileSync(join(work, '.wg-compose/basic/linuxkit-userdata.json'), 'utf8')) as Userdata;
    const portOf = new Map(show.services.map((s) => [s.name, s.listenPort]));
    const names = new Set<string>();
    for (const s of show.services) {
      const iface = `wg${s.listenPort}`;
      assert.ok(iface.length <= 15);
      names.add(iface);
      const onboot = spec.onboot.find((o) => o.name === iface)!;
      assert.ok(onboot, `onboot ${iface} for ${s.name}`);
      assert.is(onboot.image, `${IMAGE_REPOSITORIES.init}:${shortHash(contextHash(readContext('init').files, new Map()))}`);
      assert.equal(onboot.runtime?.interfaces, [{ name: iface, add: 'wireguard', createInRoot: true }]);
      assert.equal(onboot.runtime?.bindNS, { net: `/run/netns/${iface}` });
      assert.is(onboot.net, 'new');
      assert.equal(onboot.binds, [`/run/config/wg-compose/${iface}.conf:/etc/wireguard/${iface}.conf:ro`]);
      assert.equal(onboot.command, ['/usr/local/bin/wg-compose-onboot', `/etc/wireguard/${iface}.conf`]);
      const svc = spec.services.find((x) => x.name === s.name)!;
      assert.is(svc.net, `/run/netns/${iface}`);
      assert.ok(svc['binds.add']?.includes(`/etc/wg-compose/hosts/${iface}:/etc/hosts:ro`));
      // Each peer at 127.0.0.1:its listen port: the sockets stay in the root namespace.
      const conf = userdata['wg-compose'].entries[`${iface}.conf`]!.content;
      const endpoints = [...conf.matchAll(/^Endpoint = (.+)$/gm)].map((m) => m[1]);
      assert.equal(endpoints.sort(), s.peers.map((p) => `127.0.0.1:${portOf.get(p.service)}`).sort());
      assert.match(conf, new RegExp(`^ListenPort = ${s.listenPort}$`, 'm'));
    }
    assert.is(names.size, 4, 'interface names are unique on the node');
    // Link names resolve to tunnel addresses inside the service: api's hosts file.
    const apiIface = `wg${portOf.get('api')}`;
    const hosts = spec.files!.find((f) => f.path === `etc/wg-compose/hosts/${apiIface}`)!.contents;
    const addr = (n: string) => show.services.find((s) => s.name === n)!.addresses[0];
    assert.match(hosts, new RegExp(`^${addr('db')}\\tdatabase$`, 'm'));
    assert.match(hosts, new RegExp(`^${addr('cache')}\\tcache$`, 'm'));
    // The unlinked service stays in the node's namespace; kernel and onboot images are build's.
    assert.is(spec.services.find((x) => x.name === 'metrics')!.net, undefined);
    assert.is(spec.kernel.image, `${IMAGE_REPOSITORIES.kernel}:${shortHash(contextHash(readContext('kernel').files, new Map()))}`);
    // onboot order: the metadata package writes the configs before any link is configured.
    const order = spec.onboot.map((o) => o.name);
    assert.ok(order.indexOf('metadata') < order.indexOf(apiIface));
  } finally {
    cleanup();
  }
});

test('moby: unsupported compose features are reported at their line, not dropped silently', async () => {
  const dir = project({
    'compose.yaml': `services:
  web:
    image: nginx
    ports: ["8080:80"]
    links: [api]
    healthcheck:
      test: ["CMD", "true"]
    depends_on:
      api:
        condition: service_healthy
  api:
    build: ./api
    image: example/api
    volumes:
      - data:/data
      - ./conf:/conf
    shm_size: 64m
  worker:
    build: ./worker
volumes:
  data:
    driver: local
`,
  });
  try {
    const r = await runCli(['moby'], { cwd: dir, env: fixedMaster(dir) });
    assert.is(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => / (warning|error|note) WGC/.test(l)).map((l) => l.replace(/: (warning|error|note) (WGC\d+):.*/, ' $2'));
    assert.equal(lines, [
      'compose.yaml:4:5 WGC070', // ports
      'compose.yaml:6:5 WGC070', // healthcheck
      'compose.yaml:8:5 WGC070', // depends_on with a condition
      'compose.yaml:12:5 WGC070', // build beside image
      'compose.yaml:14:5 WGC070', // volume with a driver
      'compose.yaml:14:5 WGC070', // host path bind
      'compose.yaml:17:5 WGC070', // shm_size
      'compose.yaml:19:5 WGC071', // build only: runs the image compose names
      'compose.yaml:22:5 WGC070', // the volume's driver
    ]);
    assert.match(r.stderr, /services\.web\.depends_on: .*health conditions are not waited for/);
    const spec = parse(r.stdout, { version: '1.1' }) as Spec;
    assert.equal(validateMobySpec(spec), []);
    const images = spec.services.map((s) => `${s.name} ${s.image}`);
    assert.equal(images.slice(0, 3), [`rngd ${STOCK.rngd}`, 'web nginx', 'api example/api']);
    assert.match(images[3]!, /^worker [a-z0-9][a-z0-9_-]*-worker$/, 'the build-only service runs PROJECT-worker');
    assert.match(r.stderr, /note WGC071: services\.worker has only build:, so the LinuxKit image runs \S+-worker, the image compose names it\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('moby: compose attributes LinuxKit can express are carried over', async () => {
  const dir = project({
    'compose.yaml': `services:
  app:
    image: example/app
    entrypoint: ["/init"]
    command: serve --port "8 0"
    environment:
      A: "1"
      B: "yes"
    cap_add: [NET_RAW]
    user: "1000:1001"
    working_dir: /srv
    read_only: true
    hostname: app1
    sysctls:
      net.core.somaxconn: 1024
    labels:
      team: core
    tmpfs: /run
    volumes:
      - cache:/cache:ro
    extra_hosts:
      - "metrics.internal:10.0.0.9"
    links: [db]
  db:
    image: postgres
    network_mode: none
volumes:
  cache: {}
`,
  });
  try {
    const r = await runCli(['moby'], { cwd: dir, env: fixedMaster(dir) });
    assert.is(r.code, 1, 'db with network_mode: none cannot be linked');
    assert.match(r.stderr, /WGC043/);
    const ok = project({ 'compose.yaml': readFileSync(join(dir, 'compose.yaml'), 'utf8').replace('    network_mode: none\n', '') });
    const r2 = await runCli(['moby'], { cwd: ok, env: fixedMaster(ok) });
    assert.is(r2.code, 0, r2.stderr);
    assert.is(r2.stderr.match(/WGC07\d/g), null, r2.stderr);
    const spec = parse(r2.stdout, { version: '1.1' }) as Spec;
    const app = spec.services.find((s) => s.name === 'app') as unknown as Record<string, unknown>;
    assert.equal(app['command'], ['/init', 'serve', '--port', '8 0']);
    assert.equal(app['env'], ['A=1', 'B=yes']);
    assert.equal(app['capabilities.add'], ['CAP_NET_RAW']);
    assert.is(app['uid'], 1000);
    assert.is(app['gid'], 1001);
    assert.is(app['cwd'], '/srv');
    assert.is(app['readonly'], true);
    assert.is(app['hostname'], 'app1');
    assert.equal(app['sysctl'], { 'net.core.somaxconn': '1024' });
    assert.equal(app['annotations'], { team: 'core' });
    assert.equal(app['tmpfs'], ['/run']);
    assert.ok((app['binds.add'] as string[]).includes('/var/lib/wg-compose/volumes/cache:/cache:ro'));
    assert.equal(app['runtime'], { mkdir: ['/var/lib/wg-compose/volumes/cache'] });
    const hosts = spec.files!.find((f) => f.path.startsWith('etc/wg-compose/hosts/') && f.contents.includes('\tapp\n'))!.contents;
    assert.match(hosts, /^10\.0\.0\.9\tmetrics\.internal$/m);
    assert.match(hosts, /\tdb$/m);
    assert.equal(validateMobySpec(spec), []);
    rmSync(ok, { recursive: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('moby --stock: LinuxKit\'s kernel and linuxkit/ip with lk-wg-config, as in its example', async () => {
  const { work, cleanup } = scratch('test/golden/cases/basic');
  try {
    const r = await runCli(['moby', '--stock'], { cwd: work, env: fixedMaster(work) });
    const spec = parse(r.stdout, { version: '1.1' }) as Spec;
    const wg = spec.onboot.filter((o) => o.runtime?.interfaces);
    assert.is(wg.length, 4);
    for (const o of wg) {
      assert.is(o.image, STOCK.ip);
      assert.equal(o.command, ['/usr/bin/lk-wg-config', 'configure', `/etc/wireguard/${o.name}.conf`]);
    }
    const custom = await runCli(['moby', '--kernel-image', 'example/k:1', '--tools-image', 'example/t:2'], { cwd: work, env: fixedMaster(work) });
    const cspec = parse(custom.stdout, { version: '1.1' }) as Spec;
    assert.is(cspec.kernel.image, 'example/k:1');
    assert.ok(cspec.onboot.filter((o) => o.runtime).every((o) => o.image === 'example/t:2'));
  } finally {
    cleanup();
  }
});

test('the vendored LinuxKit schema accepts LinuxKit\'s own example and refuses what linuxkit would', () => {
  const example = parse(readFileSync(join(ROOT, 'schema/vendor/linuxkit-example-wireguard.yml'), 'utf8'));
  assert.equal(validateMobySpec(example), []);
  assert.ok(validateMobySpec({ services: [{ name: 'x' }] }).length > 0, 'image is required');
  assert.ok(validateMobySpec({ onboot: [{ name: 'x', image: 'y', runtime: { interfaces: [{ name: 'wg0', createInRoot: 'yes' }] } }] }).length > 0);
  assert.ok(validateMobySpec({ kernel: { image: 'k' }, extra: 1 }).length > 0);
});

test.run();
