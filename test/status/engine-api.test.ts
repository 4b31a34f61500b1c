// The Engine API path `status` lists containers with (src/engine/api.ts): which socket it trusts,
// and the list as docker 20.10 answers it. A small HTTP server on a unix socket stands in for
// the engine here; the engine tier asks real dockerd and podman through it.
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { apiSocket, listByLabel, parseList } from '../../src/engine/api.js';

const noConfig = () => undefined;

test('the socket is the one the CLI would use, or none when that is not certain', () => {
  assert.is(apiSocket({ kind: 'docker', env: { DOCKER_HOST: 'unix:///run/d.sock' } }, noConfig), '/run/d.sock');
  assert.is(apiSocket({ kind: 'docker', env: { DOCKER_HOST: 'tcp://10.0.0.1:2376' } }, noConfig), undefined, 'not a unix socket: the CLI');
  assert.is(apiSocket({ kind: 'docker', env: {} }, noConfig), '/var/run/docker.sock');
  assert.is(apiSocket({ kind: 'docker', env: { DOCKER_CONTEXT: 'remote' } }, noConfig), undefined, 'a context chosen: the CLI knows where it points');
  assert.is(apiSocket({ kind: 'docker', env: {} }, () => '{"currentContext": "remote"}'), undefined);
  assert.is(apiSocket({ kind: 'docker', env: {} }, () => '{"auths": {}}'), '/var/run/docker.sock');
  assert.is(apiSocket({ kind: 'docker', env: {} }, () => 'not json'), undefined);
  assert.is(apiSocket({ kind: 'podman', env: {} }, noConfig), undefined, 'podman without a service runs containers itself');
  assert.is(apiSocket({ kind: 'podman', env: { CONTAINER_HOST: 'unix:///run/p.sock' } }, noConfig), '/run/p.sock');
  assert.is(apiSocket({ kind: 'podman', env: { DOCKER_HOST: 'unix:///run/podman/podman.sock' } }, noConfig), '/run/podman/podman.sock');
});

const LIST = JSON.stringify([
  { Id: 'a'.repeat(64), Names: ['/demo_web-wg_1'], Labels: { 'dev.wg-compose.role': 'sidecar', n: 1 }, State: 'running' },
  { Id: 'b'.repeat(64), Names: [], Labels: null, State: 'exited' },
  { Names: ['/no-id'] },
  null,
]);

test('the list: id, first name without its slash, string labels, state; anything else is skipped', () => {
  const l = parseList(LIST)!;
  assert.equal(l, [
    { id: 'a'.repeat(64), name: 'demo_web-wg_1', labels: { 'dev.wg-compose.role': 'sidecar' }, status: 'running' },
    { id: 'b'.repeat(64), name: 'b'.repeat(12), labels: {}, status: 'exited' },
  ]);
  assert.is(parseList('{"message": "no"}'), undefined);
  assert.is(parseList('<html>'), undefined);
});

test('one GET with the label filter; an error answer or no socket is undefined (the caller asks the CLI)', async () => {
  const sock = join(mkdtempSync(join(tmpdir(), 'wgc-api-')), 'engine.sock');
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    if (req.url?.includes('broken')) {
      res.writeHead(500).end('{"message": "boom"}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(LIST);
  });
  await new Promise<void>((r) => server.listen(sock, r));
  try {
    const l = await listByLabel(sock, 'com.docker.compose.project', 'demo');
    assert.is(l?.length, 2);
    const url = new URL(seen[0]!, 'http://x');
    assert.is(url.pathname, '/containers/json');
    assert.is(url.searchParams.get('all'), '1');
    assert.equal(JSON.parse(url.searchParams.get('filters')!), { label: ['com.docker.compose.project=demo'] });
    assert.is(await listByLabel(sock, 'x', 'broken'), undefined);
  } finally {
    server.close();
  }
  assert.is(await listByLabel(join(tmpdir(), 'no-such-engine.sock'), 'x', 'y'), undefined);
});

test.run();
