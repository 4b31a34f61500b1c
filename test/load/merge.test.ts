import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { itemLoc, keyLoc, selfLoc, valueLoc, type Json, type JsonObject } from '../../src/load/located.js';
import { mergeValues } from '../../src/load/merge.js';
import { at, get, mergeWeb, plain, yaml } from './support.js';

// Rules: https://github.com/compose-spec/compose-spec/blob/main/13-merge.md
const A = '/p/compose.yaml';
const B = '/p/compose.override.yaml';

test('mappings merge key by key; scalars are overridden', () => {
  const { web } = mergeWeb('image: a\nrestart: always\n', 'image: b\ntty: true\n');
  assert.equal(plain(web), { image: 'b', restart: 'always', tty: true });
});

test('services and top-level sections present in only one file are kept', () => {
  const merged = mergeValues(
    yaml(A, 'name: one\nservices:\n  web: {image: a}\nnetworks:\n  front: {}\n'),
    yaml(B, 'name: two\nservices:\n  db: {image: pg}\nvolumes:\n  data: {}\n'),
  );
  assert.equal(plain(merged), {
    name: 'two',
    services: { web: { image: 'a' }, db: { image: 'pg' } },
    networks: { front: {} },
    volumes: { data: {} },
  });
});

test('command, entrypoint and healthcheck.test are replaced, not appended', () => {
  const { web } = mergeWeb(
    'command: [echo, foo]\nentrypoint: [sh, -c]\nhealthcheck: {test: [CMD, a], interval: 5s}\n',
    'command: [echo, bar]\nentrypoint: [bash]\nhealthcheck: {test: [CMD, b]}\n',
  );
  assert.equal(plain(web), { command: ['echo', 'bar'], entrypoint: ['bash'], healthcheck: { test: ['CMD', 'b'], interval: '5s' } });
});

test('a string command replaces a list command', () => {
  const { web } = mergeWeb('command: [a, b]\n', 'command: run it\n');
  assert.equal(get(web, 'command'), 'run it');
});

test('environment: list and mapping forms merge into a mapping, the override wins per key', () => {
  const { web } = mergeWeb('environment:\n  - A=1\n  - B=2\n  - C\n', 'environment:\n  B: "3"\n  D: x=y\n');
  assert.equal(plain(web), { environment: { A: '1', B: '3', C: null, D: 'x=y' } });
  const r2 = mergeWeb('environment: {A: "1", B: "2"}\n', 'environment: [B=, E=e=f]\n');
  assert.equal(plain(r2.web), { environment: { A: '1', B: '', E: 'e=f' } });
});

test('labels, sysctls and build.args merge like environment', () => {
  const { web } = mergeWeb(
    'labels: [a=1, b=2]\nsysctls: {net.core.somaxconn: 1024}\nbuild: {context: ., args: [X=1]}\n',
    'labels: {b: "3"}\nsysctls: [net.ipv4.ip_forward=1]\nbuild: {args: {Y: "2"}}\n',
  );
  assert.equal(plain(web), {
    labels: { a: '1', b: '3' },
    sysctls: { 'net.core.somaxconn': 1024, 'net.ipv4.ip_forward': '1' },
    build: { context: '.', args: { X: '1', Y: '2' } },
  });
});

test('extra_hosts: host:ip and host=ip lists merge by host; IPv6 addresses survive', () => {
  const { web } = mergeWeb('extra_hosts: ["db:10.0.0.1", "v6:::1"]\n', 'extra_hosts: ["db=10.0.0.2", "cache:10.0.0.3"]\n');
  assert.equal(plain(web), { extra_hosts: { db: '10.0.0.2', v6: '::1', cache: '10.0.0.3' } });
});

test('ports, links, dns and cap_add: union in order, duplicates dropped', () => {
  const { web } = mergeWeb(
    'ports: ["80:80", "443:443"]\nlinks: [db, "cache:c"]\ndns: [1.1.1.1]\ncap_add: [NET_ADMIN]\n',
    'ports: ["443:443", "8080:80"]\nlinks: [db, queue]\ndns: [8.8.8.8, 1.1.1.1]\ncap_add: [NET_ADMIN, SYS_MODULE]\n',
  );
  assert.equal(plain(web), {
    ports: ['80:80', '443:443', '8080:80'],
    links: ['db', 'cache:c', 'queue'],
    dns: ['1.1.1.1', '8.8.8.8'],
    cap_add: ['NET_ADMIN', 'SYS_MODULE'],
  });
});

