// Link rules: each one with a file that triggers it (code, line, column) and one that does not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Diagnostic } from '../../src/diagnostics.js';
import { memoryReader } from '../../src/load/io.js';
import { analyze } from '../../src/pipeline.js';

function run(yaml: string, profiles: string[] = []): { diagnostics: Diagnostic[]; linked: readonly string[] | undefined } {
  const { analysis, diagnostics } = analyze(
    { files: ['/p/compose.yaml'], envFiles: [], profiles },
    { cwd: '/p', env: {}, reader: memoryReader({ '/p/compose.yaml': yaml }) },
  );
  return { diagnostics, linked: analysis?.linked };
}

const found = (ds: Diagnostic[]) => ds.map((d) => `${d.severity} ${d.code} ${d.pos?.line}:${d.pos?.col}`);

test('a valid project has no diagnostics and lists both sides of every link', () => {
  const r = run('services:\n  a:\n    image: x\n    links: [b, "c:see"]\n  b:\n    image: x\n  c:\n    image: x\n  d:\n    image: x\n');
  assert.equal(r.diagnostics, []);
  assert.equal(r.linked, ['a', 'b', 'c']);
});

test('WGC040: link to a missing service, with a suggestion', () => {
  const r = run('services:\n  web:\n    image: x\n    links: [dbb]\n  db:\n    image: x\n');
  assert.equal(found(r.diagnostics), ['error WGC040 4:13']);
  assert.is(r.diagnostics[0]!.hint, 'did you mean "db"?');
});

test('WGC041: self-link', () => {
  assert.equal(found(run('services:\n  a:\n    image: x\n    links:\n      - a\n').diagnostics), ['error WGC041 5:9']);
});

test('WGC042: one name for two targets is an error; an alias shadowing a service is a warning', () => {
  const two = run('services:\n  a:\n    image: x\n    links: ["b:x", "c:x"]\n  b:\n    image: x\n  c:\n    image: x\n');
  assert.equal(found(two.diagnostics), ['error WGC042 4:20']);
  const shadow = run('services:\n  a:\n    image: x\n    links: ["b:c"]\n  b:\n    image: x\n  c:\n    image: x\n');
  assert.equal(found(shadow.diagnostics), ['warning WGC042 4:13']);
  const same = run('services:\n  a:\n    image: x\n    links: ["b", "b:bee"]\n  b:\n    image: x\n');
  assert.equal(same.diagnostics, [], 'two names for one target are fine');
});

test('WGC043: network_mode that leaves a linked service no namespace of its own, either side', () => {
  for (const mode of ['service:c', 'container:abc', 'host', 'none', 'bridge']) {
    const r = run(`services:\n  a:\n    image: x\n    network_mode: "${mode}"\n    links: [b]\n  b:\n    image: x\n  c:\n    image: x\n`);
    assert.equal(found(r.diagnostics), ['error WGC043 4:19'], mode);
  }
  const target = run('services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\n    network_mode: host\n');
  assert.equal(found(target.diagnostics), ['error WGC043 7:19']);
  const unlinked = run('services:\n  a:\n    image: x\n    network_mode: host\n');
  assert.equal(unlinked.diagnostics, [], 'network_mode on a service without links is fine');
});

test('WGC043: the legacy v1 `net:` is checked at its own line', () => {
  const r = run('web:\n  image: x\n  net: "container:other"\n  links: [db]\ndb:\n  image: y\n');
  assert.equal(found(r.diagnostics), ['error WGC043 3:8']);
});

test('WGC044: linked services on disjoint networks', () => {
  const r = run('services:\n  a:\n    image: x\n    networks: [n1]\n    links: [b]\n  b:\n    image: x\n    networks:\n      n2: {}\nnetworks:\n  n1: {}\n  n2: {}\n');
  assert.equal(found(r.diagnostics), ['error WGC044 5:13']);
  const shared = run('services:\n  a:\n    image: x\n    networks: [n1, n2]\n    links: [b]\n  b:\n    image: x\n    networks: [n2]\nnetworks:\n  n1: {}\n  n2: {}\n');
  assert.equal(shared.diagnostics, []);
});

test('WGC045: external_links are reported as warnings', () => {
  const r = run('services:\n  a:\n    image: x\n    external_links:\n      - redis_1\n      - "project_db_1:db"\n');
  assert.equal(found(r.diagnostics), ['warning WGC045 5:9', 'warning WGC045 6:9']);
});

