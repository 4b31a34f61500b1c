import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectFormat, toSpec } from '../../src/load/legacy.js';
import { v1VolumeName } from '../../src/load/legacy-volumes.js';
import { keyLoc, selfLoc, valueLoc } from '../../src/load/located.js';
import { at, codes, get, plain, yaml } from './support.js';

const F = '/p/docker-compose.yml';

// --- detection -----------------------------------------------------------------------------------

test('detectFormat: version decides first, then the shape', () => {
  const cases: [string, string][] = [
    ['services: {web: {image: a}}\n', 'spec'],
    ['version: "3.8"\nservices: {web: {image: a}}\n', 'v3'],
    ['version: "3"\nservices: {}\n', 'v3'],
    ['version: 3.9\nservices: {}\n', 'v3'],
    ['version: "2.4"\nservices: {}\n', 'v2'],
    ['version: 2\nservices: {}\n', 'v2'],
    ['version: "1"\nweb: {image: a}\n', 'v1'],
    ['web: {image: a}\ndb: {image: pg}\n', 'v1'],
    ['x-common: {a: 1}\nweb: {image: a}\n', 'v1'],
    // An override file holding only top-level sections is not a v1 file of services so named.
    ['networks: {front: {}}\nvolumes: {data: {}}\n', 'spec'],
    ['x-wireguard: {mtu: 1400}\n', 'spec'],
    ['name: demo\n', 'spec'],
  ];
  for (const [text, want] of cases) assert.is(detectFormat(yaml(F, text)), want, text);
});

// --- spec, v2, v3 -------------------------------------------------------------------------------

test('spec, v2 and v3 keep their shape; version is dropped', () => {
  const r = toSpec(yaml(F, 'version: "3.8"\nservices:\n  web: {image: a, net: host}\nx-foo: 1\n'));
  assert.is(r.format, 'v3');
  assert.equal(plain(r.doc), { services: { web: { image: 'a', net: 'host' } }, 'x-foo': 1 });
  assert.equal(r.diagnostics, []);
  assert.equal(valueLoc(r.doc, 'x-foo'), at(F, 4, 8));

  const s = toSpec(yaml(F, 'services: {web: {image: a}}\n'));
  assert.is(s.format, 'spec');
  assert.equal(plain(s.doc), { services: { web: { image: 'a' } } });
});

// --- v1 ----------------------------------------------------------------------------------------

test('v1: top-level services move under services:, x- fields stay at the top', () => {
  const r = toSpec(
    yaml(
      F,
      `x-common: {restart: always}
web:
  image: nginx
  links: [db]
db:
  image: postgres
`,
    ),
  );
  assert.is(r.format, 'v1');
  assert.equal(plain(r.doc), {
    'x-common': { restart: 'always' },
    services: { web: { image: 'nginx', links: ['db'] }, db: { image: 'postgres' } },
  });
  const services = get(r.doc, 'services');
  assert.equal(keyLoc(services, 'web'), at(F, 2, 1));
  assert.equal(valueLoc(services, 'db'), at(F, 6, 3));
  assert.equal(keyLoc(get(services, 'web'), 'links'), at(F, 4, 3));
  assert.equal(r.diagnostics, []);
});

test('v1: net becomes network_mode, keeping its value and position', () => {
  const r = toSpec(yaml(F, 'web:\n  image: a\n  net: "container:db"\nb:\n  net: host\n'));
  const web = get(r.doc, 'services', 'web');
  assert.equal(plain(web), { image: 'a', network_mode: 'container:db' });
  assert.equal(keyLoc(web, 'network_mode'), at(F, 3, 3));
  assert.equal(valueLoc(web, 'network_mode'), at(F, 3, 8));
  assert.equal(Object.keys(web as object), ['image', 'network_mode']);
  assert.equal(plain(get(r.doc, 'services', 'b')), { network_mode: 'host' });
});

test('v1: dockerfile folds into build: {context, dockerfile}', () => {
  const r = toSpec(yaml(F, 'web:\n  build: ./app\n  dockerfile: Dockerfile.dev\n  image: a\n'));
  assert.equal(plain(get(r.doc, 'services', 'web')), { build: { context: './app', dockerfile: 'Dockerfile.dev' }, image: 'a' });
  // The new mapping points at the old build value.
  assert.equal(selfLoc(get(r.doc, 'services', 'web', 'build')), at(F, 2, 10));
  const alone = toSpec(yaml(F, 'web:\n  dockerfile: Dockerfile.dev\n'));
  assert.equal(plain(get(alone.doc, 'services', 'web')), { build: { context: '.', dockerfile: 'Dockerfile.dev' } });
});