test('long-syntax ports are unique by their whole definition', () => {
  const { web } = mergeWeb(
    'ports:\n  - {target: 80, published: "8080"}\n',
    'ports:\n  - {target: 80, published: "8080"}\n  - {target: 80, published: "9090"}\n',
  );
  assert.equal(plain(get(web, 'ports')), [
    { target: 80, published: '8080' },
    { target: 80, published: '9090' },
  ]);
});

test('volumes: an override entry replaces the base entry with the same target', () => {
  // The spec's own example: foo:/work + bar:/work → bar:/work.
  const { web } = mergeWeb(
    'volumes:\n  - foo:/work\n  - ./conf:/etc/app:ro\n  - /anon\n',
    'volumes:\n  - bar:/work\n  - {type: bind, source: ./other, target: /etc/app}\n  - /cache\n',
  );
  assert.equal(plain(get(web, 'volumes')), [
    '/anon',
    'bar:/work',
    { type: 'bind', source: './other', target: '/etc/app' },
    '/cache',
  ]);
});

test('secrets and configs are unique by target (short syntax: the name)', () => {
  const { web } = mergeWeb(
    'secrets: [a, {source: b, target: /run/b}]\nconfigs: [c]\n',
    'secrets: [{source: a2, target: a}, {source: b2, target: /run/b}]\nconfigs: [c, d]\n',
  );
  assert.equal(plain(web), {
    secrets: [
      { source: 'a2', target: 'a' },
      { source: 'b2', target: '/run/b' },
    ],
    configs: ['c', 'd'],
  });
});

test('devices are unique by container path', () => {
  const { web } = mergeWeb('devices: ["/dev/a:/dev/x", "/dev/b"]\n', 'devices: ["/dev/c:/dev/x"]\n');
  assert.equal(plain(get(web, 'devices')), ['/dev/b', '/dev/c:/dev/x']);
});

test('depends_on: a list and a mapping merge into the long form, list entries with compose’s defaults', () => {
  // compose-go's mergeDependsOn: a listed name is {condition: service_started} (required: true, the default, left out)
  // on either side, so a list entry in the override resets a base condition to that default.
  const started = { condition: 'service_started' };
  const { web } = mergeWeb(
    'depends_on: [db, cache]\n',
    'depends_on:\n  cache: {condition: service_healthy}\n  queue: {condition: service_started}\n',
  );
  assert.equal(plain(get(web, 'depends_on')), {
    db: started,
    cache: { condition: 'service_healthy' },
    queue: { condition: 'service_started' },
  });
  const r2 = mergeWeb('depends_on:\n  db: {condition: service_healthy}\n', 'depends_on: [db, queue]\n');
  assert.equal(plain(get(r2.web, 'depends_on')), { db: started, queue: started });
});

test('service networks: a list and a mapping merge into a mapping', () => {
  const { web } = mergeWeb('networks: [front, back]\n', 'networks:\n  back: {aliases: [api]}\n  wg: {}\n');
  assert.equal(plain(get(web, 'networks')), { front: null, back: { aliases: ['api'] }, wg: {} });
});

test('a single file keeps its own list form (no merge, no reshaping)', () => {
  const doc = yaml(A, 'services:\n  web: {depends_on: [db], environment: [A=1]}\n');
  const merged = mergeValues(doc, yaml(B, 'services:\n  db: {image: pg}\n'));
  assert.equal(plain(get(merged, 'services', 'web')), { depends_on: ['db'], environment: ['A=1'] });
});

test('an empty service in an override keeps the base definition', () => {
  const { web } = mergeWeb('image: a\n', '');
  assert.equal(plain(web), { image: 'a' });
});

test('an override null for a scalar replaces it', () => {
  const { web } = mergeWeb('image: a\nuser: root\n', 'user: null\n');
  assert.equal(plain(web), { image: 'a', user: null });
});

test('a scalar in the base replaced by a mapping in the override, and the reverse', () => {
  const { web } = mergeWeb('build: ./app\nlogging: {driver: syslog}\n', 'build: {context: ./b}\nlogging: none\n');
  assert.equal(plain(web), { build: { context: './b' }, logging: 'none' });
});

