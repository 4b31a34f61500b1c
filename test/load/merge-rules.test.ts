// One test per attribute rule of the merge (issue 14, bugs 2–7), as compose-go has one per
// attribute (override/merge_*_test.go). Rules: compose-spec 13-merge.md, and compose-go's
// override/merge.go and override/uncity.go where the document is silent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveExtends } from '../../src/load/extends.js';
import { itemLoc, valueLoc } from '../../src/load/located.js';
import { mergeValues } from '../../src/load/merge.js';
import { memoryReader } from '../../src/load/io.js';
import { loadProject } from '../../src/pipeline.js';
import { validateModel } from '../../src/validate/schema.js';
import { at, codes, get, mergeWeb, plain, yaml } from './support.js';

const A = '/p/compose.yaml';
const B = '/p/compose.override.yaml';
const STARTED = { condition: 'service_started' };

// --- bug 2: depends_on ---------------------------------------------------------------------------

test('depends_on: two lists merge into both names, in the long form', () => {
  const { web } = mergeWeb('depends_on: [db]\n', 'depends_on: [other]\n');
  assert.equal(plain(get(web, 'depends_on')), { db: STARTED, other: STARTED });
});

test('depends_on merged across -f files is a valid project (no WGC030)', () => {
  const r = loadProject(
    { files: ['compose.yaml', 'override.yaml'], envFiles: [], profiles: [] },
    {
      cwd: '/p',
      env: {},
      reader: memoryReader({
        '/p/compose.yaml': 'services:\n  a: {image: a, depends_on: [db]}\n  db: {image: db}\n  other: {image: o}\n',
        '/p/override.yaml': 'services:\n  a: {depends_on: [other]}\n',
      }),
    },
  );
  assert.equal(codes(r.diagnostics), []);
  assert.equal(plain(get(r.project!.model, 'services', 'a', 'depends_on')), { db: STARTED, other: STARTED });
  assert.equal(codes(validateModel(r.project!.model)), []);
});

test('depends_on merged by extends is the long form too', () => {
  const model = yaml(A, 'services:\n  base: {image: a, depends_on: [db]}\n  web: {extends: base, depends_on: [other]}\n  db: {image: d}\n  other: {image: o}\n');
  assert.equal(resolveExtends(model, A, '/p', () => 'missing'), []);
  assert.equal(plain(get(model, 'services', 'web', 'depends_on')), { db: STARTED, other: STARTED });
  assert.equal(codes(validateModel(model)), []);
});

// --- bug 3: build --------------------------------------------------------------------------------

test('build: a PATH merged with a mapping is its context', () => {
  const { web } = mergeWeb('build: ./app\n', 'build: {args: {X: "1"}}\n');
  assert.equal(plain(get(web, 'build')), { context: './app', args: { X: '1' } });
  assert.equal(valueLoc(get(web, 'build'), 'context'), at(A, 3, 12));
  const r2 = mergeWeb('build: {context: ./a, dockerfile: D}\n', 'build: ./b\n');
  assert.equal(plain(get(r2.web, 'build')), { context: './b', dockerfile: 'D' });
  assert.equal(valueLoc(get(r2.web, 'build'), 'context'), at(B, 3, 12));
});

// --- bug 4: string or list -----------------------------------------------------------------------

test('env_file: a string and a list both count; one entry per path, long syntax included', () => {
  const { web } = mergeWeb('env_file: a.env\n', 'env_file: [b.env]\n');
  assert.equal(plain(get(web, 'env_file')), ['a.env', 'b.env']);
  assert.equal(itemLoc(get(web, 'env_file'), 0), at(A, 3, 15));
  assert.equal(itemLoc(get(web, 'env_file'), 1), at(B, 3, 16));
  const r2 = mergeWeb('env_file: [a.env, c.env]\n', 'env_file:\n  - {path: a.env, required: false}\n');
  assert.equal(plain(get(r2.web, 'env_file')), [{ path: 'a.env', required: false }, 'c.env']);
});

test('dns, dns_search and tmpfs: a string on either side is a list of one', () => {
  const { web } = mergeWeb('dns: 1.1.1.1\ndns_search: [a.example]\ntmpfs: /run\n', 'dns: [8.8.8.8]\ndns_search: b.example\ntmpfs: /tmp\n');
  assert.equal(plain(web), { dns: ['1.1.1.1', '8.8.8.8'], dns_search: ['a.example', 'b.example'], tmpfs: ['/run', '/tmp'] });
});

// --- bug 5: lists without a rule of their own append; the rest as compose-go -----------------------

test('device_cgroup_rules, security_opt and deploy.placement.constraints are appended', () => {
  const { web } = mergeWeb(
    'device_cgroup_rules: ["c 1:3 mr"]\nsecurity_opt: [no-new-privileges]\ndeploy: {placement: {constraints: [node.role==manager]}}\n',
    'device_cgroup_rules: ["a 7:* rmw"]\nsecurity_opt: ["label:user:U"]\ndeploy: {placement: {constraints: [node.labels.zone==a]}}\n',
  );
  assert.equal(plain(web), {
    device_cgroup_rules: ['c 1:3 mr', 'a 7:* rmw'],
    security_opt: ['no-new-privileges', 'label:user:U'],
    deploy: { placement: { constraints: ['node.role==manager', 'node.labels.zone==a'] } },
  });
});

