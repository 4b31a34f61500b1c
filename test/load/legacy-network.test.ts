import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toSpec } from '../../src/load/legacy.js';
import { v1Networking } from '../../src/load/legacy-network.js';
import { keyLoc } from '../../src/load/located.js';
import { at, get, plain, yaml } from './support.js';

const F = '/p/docker-compose.yml';

const v1 = (text: string) => {
  const doc = toSpec(yaml(F, text)).doc;
  v1Networking(doc);
  return doc;
};

test('v1 net: container:NAME is service:NAME when NAME is a service, as docker-compose 1.29 reads it', () => {
  const doc = v1('web:\n  image: a\n  net: "container:db"\ndb:\n  image: b\nother:\n  image: c\n  net: "container:foo_1"\n');
  assert.is(get(doc, 'services', 'web', 'network_mode'), 'service:db');
  // Not a service: a real container's name, kept.
  assert.is(get(doc, 'services', 'other', 'network_mode'), 'container:foo_1');
  assert.equal(keyLoc(get(doc, 'services', 'web'), 'network_mode'), at(F, 3, 3));
});

test('v1: unlinked services stay on the default bridge; each linked pair shares a network of its own', () => {
  const doc = v1(`web:
  image: a
  links: [db, "cache:memcached"]
worker:
  image: w
  links: [db]
db:
  image: pg
cache:
  image: m
lonely:
  image: l
  external_links: [other_db]
hosted:
  image: h
  net: host
`);
  assert.equal(plain(doc['networks']), { 'v1-link-cache-web': {}, 'v1-link-db-web': {}, 'v1-link-db-worker': {} });
  const svc = (n: string) => plain(get(doc, 'services', n)) as Record<string, unknown>;
  assert.equal(svc('web')['networks'], ['v1-link-cache-web', 'v1-link-db-web']);
  assert.equal(svc('worker')['networks'], ['v1-link-db-worker']);
  assert.equal(svc('db')['networks'], ['v1-link-db-web', 'v1-link-db-worker']);
  assert.equal(svc('cache')['networks'], ['v1-link-cache-web']);
  // worker and cache were never linked: they share no network.
  assert.equal(svc('lonely')['network_mode'], 'bridge');
  assert.is(svc('lonely')['networks'], undefined);
  assert.equal(svc('hosted')['network_mode'], 'host');
  // The networks point at the links that made them.
  assert.equal(keyLoc(get(doc, 'services', 'web'), 'networks'), at(F, 3, 3));
});

test('v1: a project without links adds no network', () => {
  const doc = v1('web:\n  image: a\n');
  assert.is(doc['networks'], undefined);
  assert.is(get(doc, 'services', 'web', 'network_mode'), 'bridge');
});

test('v1: a link to a missing service or to itself makes no network (the link checks report it)', () => {
  const doc = v1('web:\n  image: a\n  links: [nope, web]\n');
  assert.is(doc['networks'], undefined);
  assert.is(get(doc, 'services', 'web', 'network_mode'), 'bridge');
});

test.run();
