// `wg-compose build` without a real builder: the context and its hash, the exact plan each
// builder gets (--dry-run), the kernel context's config fragment and Dockerfile as staged, the
// missing-builder error, and the run logic against tiny fixture builders (shell scripts that
// log their argv). The real podman/buildah build is its own tier: test/build-real.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { goArch, parseBuilder, planBuild, type BuilderKind } from '../../src/build/builders.js';
import { shellQuote } from '../../src/system/shell-quote.js';
import { IMAGE_REPOSITORIES, PACKAGE_ROOT, contextHash, readContext, readStaged, shortHash, stageContext } from '../../src/build/context.js';
import { DEFAULT_IMAGE } from '../../src/model/settings.js';
import { runCli } from '../helpers/cli.js';

const scratch: string[] = [];
const tmp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  scratch.push(d);
  return d;
};
test.after(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});
const NO_ARGS = new Map<string, string>();

test('the tools image build makes is the default sidecar image', () => {
  assert.is(`${IMAGE_REPOSITORIES.init}:latest`, DEFAULT_IMAGE);
});

test('context hash: stable, order-free, and changed by any path, mode, byte or build argument', () => {
  const files = [
    { path: 'Dockerfile', mode: 0o644, content: Buffer.from('FROM scratch\n') },
    { path: 'run.sh', mode: 0o755, content: Buffer.from('#!/bin/sh\n') },
  ];
  const h = contextHash(files, NO_ARGS);
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.is(contextHash([...files].reverse(), NO_ARGS), h);
  assert.is.not(contextHash([{ ...files[0]!, path: 'Dockerfile2' }, files[1]!], NO_ARGS), h);
  assert.is.not(contextHash([files[0]!, { ...files[1]!, mode: 0o644 }], NO_ARGS), h);
  assert.is.not(contextHash([files[0]!, { ...files[1]!, content: Buffer.from('#!/bin/sh \n') }], NO_ARGS), h);
  assert.is.not(contextHash(files, new Map([['BASE', 'x']])), h);
  assert.is(contextHash(files, new Map([['A', '1'], ['B', '2']])), contextHash(files, new Map([['B', '2'], ['A', '1']])));
  // Length-prefixed fields: moving bytes between path and content is another context.
  assert.is.not(contextHash([{ path: 'ab', mode: 0o644, content: Buffer.from('c') }], NO_ARGS), contextHash([{ path: 'a', mode: 0o644, content: Buffer.from('bc') }], NO_ARGS));
});

test('init context: kernel/init plus templates/sidecar.sh, scripts executable, every COPY source present', () => {
  const ctx = readContext('init');
  assert.equal(ctx.files.map((f) => f.path), ['Dockerfile', 'build.yml', 'onboot.sh', 'sidecar.sh']);
  const byPath = new Map(ctx.files.map((f) => [f.path, f]));
  assert.is(byPath.get('sidecar.sh')!.content.toString(), readFileSync(join(PACKAGE_ROOT, 'templates/sidecar.sh'), 'utf8'));
  assert.is(byPath.get('sidecar.sh')!.mode, 0o755);
  assert.is(byPath.get('onboot.sh')!.mode, 0o755);
  const dockerfile = byPath.get('Dockerfile')!.content.toString();
  for (const m of dockerfile.matchAll(/^COPY (?!--from)(\S+) /gm)) assert.ok(byPath.has(m[1]!), `COPY ${m[1]} is in the context`);
  assert.match(dockerfile, /^ARG BASE=debian:bookworm-slim$/m);
  assert.match(dockerfile, /^ENTRYPOINT \["\/usr\/local\/bin\/wg-compose-sidecar"\]$/m);
  for (const p of ['wireguard-tools', 'wireguard-go', 'iproute2', 'iputils-ping', 'curl', 'jq']) assert.match(dockerfile, new RegExp(`PACKAGES="[^"]*\\b${p}\\b`));
});

test('build.yml of each context names the repository build tags (org/image), as linuxkit pkg build expects', () => {
  for (const kind of ['kernel', 'init'] as const) {
    const ctx = readContext(kind);
    const yml = parse(ctx.files.find((f) => f.path === 'build.yml')!.content.toString()) as { image: string; org: string; arches: string[] };
    assert.is(`${yml.org}/${yml.image}`, IMAGE_REPOSITORIES[kind], kind);
    assert.ok(yml.arches.includes(goArch(process.arch)), `${kind} builds for this machine`);
  }
});