test('x- lists are appended, at the top level and in a service', () => {
  const { web } = mergeWeb('x-tags: [a]\n', 'x-tags: [b]\n');
  assert.equal(plain(get(web, 'x-tags')), ['a', 'b']);
  const top = mergeValues(yaml(A, 'x-hosts: [h1]\nservices: {}\n'), yaml(B, 'x-hosts: [h2, h1]\n'));
  assert.equal(plain(get(top, 'x-hosts')), ['h1', 'h2', 'h1']);
});

test('cap_add, dns_opt, profiles and network aliases are appended, unique by value', () => {
  const { web } = mergeWeb(
    'cap_add: [NET_ADMIN]\ndns_opt: [ndots:2]\nprofiles: [a]\nnetworks: {front: {aliases: [x, y]}}\n',
    'cap_add: [SYS_TIME, NET_ADMIN]\ndns_opt: [ndots:2, timeout:1]\nprofiles: [b, a]\nnetworks: {front: {aliases: [y, z]}}\n',
  );
  assert.equal(plain(web), {
    cap_add: ['NET_ADMIN', 'SYS_TIME'],
    dns_opt: ['ndots:2', 'timeout:1'],
    profiles: ['a', 'b'],
    networks: { front: { aliases: ['x', 'y', 'z'] } },
  });
});

test('expose: 80 and "80" are one port', () => {
  const { web } = mergeWeb('expose: [80, "443"]\n', 'expose: ["80", 8080]\n');
  assert.equal(plain(get(web, 'expose')), ['80', '443', 8080]);
});

test('ulimits: an override replaces a limit whole (compose-go’s mergeUlimit)', () => {
  const { web } = mergeWeb('ulimits: {nofile: {soft: 1, hard: 2}, nproc: 5}\n', 'ulimits: {nofile: {soft: 3}}\n');
  assert.equal(plain(get(web, 'ulimits')), { nofile: { soft: 3 }, nproc: 5 });
});

test('secrets: a relative target is under /run/secrets, the short syntax names it', () => {
  const { web } = mergeWeb('secrets: [a, b]\n', 'secrets: [{source: a2, target: /run/secrets/a}]\n');
  assert.equal(plain(get(web, 'secrets')), ['b', { source: 'a2', target: '/run/secrets/a' }]);
});

// --- bug 6: ports ----------------------------------------------------------------------------------

test('ports: the same port in short and long syntax is one port, the later one kept in place', () => {
  const { web } = mergeWeb('ports: ["8080:80", "9090:90"]\n', 'ports:\n  - {target: 80, published: 8080}\n');
  assert.equal(plain(get(web, 'ports')), [{ target: 80, published: 8080 }, '9090:90']);
  assert.equal(itemLoc(get(web, 'ports'), 0), at(B, 4, 9));
  assert.equal(itemLoc(get(web, 'ports'), 1), at(A, 3, 24));
});

test('ports: host address, protocol and defaults are part of the key', () => {
  const { web } = mergeWeb(
    'ports: [80, "127.0.0.1:8080:80", "8081:81", "[::1]:53:53/udp", "0.0.0.0:7000:7000"]\n',
    'ports:\n  - {target: 80}\n  - {host_ip: 127.0.0.1, target: 80, published: "8080"}\n  - "8081:81/udp"\n  - {host_ip: "::1", target: 53, published: "53", protocol: udp}\n  - "7000:7000/tcp"\n',
  );
  assert.equal(plain(get(web, 'ports')), [
    { target: 80 },
    { host_ip: '127.0.0.1', target: 80, published: '8080' },
    '8081:81',
    { host_ip: '::1', target: 53, published: '53', protocol: 'udp' },
    '7000:7000/tcp',
    '8081:81/udp',
  ]);
});

// --- bug 7: logging --------------------------------------------------------------------------------

test('logging: another driver replaces the options; the same driver, or none named, merges them', () => {
  const other = mergeWeb('logging: {driver: syslog, options: {syslog-address: "udp://h:514"}}\n', 'logging: {driver: json-file, options: {max-size: 1m}}\n');
  assert.equal(plain(get(other.web, 'logging')), { driver: 'json-file', options: { 'max-size': '1m' } });
  const same = mergeWeb('logging: {driver: json-file, options: {max-size: 1m}}\n', 'logging: {driver: json-file, options: {max-file: "3"}}\n');
  assert.equal(plain(get(same.web, 'logging')), { driver: 'json-file', options: { 'max-size': '1m', 'max-file': '3' } });
  const unnamed = mergeWeb('logging: {driver: json-file, options: {max-size: 1m}}\n', 'logging: {options: {max-file: "3"}}\n');
  assert.equal(plain(get(unnamed.web, 'logging')), { driver: 'json-file', options: { 'max-size': '1m', 'max-file': '3' } });
});

test.run();
