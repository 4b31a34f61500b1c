// The canonical step: each short form becomes the long form, with the user's positions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withHosts } from '../../src/model/canonical/extra-hosts.js';
import { partitionKeys } from '../../src/model/canonical/key-values.js';
import { canonicalService } from '../../src/model/canonical/service.js';
import { at, get, plain, yaml } from '../load/support.js';
import type { JsonObject } from '../../src/load/located.js';

const F = '/p/compose.yaml';
const svc = (body: string): JsonObject => get(yaml(F, `services:\n  web:\n${body}`), 'services', 'web') as JsonObject;

test('depends_on: a list is {condition: service_started} each; a mapping keeps its settings', () => {
  const short = canonicalService(svc('    depends_on: [db, cache]\n')).dependsOn;
  assert.equal(short.map((d) => [d.service, d.condition, plain(d.config)]), [['db', 'service_started', { condition: 'service_started' }], ['cache', 'service_started', { condition: 'service_started' }]]);
  assert.equal(short[1]!.pos, at(F, 3, 22));
  const long = canonicalService(svc('    depends_on:\n      db: {condition: service_healthy, restart: true}\n')).dependsOn;
  assert.equal(long.map((d) => [d.service, d.condition, plain(d.config)]), [['db', 'service_healthy', { condition: 'service_healthy', restart: true }]]);
  assert.equal(long[0]!.pos, at(F, 4, 7));
});

test('networks: none is default; a list is names; a mapping keeps settings and aliases', () => {
  assert.equal(canonicalService(svc('    image: x\n')).networks.map((n) => n.name), ['default']);
  const list = canonicalService(svc('    networks: [front, back]\n')).networks;
  assert.equal(list.map((n) => [n.name, n.config, n.aliases]), [['front', undefined, []], ['back', undefined, []]]);
  const map = canonicalService(svc('    networks:\n      front: {aliases: [www]}\n      back:\n')).networks;
  assert.equal(map.map((n) => [n.name, n.aliases]), [['front', ['www']], ['back', []]]);
  assert.equal(map[1]!.pos, at(F, 5, 7));
});

test('extra_hosts: list (":" or "=", IPv6 kept whole) and mapping are one entry per address', () => {
  const list = canonicalService(svc('    extra_hosts: ["a:10.0.0.1", "b=::1", "c"]\n')).extraHosts;
  assert.is(list.form, 'list');
  assert.equal(list.entries.map((e) => [e.host, e.address]), [['a', '10.0.0.1'], ['b', '::1'], ['c', '']]);
  const map = canonicalService(svc('    extra_hosts:\n      a: 10.0.0.1\n      b: [10.0.0.2, "::2"]\n')).extraHosts;
  assert.is(map.form, 'map');
  assert.equal(map.entries.map((e) => [e.host, e.address]), [['a', '10.0.0.1'], ['b', '10.0.0.2'], ['b', '::2']]);
  assert.equal(map.entries[0]!.pos, at(F, 4, 10));
});

test('withHosts writes the user form back, ours replacing entries of the same name', () => {
  const hosts = [{ name: 'db', address: '10.150.0.2' }];
  const list = canonicalService(svc('    extra_hosts: ["db:1.1.1.1", "x=2.2.2.2"]\n')).extraHosts;
  assert.equal(withHosts(list, hosts), ['x=2.2.2.2', 'db:10.150.0.2']);
  const map = canonicalService(svc('    extra_hosts: {db: 1.1.1.1, x: [2.2.2.2]}\n')).extraHosts;
  assert.equal(plain(withHosts(map, [...hosts, { name: 'db', address: 'fd00::2' }])), { x: ['2.2.2.2'], db: ['10.150.0.2', 'fd00::2'] });
  assert.is(withHosts(canonicalService(svc('    image: x\n')).extraHosts, []), undefined);
});

test('key=value attributes: pairs in either form, split back in the user form', () => {
  const list = canonicalService(svc('    sysctls: [net.a=1, kernel.b=2, flag]\n')).sysctls;
  assert.equal(list.entries.map((e) => [e.key, e.value]), [['net.a', '1'], ['kernel.b', '2'], ['flag', undefined]]);
  assert.equal(partitionKeys(list, (k) => k.startsWith('net.')), { yes: ['net.a=1'], no: ['kernel.b=2', 'flag'] });
  const map = canonicalService(svc('    environment: {A: 1, B: null}\n')).environment;
  assert.equal(map.entries.map((e) => [e.key, e.value]), [['A', '1'], ['B', undefined]]);
  assert.equal(plain(partitionKeys(map, (k) => k === 'A')), { yes: { A: 1 }, no: { B: null } });
});

test('volumes, command, tmpfs: long forms', () => {
  const c = canonicalService(svc('    volumes: [data:/d:ro, ./src:/s, /anon, {type: tmpfs, target: /t}]\n    command: sh -c "echo hi"\n    tmpfs: /run\n'));
  assert.equal(c.volumes.map((m) => [m.type, m.source, m.target, m.readOnly]), [['volume', 'data', '/d', true], ['bind', './src', '/s', false], ['volume', undefined, '/anon', false], ['tmpfs', undefined, '/t', false]]);
  assert.equal(c.command, ['sh', '-c', 'echo hi']);
  assert.equal(c.tmpfs, ['/run']);
  assert.is(c.entrypoint, undefined);
});

test.run();