test('v1: log_driver and log_opt become logging: {driver, options}, with positions', () => {
  const r = toSpec(
    yaml(
      F,
      `web:
  image: a
  log_driver: syslog
  log_opt:
    syslog-address: "tcp://192.168.0.42:123"
`,
    ),
  );
  const web = get(r.doc, 'services', 'web');
  assert.equal(plain(web), { image: 'a', logging: { driver: 'syslog', options: { 'syslog-address': 'tcp://192.168.0.42:123' } } });
  const logging = get(web, 'logging');
  assert.equal(keyLoc(logging, 'driver'), at(F, 3, 3));
  assert.equal(valueLoc(logging, 'driver'), at(F, 3, 15));
  assert.equal(keyLoc(logging, 'options'), at(F, 4, 3));

  const onlyOpt = toSpec(yaml(F, 'web:\n  log_opt: {max-size: 1m}\n'));
  assert.equal(plain(get(onlyOpt.doc, 'services', 'web')), { logging: { options: { 'max-size': '1m' } } });
});

test('v1: named volumes are declared with their own name (no project prefix) and the volume_driver', () => {
  const r = toSpec(
    yaml(
      F,
      `db:
  image: postgres
  volume_driver: flocker
  volumes: ["pgdata:/var/lib/postgresql/data", "./conf:/etc/pg", "/anon", "~/x:/x", "logs:/logs:ro"]
backup:
  image: b
  volumes: ["pgdata:/backup:ro"]
`,
    ),
  );
  assert.equal(plain(r.doc['volumes']), { pgdata: { name: 'pgdata', driver: 'flocker' }, logs: { name: 'logs', driver: 'flocker' } });
  // The service no longer carries volume_driver (the Specification has no such attribute).
  assert.equal(Object.keys(get(r.doc, 'services', 'db') as object), ['image', 'volumes']);
  assert.equal(valueLoc(get(r.doc, 'volumes'), 'pgdata'), at(F, 4, 13));
  assert.equal(r.diagnostics, []);
  // Without named volumes: nothing declared.
  assert.is(toSpec(yaml(F, 'web:\n  image: a\n  volumes: ["./a:/a"]\n')).doc['volumes'], undefined);
});

test('v1: a volume_driver that cannot be carried over is dropped with a warning at it', () => {
  const none = toSpec(yaml(F, 'web:\n  image: a\n  volume_driver: flocker\n'));
  assert.equal(plain(get(none.doc, 'services', 'web')), { image: 'a' });
  assert.equal(codes(none.diagnostics), ['WGC033@3:3']);
  assert.is(none.diagnostics[0]!.severity, 'warning');
  // A second driver for a volume another service creates: the first one wins, as in v1
  // (the volume exists when the second service starts).
  const two = toSpec(yaml(F, 'a:\n  volumes: ["v:/v"]\nb:\n  volume_driver: other\n  volumes: ["v:/w"]\n'));
  assert.equal(plain(two.doc['volumes']), { v: { name: 'v' } });
  assert.equal(codes(two.diagnostics), ['WGC033@4:18']);
});

test('v1VolumeName: host paths and anonymous volumes are not named volumes', () => {
  const cases: [string, string | undefined][] = [
    ['pgdata:/data', 'pgdata'],
    ['pgdata:/data:ro', 'pgdata'],
    ['./a:/a', undefined],
    ['/host:/c', undefined],
    ['~/h:/c', undefined],
    ['/anon', undefined],
    [':/x', undefined],
  ];
  for (const [entry, want] of cases) assert.is(v1VolumeName(entry), want, entry);
});

test('v1: a version "1" key is dropped, not treated as a service', () => {
  const r = toSpec(yaml(F, 'version: "1"\nweb: {image: a}\n'));
  assert.is(r.format, 'v1');
  assert.equal(plain(r.doc), { services: { web: { image: 'a' } } });
});

test('v1: attributes without a rename pass through untouched', () => {
  const r = toSpec(yaml(F, 'web:\n  image: a\n  external_links: [other_db]\n  environment: {A: "1"}\n  ports: ["80:80"]\n'));
  assert.equal(plain(get(r.doc, 'services', 'web')), {
    image: 'a',
    external_links: ['other_db'],
    environment: { A: '1' },
    ports: ['80:80'],
  });
});

test('toSpec does not modify its input', () => {
  const doc = yaml(F, 'version: "2"\nservices: {web: {image: a}}\n');
  toSpec(doc);
  assert.equal(plain(doc), { version: '2', services: { web: { image: 'a' } } });
  const v1 = yaml(F, 'web: {net: host, log_driver: none}\n');
  toSpec(v1);
  assert.equal(plain(v1), { web: { net: 'host', log_driver: 'none' } });
});

test.run();
