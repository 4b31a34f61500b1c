// Issue #13, "State you did not write must not be trusted": the committed lockfile is input
// anyone with push access can edit. Every field is checked for type and range before use; a
// value render would never write is refused (WGC061) naming the field, never its content, so
// no raw line reaches a [Peer] and no control character reaches the terminal.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseLockfile } from '../../src/state/lockfile.js';
import { project, runCli } from '../helpers/cli.js';

const COMPOSE = 'name: p\nservices:\n  api:\n    image: api\n    links: [db]\n  db:\n    image: db\n';

async function rendered(): Promise<{ dir: string; lock: Record<string, any> }> {
  const dir = project({ 'compose.yaml': COMPOSE });
  assert.is((await runCli(['render'], { cwd: dir })).code, 0);
  return { dir, lock: JSON.parse(readFileSync(join(dir, 'wg-compose.lock'), 'utf8')) };
}

test('a publicKey with a newline and a crafted tail is refused before it reaches a config or the MAC', async () => {
  const { dir, lock } = await rendered();
  const before = readFileSync(join(dir, '.wg-compose/p/api.conf'), 'utf8');
  lock['services'].db.publicKey = `${lock['services'].db.publicKey}\nEndpoint = 203.0.113.9:1`;
  writeFileSync(join(dir, 'wg-compose.lock'), JSON.stringify(lock, null, 2));
  const r = await runCli(['render'], { cwd: dir });
  assert.is(r.code, 1);
  assert.match(r.stderr, 'error WGC061: lockfile entry for service "db": field "publicKey" is not a WireGuard public key');
  assert.not.match(r.stderr, '203.0.113.9');
  assert.is(readFileSync(join(dir, '.wg-compose/p/api.conf'), 'utf8'), before, 'no config rewritten');
});

test('listenPort, addresses, epochs and the seal fields: type and range', () => {
  const good = JSON.parse(
    JSON.stringify({ lockfileVersion: 1, project: 'p', services: { a: { addresses: ['10.150.0.1'], epoch: 0, listenPort: 51820, publicKey: `${'A'.repeat(43)}=` } }, links: {} }),
  );
  assert.equal(parseLockfile(JSON.stringify(good), 'l').diagnostics, []);
  const variants: [string, (l: any) => void, string][] = [
    ['port -1', (l) => (l.services.a.listenPort = -1), 'listenPort'],
    ['port 0', (l) => (l.services.a.listenPort = 0), 'listenPort'],
    ['port 70000', (l) => (l.services.a.listenPort = 70000), 'listenPort'],
    ['port 1e21', (l) => (l.services.a.listenPort = 1e21), 'listenPort'],
    ['port 1.5', (l) => (l.services.a.listenPort = 1.5), 'listenPort'],
    ['port "51820"', (l) => (l.services.a.listenPort = '51820'), 'listenPort'],
    ['address with a prefix', (l) => (l.services.a.addresses = ['10.150.0.1/24']), 'addresses'],
    ['no address', (l) => (l.services.a.addresses = []), 'addresses'],
    ['epoch -1', (l) => (l.services.a.epoch = -1), 'epoch'],
    ['epoch 2^60', (l) => (l.services.a.epoch = 2 ** 60), 'epoch'],
    ['imported "yes"', (l) => (l.services.a.imported = 'yes'), 'imported'],
    ['a service name with an ANSI escape', (l) => (l.services['\u001b[31mred'] = l.services.a), 'name'],
    ['a link that is not A:B', (l) => (l.links['b:a'] = { epoch: 0 }), 'link'],
    ['a link epoch as text', (l) => (l.links['a:b'] = { epoch: '1' }), 'epoch'],
    ['a project with a newline', (l) => (l.project = 'p\nx'), 'project'],
    ['a MAC that is not hex', (l) => (l.publicKeysMac = 'x'.repeat(32)), 'publicKeysMac'],
    ['services as a list', (l) => (l.services = []), 'services'],
  ];
  for (const [what, change, field] of variants) {
    const l = structuredClone(good);
    change(l);
    const { diagnostics, lock } = parseLockfile(JSON.stringify(l), 'l');
    assert.is(diagnostics.length, 1, what);
    assert.is(diagnostics[0]!.code, 'WGC061', what);
    assert.match(diagnostics[0]!.message, field, what);
    assert.not.match(diagnostics[0]!.message, /[\u0000-\u001f\u007f]/, `${what}: no control character in the message`);
    assert.is(lock.services.size, 0, `${what}: nothing of it is used`);
  }
});

test('a JSON error names its position, not the text at it', () => {
  const { diagnostics } = parseLockfile('{\n  "lockfileVersion": 1,\n  SECRETSECRET: 1\n}', 'l');
  assert.is(diagnostics[0]!.message, 'lockfile is not valid JSON');
  assert.is(diagnostics[0]!.pos?.line, 3);
  assert.not.match(JSON.stringify(diagnostics), 'SECRET');
});


test('two projects from one directory (-p a, -p b) keep a lockfile each: no flip, no false "edited" warning', async () => {
  const dir = project({ 'compose.yaml': COMPOSE.replace('name: p\n', '') });
  for (const p of ['a', 'b', 'a', 'b']) {
    const r = await runCli(['render', '-p', p], { cwd: dir });
    assert.is(r.code, 0, r.stderr);
    assert.not.match(r.stderr, 'WGC062', `render -p ${p}`);
  }
  // The first keeps wg-compose.lock (a single project's never moves); the second gets its own.
  assert.is(JSON.parse(readFileSync(join(dir, 'wg-compose.lock'), 'utf8')).project, 'a');
  assert.is(JSON.parse(readFileSync(join(dir, 'wg-compose.b.lock'), 'utf8')).project, 'b');
  assert.not.ok(existsSync(join(dir, 'wg-compose.a.lock')));
});

test('importing a second key for the same service is no "edited lockfile"', async () => {
  const dir = project({ 'compose.yaml': COMPOSE, 'k1': 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n', 'k2': 'QH8z5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n' });
  assert.is((await runCli(['render'], { cwd: dir })).code, 0);
  for (const k of ['k1', 'k2']) {
    const r = await runCli(['import', 'api', '--private-key-file', k], { cwd: dir });
    assert.is(r.code, 0, r.stderr);
    assert.not.match(r.stderr, 'WGC062', k);
  }
});

test.run();
