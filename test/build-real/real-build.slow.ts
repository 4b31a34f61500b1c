// Tier 6 (DESIGN.md §8): `wg-compose build init` through a real builder on this machine.
// No registry is reachable, so the base is a local image made with debootstrap
// (scripts/podman-setup.sh: bookworm minbase with the WireGuard tools included, cached in
// /var/cache/wg-compose-test). The build runs in an image store of its own
// (CONTAINERS_STORAGE_CONF, honoured by podman and buildah), holding nothing but that base: the
// first build cannot reuse a cached layer, and the test leaves the machine's images alone. It
// builds the tools image with podman, shows that a second run is a no-op (and that buildah, on
// the same store, agrees), then runs the image: `wg --version`, the sidecar program, and the
// LinuxKit onboot program configuring a link from a `wg-compose moby` config. Run with
// `npm run test:build` (root; about a minute the first time on a new machine, seconds after).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixedMaster, runCli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BASE = 'localhost/wg-compose/base:bookworm';
const ARGS = ['build', 'init', '--build-arg', `BASE=${BASE}`];
// The store of this test: under /var/tmp (same file system as the machine's store, so overlay works).
const STORE = mkdtempSync('/var/tmp/wgc-build-real-');
const STORAGE_CONF = join(STORE, 'storage.conf');
const env = { ...process.env, CONTAINERS_STORAGE_CONF: STORAGE_CONF } as Record<string, string>;

function sh(cmd: string, args: string[], input?: string, own = true): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 << 20, env: own ? env : process.env });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const timings: string[] = [];
let tag = '';

