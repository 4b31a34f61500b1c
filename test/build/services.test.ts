// `build services`: the images of a project's build: services, named as `moby` runs them. A
// real builder is not run here (the build tier builds the init image for real); the exact
// commands are checked through --dry-run, and a stand-in docker on PATH records what a real
// run executes (named as such: it shows the order and the arguments, not that docker builds).
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { builtImageName, planServiceBuild, serviceBuilds } from '../../src/build/services.js';
import { fixedMaster, project, runCli } from '../helpers/cli.js';

const COMPOSE = `name: shop
services:
  web:
    build: ./web
    links: [api]
  api:
    build:
      context: ./api
      dockerfile: build/Dockerfile.prod
      args: {VERSION: "1.2", EMPTY: ""}
      target: runtime
      cache_from: [shop/api:cache]
    image: example/api:1.2
  db:
    image: postgres:16
  tools:
    build: {context: ./tools, args: ["A=1", "B"]}
    profiles: [debug]
`;

test('serviceBuilds: contexts and Dockerfiles resolved, args, target, image: or PROJECT-SERVICE; disabled services left out', () => {
  const builds = serviceBuilds('shop', parse(COMPOSE), new Set(['tools']), '/p');
  assert.equal(builds, [
    { service: 'api', image: 'example/api:1.2', context: '/p/api', dockerfile: '/p/api/build/Dockerfile.prod', args: new Map([['VERSION', '1.2'], ['EMPTY', '']]), target: 'runtime', ignored: ['cache_from'] },
    { service: 'web', image: 'shop-web', context: '/p/web', dockerfile: undefined, args: new Map(), target: undefined, ignored: [] },
  ]);
  const tools = serviceBuilds('shop', parse(COMPOSE), new Set(), '/p').find((b) => b.service === 'tools')!;
  assert.equal(tools.args, new Map([['A', '1']]), 'a bare NAME is left to the build environment');
  assert.is(builtImageName('My_Shop', 'Web'), 'my_shop-web');
  const git = serviceBuilds('x', parse('services:\n  a:\n    build: {context: "https://github.com/o/r.git#main", dockerfile: D}\n'), new Set(), '/p')[0]!;
  assert.is(git.context, 'https://github.com/o/r.git#main');
  assert.is(git.dockerfile, 'D');
});

test('planServiceBuild: the same flags for docker, podman and buildah; --build-arg from the command line wins; none for linuxkit', () => {
  const [api] = serviceBuilds('shop', parse(COMPOSE), new Set(), '/p');
  const extra = new Map([['VERSION', '2.0']]);
  const flags = ['--tag', 'example/api:1.2', '--file', '/p/api/build/Dockerfile.prod', '--build-arg', 'EMPTY=', '--build-arg', 'VERSION=2.0', '--target', 'runtime', '/p/api'];
  assert.equal(planServiceBuild({ kind: 'docker', command: 'docker' }, api!, extra), ['docker', 'build', ...flags]);
  assert.equal(planServiceBuild({ kind: 'podman', command: '/usr/bin/podman' }, api!, extra), ['/usr/bin/podman', 'build', '--layers', ...flags]);
  assert.equal(planServiceBuild({ kind: 'buildah', command: 'buildah' }, api!, extra), ['buildah', 'bud', '--layers', ...flags]);
  assert.is(planServiceBuild({ kind: 'linuxkit', command: 'linuxkit' }, api!, extra), undefined);
});

test('build services --dry-run: one command per build: service, under the image moby runs', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const r = await runCli(['build', 'services', '--dry-run', '--builder', 'podman'], { cwd: dir, env: { PATH: process.env['PATH'] ?? '' } });
  assert.is(r.code, 0, r.stderr);
  assert.is(
    r.stdout,
    `# api: example/api:1.2 (not passed on: build.cache_from)\n` +
      `podman build --layers --tag example/api:1.2 --file ${dir}/api/build/Dockerfile.prod --build-arg EMPTY= --build-arg VERSION=1.2 --target runtime ${dir}/api\n` +
      `# web: shop-web\n` +
      `podman build --layers --tag shop-web ${dir}/web\n`,
  );
  // The LinuxKit spec of the same project runs exactly those images.
  const moby = await runCli(['moby'], { cwd: dir, env: fixedMaster(dir) });
  assert.is(moby.code, 0, moby.stderr);
  const images = (parse(moby.stdout, { version: '1.1' }) as { services: { name: string; image: string }[] }).services;
  assert.is(images.find((s) => s.name === 'web')!.image, 'shop-web');
  assert.is(images.find((s) => s.name === 'api')!.image, 'example/api:1.2');
});

test('build services: runs the builder once per service, stops at the first failure (exit 3, its last line); linuxkit and no build: are told', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const bin = mkdtempSync(join(tmpdir(), 'wgc-fake-docker-'));
  const log = join(bin, 'calls');
  // A stand-in docker: records its arguments; fails on the api image when FAIL is set.
  writeFileSync(join(bin, 'docker'), `#!/bin/sh\necho "$*" >> ${log}\ncase "$*" in *example/api*) [ -n "$FAIL" ] && { echo "step 3/5: no such file" >&2; exit 1; } ;; esac\nexit 0\n`);
  chmodSync(join(bin, 'docker'), 0o755);
  const env = { PATH: `${bin}:/usr/bin:/bin` };
  const ok = await runCli(['build', 'services', '--builder', 'docker'], { cwd: dir, env });
  assert.is(ok.code, 0, ok.stderr);
  assert.is(ok.stdout, 'example/api:1.2\nshop-web\n');
  assert.equal(readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ').slice(0, 3).join(' ')), ['build --tag example/api:1.2', 'build --tag shop-web']);
  const bad = await runCli(['build', 'services', '--builder', 'docker'], { cwd: dir, env: { ...env, FAIL: '1' } });
  assert.is(bad.code, 3);
  assert.match(bad.stderr, /error WGC081: docker failed building example\/api:1\.2 for api \(exit 1\): step 3\/5: no such file/);
  assert.is(bad.stdout, '');
  const lk = await runCli(['build', 'services', '--dry-run', '--builder', 'linuxkit'], { cwd: dir, env });
  assert.is(lk.code, 2);
  assert.match(lk.stderr, /error WGC084: linuxkit builds packages/);
  const none = await runCli(['build', 'services', '--dry-run', '--builder', 'docker'], { cwd: project({ 'compose.yaml': 'services:\n  a: {image: x}\n' }), env });
  assert.is(none.code, 0);
  assert.match(none.stderr, /has no service with build:; nothing to build/);
});

test.run();