test('neither input is modified', () => {
  const base = yaml(A, 'services:\n  web: {ports: ["80:80"], environment: {A: "1"}, image: a}\n');
  const over = yaml(B, 'services:\n  web: {ports: ["81:81"], environment: [B=2], image: b}\n');
  const before = [JSON.stringify(base), JSON.stringify(over)];
  mergeValues(base, over);
  assert.equal([JSON.stringify(base), JSON.stringify(over)], before);
});

test('services named __proto__ or constructor merge like any other', () => {
  const merged = mergeValues(
    yaml(A, 'services:\n  __proto__: {image: a}\n  constructor: {image: c, ports: ["1:1"]}\n'),
    yaml(B, 'services:\n  __proto__: {user: u}\n  constructor: {ports: ["2:2"]}\n'),
  );
  const services = get(merged, 'services') as JsonObject;
  assert.equal(Object.keys(services), ['__proto__', 'constructor']);
  assert.equal(plain(services['__proto__']), { image: 'a', user: 'u' });
  assert.equal(plain(services['constructor']), { image: 'c', ports: ['1:1', '2:2'] });
  assert.is(Object.getPrototypeOf(services), null);
});

test('three files merge left to right', () => {
  const C = '/p/compose.prod.yaml';
  const m1 = mergeValues(yaml(A, 'services: {web: {image: a, ports: ["80:80"]}}\n'), yaml(B, 'services: {web: {image: b}}\n'));
  const m2 = mergeValues(m1, yaml(C, 'services: {web: {ports: ["443:443"]}}\n'));
  assert.equal(plain(get(m2, 'services', 'web')), { image: 'b', ports: ['80:80', '443:443'] });
});

// --- positions -----------------------------------------------------------------------------------

test('each merged key and value keeps the file, line and column it came from', () => {
  const { web } = mergeWeb('image: a\nrestart: always\n', 'image: b\ntty: true\n');
  assert.equal(keyLoc(web, 'restart'), at(A, 4, 5));
  assert.equal(valueLoc(web, 'restart'), at(A, 4, 14));
  assert.equal(keyLoc(web, 'image'), at(B, 3, 5));
  assert.equal(valueLoc(web, 'image'), at(B, 3, 12));
  assert.equal(keyLoc(web, 'tty'), at(B, 4, 5));
  // The merged mapping itself is where the base defined it.
  assert.equal(selfLoc(web), at(A, 3, 5));
});

test('items of a union keep their own file positions', () => {
  const { web } = mergeWeb('links:\n  - db\n  - cache\n', 'links:\n  - cache\n  - queue\n');
  const links = get(web, 'links') as Json[];
  assert.equal(plain(links), ['db', 'cache', 'queue']);
  assert.equal(itemLoc(links, 0), at(A, 4, 9));
  assert.equal(itemLoc(links, 1), at(A, 5, 9)); // the duplicate keeps the first occurrence
  assert.equal(itemLoc(links, 2), at(B, 5, 9));
});

test('volumes merged by target keep the positions of the surviving entries', () => {
  const { web } = mergeWeb('volumes:\n  - a:/x\n  - b:/y\n', 'volumes:\n  - c:/x\n');
  const vols = get(web, 'volumes');
  assert.equal(plain(vols), ['b:/y', 'c:/x']);
  assert.equal(itemLoc(vols, 0), at(A, 5, 9));
  assert.equal(itemLoc(vols, 1), at(B, 4, 9));
});

test('list entries turned into mapping keys point at the list item', () => {
  const { web } = mergeWeb('environment:\n  - A=1\n', 'environment:\n  B: "2"\n');
  const env = get(web, 'environment');
  assert.equal(keyLoc(env, 'A'), at(A, 4, 9));
  assert.equal(valueLoc(env, 'A'), at(A, 4, 9));
  assert.equal(keyLoc(env, 'B'), at(B, 4, 7));
  assert.equal(valueLoc(env, 'B'), at(B, 4, 10));

  const dep = mergeWeb('depends_on: [db]\n', 'depends_on: [queue]\n');
  const d = get(dep.web, 'depends_on');
  assert.equal(keyLoc(d, 'db'), at(A, 3, 18));
  assert.equal(keyLoc(d, 'queue'), at(B, 3, 18));
});

test.run();