test('setup: podman configured (DESIGN.md §9) and the debootstrap base imported', () => {
  const t = Date.now();
  for (const step of ['install', 'image']) {
    const r = spawnSync('bash', [join(ROOT, 'scripts/podman-setup.sh'), step], { stdio: ['ignore', 'inherit', 'inherit'] });
    assert.is(r.status, 0, `podman-setup.sh ${step}`);
  }
  assert.is(sh('podman', ['image', 'exists', BASE], undefined, false).status, 0, `${BASE} exists`);
  // Our own store, holding only the base, copied over from the machine's store.
  mkdirSync(join(STORE, 'graph'));
  mkdirSync(join(STORE, 'run'));
  writeFileSync(STORAGE_CONF, `[storage]\ndriver = "overlay"\ngraphroot = "${STORE}/graph"\nrunroot = "${STORE}/run"\n`);
  const archive = join(STORE, 'base.tar');
  assert.is(sh('podman', ['save', '--quiet', '--output', archive, BASE], undefined, false).status, 0, 'podman save');
  const load = sh('podman', ['load', '--quiet', '--input', archive]);
  assert.is(load.status, 0, load.stderr);
  rmSync(archive);
  assert.is(sh('podman', ['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout.trim(), BASE, 'the store holds the base only');
  timings.push(`setup ${((Date.now() - t) / 1000).toFixed(1)} s`);
});

test('first build: podman builds the tools image, tagged by its context hash', async () => {
  const dry = await runCli([...ARGS, '--builder', 'podman', '--dry-run'], { cwd: ROOT, env });
  assert.is(dry.code, 0, dry.stderr);
  tag = /--tag (localhost\/wg-compose\/tools:[0-9a-f]{12}) /.exec(dry.stdout)![1]!;
  assert.is.not(sh('podman', ['image', 'exists', tag]).status, 0, 'a fresh store');

  const t = Date.now();
  const r = await runCli([...ARGS, '--builder', 'podman'], { cwd: ROOT, env });
  timings.push(`first build ${((Date.now() - t) / 1000).toFixed(1)} s`);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${tag}\n`);
  assert.match(r.stderr, /\+ podman build --layers /);
  assert.match(r.stderr, /STEP \d+\/\d+: FROM localhost\/wg-compose\/base:bookworm/);
  assert.match(r.stderr, new RegExp(`built ${tag} in `));
  assert.is(sh('podman', ['image', 'exists', tag]).status, 0);
  assert.is(sh('podman', ['image', 'inspect', '--format', '{{.Id}}', tag]).stdout, sh('podman', ['image', 'inspect', '--format', '{{.Id}}', 'localhost/wg-compose/tools:latest']).stdout);
});

test('second build: nothing changed, nothing rebuilt', async () => {
  const before = sh('podman', ['image', 'inspect', '--format', '{{.Id}} {{.Created}}', tag]).stdout;
  const t = Date.now();
  const r = await runCli([...ARGS, '--builder', 'podman'], { cwd: ROOT, env });
  timings.push(`second build (no-op) ${((Date.now() - t) / 1000).toFixed(1)} s`);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${tag}\n`);
  assert.match(r.stderr, /is up to date, not rebuilt/);
  assert.not.match(r.stderr, /podman build|STEP/);
  assert.is(sh('podman', ['image', 'inspect', '--format', '{{.Id}} {{.Created}}', tag]).stdout, before);
  // buildah reads the same image store: it finds the image too.
  const b = await runCli([...ARGS, '--builder', 'buildah'], { cwd: ROOT, env });
  assert.is(b.code, 0, b.stderr);
  assert.match(b.stderr, /is up to date, not rebuilt/);
  assert.not.match(b.stderr, /buildah bud/);
});

test('the image has the tools and wg-compose\'s programs', () => {
  const wg = sh('podman', ['run', '--rm', '--entrypoint', 'wg', tag, '--version']);
  assert.is(wg.status, 0, wg.stderr);
  assert.match(wg.stdout, /^wireguard-tools v/);
  const go = sh('podman', ['run', '--rm', '--entrypoint', 'sh', tag, '-c', 'for c in wireguard-go wg-quick ip ping getent awk grep mktemp wg-compose-onboot; do command -v $c; done']);
  assert.is(go.status, 0, go.stderr);
  assert.is(go.stdout.trim().split('\n').length, 9, go.stdout);
  const sidecar = sh('podman', ['run', '--rm', '--entrypoint', 'cat', tag, '/usr/local/bin/wg-compose-sidecar']);
  assert.is(sidecar.stdout, readFileSync(join(ROOT, 'templates/sidecar.sh'), 'utf8'));
  const entrypoint = sh('podman', ['image', 'inspect', '--format', '{{json .Config.Entrypoint}}', tag]);
  assert.is(entrypoint.stdout.trim(), '["/usr/local/bin/wg-compose-sidecar"]');
});

test('the onboot program configures an existing link from a moby config, as LinuxKit would run it', async () => {
  // A moby config for a service with three peers; the link is made first (here by
  // wireguard-go, on LinuxKit by the runtime), then wg-compose-onboot configures it.
  const root = mkdtempSync(join(tmpdir(), 'wgc-real-'));
  const work = join(root, 'basic');
  try {
    cpSync(join(ROOT, 'test/golden/cases/basic'), work, { recursive: true, filter: (s) => !s.includes('/expected') });
    const m = await runCli(['moby'], { cwd: work, env: { ...fixedMaster(root) } });
    assert.is(m.code, 0, m.stderr);
    const userdata = JSON.parse(readFileSync(join(work, '.wg-compose/basic/linuxkit-userdata.json'), 'utf8')) as {
      'wg-compose': { entries: Record<string, { content: string }> };
    };
    const [file, entry] = Object.entries(userdata['wg-compose'].entries).find(([, e]) => e.content.includes('service "api"'))!;
    const iface = file.replace(/\.conf$/, '');
    const script = [
      'set -e',
      'mkdir -p /etc/wireguard',
      `cat > /etc/wireguard/${file}`,
      `wireguard-go ${iface} 2>/dev/null`,
      `wg-compose-onboot /etc/wireguard/${file}`,
      `wg show ${iface} endpoints`,
      `ip -o -4 address show dev ${iface}`,
      `ip route show dev ${iface}`,
      `ip -o link show dev ${iface}`,
    ].join('\n');
    const r = sh('podman', ['run', '--rm', '-i', '--cap-add', 'NET_ADMIN', '--device', '/dev/net/tun', '--entrypoint', 'sh', tag, '-c', script], entry.content);
    assert.is(r.status, 0, r.stderr);
    const endpoints = r.stdout.split('\n').filter((l) => /^\S+=\t/.test(l)).map((l) => l.split('\t')[1]);
    assert.is(endpoints.length, 3);
    for (const e of endpoints) assert.match(e!, /^127\.0\.0\.1:\d+$/);
    const address = /^Address = (\S+)$/m.exec(entry.content)![1]!;
    assert.match(r.stdout, new RegExp(`inet ${address.replace(/\./g, '\\.')} `));
    assert.is(r.stdout.split('\n').filter((l) => /^\d+\.\d+\.\d+\.\d+ scope link/.test(l)).length, 3, 'a route per peer');
    assert.match(r.stdout, /mtu 1420 .*state (UP|UNKNOWN)/);
    assert.match(r.stderr, new RegExp(`wg-compose-onboot: ${iface} up \\(${address.replace(/\./g, '\\.')}\\)`));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('timings, and the test store removed', () => {
  console.log(`\n  real build tier: ${timings.join(', ')}`);
  rmSync(STORE, { recursive: true, force: true });
});

test.run();
