// Issue #13, rollback: restoring an older lockfile after `rotate` brought the retired private
// key and PSK back into use, silently. The state directory keeps the highest epochs it
// committed (src/state/epochs.ts): an older lockfile is refused with WGC068 (and the override
// named), and a service that comes back after being unlinked continues from its recorded
// epoch, not from the epoch-0 keys.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { project, runCli } from '../helpers/cli.js';

const COMPOSE = 'name: p\nservices:\n  api:\n    image: api\n    links: [db]\n  db:\n    image: db\n';
const privateKey = (dir: string, s: string) => /^PrivateKey = (\S+)$/m.exec(readFileSync(join(dir, `.wg-compose/p/${s}.conf`), 'utf8'))![1];
const psk = (dir: string) => /^PresharedKey = (\S+)$/m.exec(readFileSync(join(dir, '.wg-compose/p/api.conf'), 'utf8'))![1];

test('a lockfile from before a rotation is refused, naming what is older; the override uses it', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  assert.is((await runCli(['render'], { cwd: dir })).code, 0);
  const old = readFileSync(join(dir, 'wg-compose.lock'), 'utf8');
  const oldKey = privateKey(dir, 'api');
  const oldPsk = psk(dir);
  assert.is((await runCli(['rotate', 'api'], { cwd: dir })).code, 0);
  assert.is((await runCli(['rotate', 'api:db'], { cwd: dir })).code, 0);
  const newKey = privateKey(dir, 'api');
  assert.is.not(newKey, oldKey);
  assert.equal(JSON.parse(readFileSync(join(dir, '.wg-compose/p/epochs.json'), 'utf8')), { services: { api: 1, db: 0 }, links: { 'api:db': 1 } });

  writeFileSync(join(dir, 'wg-compose.lock'), old); // git checkout of the old lockfile
  for (const cmd of [['render'], ['show'], ['rotate', 'db']]) {
    const r = await runCli(cmd, { cwd: dir });
    assert.is(r.code, 1, cmd.join(' '));
    assert.match(r.stderr, 'error WGC068:');
    assert.match(r.stderr, '"api" at epoch 0 (1 made here), link api:db at epoch 0 (1 made here)');
    assert.match(r.stderr, 'WG_COMPOSE_ALLOW_ROLLBACK=1');
    assert.is(privateKey(dir, 'api'), newKey, 'the retired key is not written back');
  }
  const ok = await runCli(['render'], { cwd: dir, env: { WG_COMPOSE_ALLOW_ROLLBACK: '1' } });
  assert.is(ok.code, 0, ok.stderr);
  assert.is(privateKey(dir, 'api'), oldKey, 'asked for: the old keys');
  assert.is(psk(dir), oldPsk);
});

test('a service unlinked and linked again continues from its recorded epoch, not from epoch 0', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  assert.is((await runCli(['render'], { cwd: dir })).code, 0);
  const first = privateKey(dir, 'db');
  assert.is((await runCli(['rotate', 'db'], { cwd: dir })).code, 0);
  const rotated = privateKey(dir, 'db');
  writeFileSync(join(dir, 'compose.yaml'), 'name: p\nservices:\n  api:\n    image: api\n  db:\n    image: db\n');
  assert.is((await runCli(['render'], { cwd: dir })).code, 0);
  writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
  assert.is((await runCli(['render'], { cwd: dir })).code, 0);
  assert.is(privateKey(dir, 'db'), rotated, 'back at epoch 1');
  assert.is.not(privateKey(dir, 'db'), first, 'the retired epoch-0 key stays retired');
  assert.is(JSON.parse(readFileSync(join(dir, 'wg-compose.lock'), 'utf8')).services.db.epoch, 1);
});

test('an epoch record that is not one is an error, not a reset', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  assert.is((await runCli(['render'], { cwd: dir })).code, 0);
  writeFileSync(join(dir, '.wg-compose/p/epochs.json'), '{"services": {"api": -1}}', { mode: 0o600 });
  const r = await runCli(['render'], { cwd: dir });
  assert.is(r.code, 1);
  assert.match(r.stderr, 'is not an epoch record');
});

test.run();