test('kernel context: WireGuard built in, with what its Kconfig depends on and selects', () => {
  const ctx = readContext('kernel');
  assert.equal(ctx.files.map((f) => f.path), ['Dockerfile', 'build.yml', 'wireguard.config']);
  const fragment = ctx.files.find((f) => f.path === 'wireguard.config')!.content.toString();
  const set = fragment.split('\n').filter((l) => /^CONFIG_/.test(l));
  for (const want of [
    'CONFIG_WIREGUARD=y',
    'CONFIG_NET=y',
    'CONFIG_INET=y',
    'CONFIG_IPV6=y',
    'CONFIG_NET_UDP_TUNNEL=y',
    'CONFIG_DST_CACHE=y',
    'CONFIG_CRYPTO=y',
    'CONFIG_CRYPTO_LIB_CURVE25519=y',
    'CONFIG_CRYPTO_LIB_CHACHA20POLY1305=y',
  ]) {
    assert.ok(set.includes(want), want);
  }
  assert.not.ok(set.some((l) => l.endsWith('=m')), 'nothing as a module');
  assert.match(fragment, /^# CONFIG_WIREGUARD_DEBUG is not set$/m);
  const dockerfile = ctx.files.find((f) => f.path === 'Dockerfile')!.content.toString();
  assert.match(dockerfile, /^ARG KERNEL_VERSION=6\.12\.\d+$/m);
  assert.match(dockerfile, /^ARG KERNEL_CONFIG_IMAGE=linuxkit\/kernel:\$\{KERNEL_VERSION\}$/m);
  assert.match(dockerfile, /^ARG BUILD_IMAGE=debian:bookworm-slim$/m);
  assert.match(dockerfile, /^COPY wireguard\.config \/build\/wireguard\.config$/m);
  assert.match(dockerfile, /merge_config\.sh -m \.config \/build\/wireguard\.config/);
  assert.match(dockerfile, /make olddefconfig/);
  // Every =y of the fragment is checked after olddefconfig, so a dropped option fails the build.
  assert.match(dockerfile, /grep -E '\^CONFIG_\[A-Z0-9_\]\+=y\$' \/build\/wireguard\.config/);
  assert.match(dockerfile, /cp arch\/x86\/boot\/bzImage \/out\/kernel/);
  assert.match(dockerfile, /tar -C \/tmp\/modules -cf \/out\/kernel\.tar lib/);
});

test('staging writes exactly the context: same paths, modes and bytes, same hash', () => {
  const dir = join(tmp('wgc-stage-'), 'ctx');
  for (const kind of ['kernel', 'init'] as const) {
    const ctx = readContext(kind);
    const old = process.umask(0o077);
    try {
      stageContext(dir, ctx.files);
    } finally {
      process.umask(old);
    }
    const staged = readStaged(dir);
    assert.equal(staged.map((f) => [f.path, f.mode]), ctx.files.map((f) => [f.path, f.mode]), kind);
    for (const [i, f] of staged.entries()) assert.ok(f.content.equals(ctx.files[i]!.content), f.path);
    assert.is(contextHash(staged, NO_ARGS), contextHash(ctx.files, NO_ARGS));
  }
});

function plannedFor(kind: BuilderKind, args = NO_ARGS) {
  return planBuild({ builder: { kind, command: kind }, dir: '/s/init-abc', repository: 'localhost/wg-compose/tools', tag: 'abc', buildArgs: args, arch: 'amd64' });
}

test('plans: the exact argv for each builder', () => {
  const args = new Map([['BASE', 'localhost/base'], ['A', 'x y']]);
  assert.equal(plannedFor('podman', args).build, [
    'podman', 'build', '--layers', '--tag', 'localhost/wg-compose/tools:abc', '--tag', 'localhost/wg-compose/tools:latest',
    '--build-arg', 'A=x y', '--build-arg', 'BASE=localhost/base', '--file', '/s/init-abc/Dockerfile', '/s/init-abc',
  ]);
  assert.equal(plannedFor('podman').exists, ['podman', 'image', 'exists', 'localhost/wg-compose/tools:abc']);
  assert.equal(plannedFor('buildah').build, [
    'buildah', 'bud', '--layers', '--tag', 'localhost/wg-compose/tools:abc', '--tag', 'localhost/wg-compose/tools:latest', '--file', '/s/init-abc/Dockerfile', '/s/init-abc',
  ]);
  assert.equal(plannedFor('buildah').exists, ['buildah', 'inspect', '--type', 'image', '--format', '{{.FromImageID}}', 'localhost/wg-compose/tools:abc']);
  assert.equal(plannedFor('docker').build, [
    'docker', 'build', '--tag', 'localhost/wg-compose/tools:abc', '--tag', 'localhost/wg-compose/tools:latest', '--file', '/s/init-abc/Dockerfile', '/s/init-abc',
  ]);
  assert.equal(plannedFor('docker').retag, ['docker', 'tag', 'localhost/wg-compose/tools:abc', 'localhost/wg-compose/tools:latest']);
  const lk = plannedFor('linuxkit', args);
  assert.equal(lk.build, [
    'linuxkit', 'pkg', 'build', '--org', 'localhost/wg-compose', '--hash', 'abc', '--platforms', 'linux/amd64', '--build-arg-file', '/s/init-abc.build-args', '/s/init-abc',
  ]);
  assert.is(lk.argFile?.content, 'A=x y\nBASE=localhost/base\n');
  assert.is(lk.retag, undefined);
  assert.is(shellQuote(['a', 'x y', "it's", '--k=v']), `a 'x y' 'it'\\''s' --k=v`);
  assert.equal(parseBuilder('/opt/bin/podman'), { kind: 'podman', command: '/opt/bin/podman' });
  assert.is(parseBuilder('nerdctl'), undefined);
});

test('build kernel --dry-run: prints the exact commands and stages what the builder will get', async () => {
  const work = tmp('wgc-dry-');
  const env = { PATH: process.env['PATH'] ?? '', TMPDIR: work };
  const r = await runCli(['build', 'kernel', '--dry-run', '--builder', 'podman'], { cwd: work, env });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  const ctx = readContext('kernel');
  const tag = shortHash(contextHash(ctx.files, NO_ARGS));
  const dir = join(work, 'wg-compose-build', `kernel-${tag}`);
  const hashTag = `localhost/wg-compose/kernel:${tag}`;
  assert.is(
    r.stdout,
    `# kernel: kernel/kernel staged in ${dir} (3 files), context hash ${tag}\n` +
      `# not rebuilt when this finds ${hashTag}: podman image exists ${hashTag}\n` +
      `podman build --layers --tag ${hashTag} --tag localhost/wg-compose/kernel:latest --file ${dir}/Dockerfile ${dir}\n`,
  );
  // What the builder will get is the kernel/ context, byte for byte, and its hash is the tag.
  const staged = readStaged(dir);
  assert.equal(staged.map((f) => f.path), ['Dockerfile', 'build.yml', 'wireguard.config']);
  assert.match(readFileSync(join(dir, 'wireguard.config'), 'utf8'), /^CONFIG_WIREGUARD=y$/m);
  assert.is(readFileSync(join(dir, 'Dockerfile'), 'utf8'), readFileSync(join(PACKAGE_ROOT, 'kernel/kernel/Dockerfile'), 'utf8'));
  assert.is(shortHash(contextHash(staged, NO_ARGS)), tag);
});

test('build --dry-run all, with build arguments: both images, the arguments in the hash and the command', async () => {
  const work = tmp('wgc-dry-');
  const env = { PATH: process.env['PATH'] ?? '', TMPDIR: work };
  const r = await runCli(['build', '--dry-run', '--builder', 'buildah', '--build-arg', 'BASE=localhost/b'], { cwd: work, env });
  assert.is(r.code, 0, r.stderr);
  const commands = r.stdout.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.is(commands.length, 2);
  const tag = shortHash(contextHash(readContext('init').files, new Map([['BASE', 'localhost/b']])));
  assert.match(commands[1]!, new RegExp(`^buildah bud --layers --tag localhost/wg-compose/tools:${tag} .* --build-arg BASE=localhost/b `));
  assert.match(commands[0]!, /^buildah bud --layers --tag localhost\/wg-compose\/kernel:/);
});

test('no builder: a clear error naming what was tried, exit 3', async () => {
  const empty = tmp('wgc-nopath-');
  const auto = await runCli(['build', 'init'], { cwd: empty, env: { PATH: empty, TMPDIR: empty } });
  assert.is(auto.code, 3);
  assert.is(auto.stdout, '');
  assert.match(auto.stderr, /^wg-compose: error WGC080: no image builder found: tried docker \(not on PATH\), podman \(not on PATH\), buildah \(not on PATH\)\n  hint: /);
  const named = await runCli(['build', 'init', '--builder', 'podman'], { cwd: empty, env: { PATH: empty, TMPDIR: empty } });
  assert.is(named.code, 3);
  assert.match(named.stderr, /WGC080: no image builder found: tried podman \(not on PATH\)/);
  const path = await runCli(['build', 'init', '--builder', join(empty, 'podman')], { cwd: empty, env: { PATH: empty, TMPDIR: empty } });
  assert.is(path.code, 3);
  assert.match(path.stderr, /tried \/.*\/podman \(not an executable file\)/);
  const fromEnv = await runCli(['build', 'init'], { cwd: empty, env: { PATH: empty, TMPDIR: empty, WG_COMPOSE_BUILDER: 'buildah' } });
  assert.match(fromEnv.stderr, /tried buildah \(not on PATH\)/);
  const unknown = await runCli(['build', 'init', '--builder', 'nerdctl'], { cwd: empty, env: { PATH: empty, TMPDIR: empty } });
  assert.is(unknown.code, 2);
  const target = await runCli(['build', 'initrd', '--dry-run'], { cwd: empty, env: { PATH: empty, TMPDIR: empty } });
  assert.is(target.code, 2);
  const arg = await runCli(['build', 'init', '--build-arg', 'NOVALUE'], { cwd: empty, env: { PATH: empty, TMPDIR: empty } });
  assert.is(arg.code, 2);
});

/** A fixture `podman`: logs its argv, answers `image exists` from a marker file, builds by creating it. */
function fixtureBuilder(buildExit: number): { bin: string; log: string; env: Record<string, string> } {
  const bin = tmp('wgc-fakebin-');
  const log = join(bin, 'calls.log');
  writeFileSync(
    join(bin, 'podman'),
    `#!/bin/sh
echo "$*" >> "${log}"
case "$1 $2" in
  "image exists") [ -f "${bin}/built" ] ;;
  "tag "*) exit 0 ;;
  "build "*)
    echo "STEP 1/2: FROM base"
    echo "progress on stderr" >&2
    if [ ${buildExit} -ne 0 ]; then echo "Error: boom from the builder" >&2; exit ${buildExit}; fi
    touch "${bin}/built" ;;
esac
`,
  );
  chmodSync(join(bin, 'podman'), 0o755);
  const stage = join(bin, 'tmp');
  mkdirSync(stage);
  return { bin, log, env: { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: stage } };
}

test('build with a fixture builder: streams its output to stderr, then the second run is a no-op', async () => {
  const f = fixtureBuilder(0);
  const first = await runCli(['build', 'init'], { cwd: f.bin, env: f.env });
  assert.is(first.code, 0, first.stderr);
  const tag = shortHash(contextHash(readContext('init').files, NO_ARGS));
  assert.is(first.stdout, `localhost/wg-compose/tools:${tag}\n`);
  assert.match(first.stderr, /STEP 1\/2: FROM base\n/);
  assert.match(first.stderr, /progress on stderr\n/);
  assert.match(first.stderr, new RegExp(`built localhost/wg-compose/tools:${tag} in `));
  const calls1 = readFileSync(f.log, 'utf8').trim().split('\n');
  assert.is(calls1.length, 2);
  assert.match(calls1[1]!, /^build --layers /);

  const second = await runCli(['build', 'init'], { cwd: f.bin, env: f.env });
  assert.is(second.code, 0);
  assert.is(second.stdout, first.stdout);
  assert.match(second.stderr, /is up to date, not rebuilt/);
  const calls2 = readFileSync(f.log, 'utf8').trim().split('\n').slice(calls1.length);
  assert.equal(calls2.map((c) => c.split(' ').slice(0, 2).join(' ')), ['image exists', 'tag localhost/wg-compose/tools:' + tag]);
});

test('a failing builder: its own message, exit 3', async () => {
  const f = fixtureBuilder(125);
  const r = await runCli(['build', 'init', '--builder', join(f.bin, 'podman')], { cwd: f.bin, env: f.env });
  assert.is(r.code, 3);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /Error: boom from the builder\n/);
  assert.match(r.stderr, /error WGC081: podman failed building localhost\/wg-compose\/tools:[0-9a-f]{12} \(exit 125\): Error: boom from the builder\n/);
});

test.run();