test('WGC046: names wg-compose adds must not exist already', () => {
  const r = run('services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\n  a-wg:\n    image: x\nsecrets:\n  b-wg-conf:\n    file: ./x\n');
  assert.equal(found(r.diagnostics), ['error WGC046 7:3', 'error WGC046 10:3']);
});

test('WGC047: link names must be host names', () => {
  const r = run('services:\n  a:\n    image: x\n    links: ["b:bad alias"]\n  b:\n    image: x\n');
  assert.equal(found(r.diagnostics), ['error WGC047 4:13']);
});

test('replicas of a linked service: one service per slot, each linked where the service was', () => {
  const r = run('services:\n  a:\n    image: x\n    links: ["b:bee"]\n  b:\n    image: x\n    deploy:\n      replicas: 3\n');
  assert.equal(r.diagnostics, []);
  assert.equal(r.linked, ['a', 'b', 'b-2', 'b-3']);
  const one = run('services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\n    scale: 1\n');
  assert.equal(one.diagnostics, []);
  assert.equal(one.linked, ['a', 'b']);
});

test('WGC048: a replicated linked service cannot name one instance', () => {
  const r = run('services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\n    container_name: bee\n    scale: 2\n');
  assert.equal(found(r.diagnostics), ['error WGC048 7:21']);
  const pinned = run('services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\n    scale: 2\n    x-wireguard:\n      address: 10.150.0.9\n');
  assert.equal(found(pinned.diagnostics), ['error WGC048 9:16']);
  // A port is per network namespace: every replica may listen on the same one.
  const port = run('services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\n    scale: 2\n    x-wireguard:\n      port: 51900\n');
  assert.equal(port.diagnostics, []);
});

test('WGC046: a replica slot name that the project already uses', () => {
  const r = run('services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\n    scale: 2\n  b-2:\n    image: x\n');
  assert.equal(found(r.diagnostics), ['error WGC046 8:3']);
});

test('WGC054: only its sidecar may use the secret wg-compose generates for a service (replica slots too)', () => {
  const r = run('services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\n    scale: 2\n  c:\n    image: x\n    secrets: [b-wg-conf, {source: b-2-wg-conf}, {source: mine}]\n');
  assert.equal(found(r.diagnostics), ['error WGC054 10:15', 'error WGC054 10:26']);
});

test('WGC055: a user secret file under a state directory', () => {
  const r = run('services:\n  a:\n    image: x\nsecrets:\n  stolen:\n    file: ./.wg-compose/p/b.conf\n  fine:\n    file: ./secrets/x\n');
  assert.equal(found(r.diagnostics), ['error WGC055 6:11']);
});

test('WGC056: an extra_hosts entry that shadows a link name, in any case, list or mapping', () => {
  const r = run('services:\n  a:\n    image: x\n    links: ["db:Data"]\n    extra_hosts: ["DATA:203.0.113.9", "other:203.0.113.8"]\n  db:\n    image: x\n    links: [a]\n    extra_hosts: {A: 203.0.113.7}\n');
  assert.equal(found(r.diagnostics).filter((d) => d.includes('WGC056')), ['error WGC056 5:19', 'error WGC056 9:22']);
});

test('WGC049: links in a cycle, also through depends_on', () => {
  const r = run('services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\n    depends_on: [c]\n  c:\n    image: x\n    links: [a]\n');
  assert.equal(found(r.diagnostics), ['error WGC049 10:13']);
  assert.match(r.diagnostics[0]!.message, /a -> b -> c -> a/);
});

test('WGC024: a link into a profile that is not active; enabling it clears the error', () => {
  const yaml = 'services:\n  a:\n    image: x\n    links: [dbg]\n  dbg:\n    image: x\n    profiles: [debug]\n';
  assert.equal(found(run(yaml).diagnostics), ['error WGC024 4:13']);
  assert.equal(run(yaml, ['debug']).diagnostics, []);
});

test('WGC023: extending a service that has links', () => {
  const r = run('services:\n  base:\n    image: x\n    links: [db]\n  db:\n    image: x\n  child:\n    extends: base\n');
  assert.equal(found(r.diagnostics), ['error WGC023 8:14']);
});

test.run();
