import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { interpolateTree } from '../../src/load/interpolate-tree.js';
import { keyLoc, valueLoc } from '../../src/load/located.js';
import { at, codes, get, plain, yaml } from './support.js';

const F = '/p/compose.yaml';
const ENV: Record<string, string> = { N: '3', NEG: '-5', T: 'true', YES: 'yes', OFF: 'Off', WORD: 'abc', PORT: '8080', EMPTY: '' };
const lookup = (n: string) => (Object.hasOwn(ENV, n) ? ENV[n] : undefined);

function run(text: string) {
  const doc = yaml(F, text);
  const diagnostics = interpolateTree(doc, lookup, F);
  return { doc, diagnostics };
}

test('strings anywhere are interpolated; keys are not', () => {
  const { doc, diagnostics } = run(`services:
  web:
    image: "app:\${WORD}"
    environment:
      \${WORD}: $N
    command: [echo, "$$HOME", "\${MISSING:-dflt}"]
x-note: plain
`);
  assert.equal(diagnostics, []);
  assert.equal(plain(doc), {
    services: { web: { image: 'app:abc', environment: { '${WORD}': '3' }, command: ['echo', '$HOME', 'dflt'] } },
    'x-note': 'plain',
  });
});

test('interpolated integers are cast at the integer paths', () => {
  const { doc, diagnostics } = run(`services:
  web:
    scale: $N
    deploy: {replicas: "\${N}"}
    healthcheck: {retries: $NEG}
    cpu_shares: $N
    pids_limit: \${NEG}
    ulimits:
      nproc: $N
      nofile: {soft: $N, hard: "\${PORT}"}
    ports:
      - {target: $PORT, published: $PORT}
    x-wireguard: {port: $PORT, mtu: $N, keepalive: $N}
x-wireguard: {port: $PORT, mtu: $N, keepalive: $N}
`);
  assert.equal(diagnostics, []);
  assert.equal(plain(doc), {
    services: {
      web: {
        scale: 3,
        deploy: { replicas: 3 },
        healthcheck: { retries: -5 },
        cpu_shares: 3,
        pids_limit: -5,
        ulimits: { nproc: 3, nofile: { soft: 3, hard: 8080 } },
        ports: [{ target: 8080, published: 8080 }],
        'x-wireguard': { port: 8080, mtu: 3, keepalive: 3 },
      },
    },
    'x-wireguard': { port: 8080, mtu: 3, keepalive: 3 },
  });
});

test('a value that is not an integer stays a string at an integer path (the schema reports it)', () => {
  const { doc } = run('services:\n  web:\n    scale: $WORD\n    deploy: {replicas: "${N}.5"}\n    cpu_count: "${N} "\n');
  assert.equal(plain(get(doc, 'services', 'web')), { scale: 'abc', deploy: { replicas: '3.5' }, cpu_count: '3 ' });
});

test('interpolated booleans are cast at the boolean paths, case-insensitively', () => {
  const { doc } = run(`services:
  web:
    init: $T
    privileged: $YES
    read_only: $OFF
    tty: "\${WORD}"
    healthcheck: {disable: "\${T}"}
networks:
  n: {external: $T, internal: $OFF, enable_ipv6: $YES}
volumes:
  v: {external: $T}
secrets:
  s: {external: $OFF}
`);
  assert.equal(plain(doc), {
    services: { web: { init: true, privileged: true, read_only: false, tty: 'abc', healthcheck: { disable: true } } },
    networks: { n: { external: true, internal: false, enable_ipv6: true } },
    volumes: { v: { external: true } },
    secrets: { s: { external: false } },
  });
});

test('no cast outside the listed paths, nor for values that were not interpolated', () => {
  const { doc } = run(`services:
  web:
    environment: {A: $N, B: $T}
    labels: [n=$N]
    user: $N
    scale: "7"
    init: "true"
    command: [$N, $T]
`);
  assert.equal(plain(get(doc, 'services', 'web')), {
    environment: { A: '3', B: 'true' },
    labels: ['n=3'],
    user: '3',
    scale: '7',
    init: 'true',
    command: ['3', 'true'],
  });
});

test('interpolation keeps the value positions', () => {
  const { doc } = run('services:\n  web:\n    scale: $N\n');
  const web = get(doc, 'services', 'web');
  assert.equal(keyLoc(web, 'scale'), at(F, 3, 5));
  assert.equal(valueLoc(web, 'scale'), at(F, 3, 12));
});

// --- diagnostics ---------------------------------------------------------------------------------

test('WGC010: a required variable is not set, at the value that needs it', () => {
  const { doc, diagnostics } = run(`services:
  web:
    image: app
    environment:
      - OK=$N
      - KEY=\${SECRET:?set SECRET first}
`);
  assert.equal(codes(diagnostics), ['WGC010@6:9']);
  assert.ok(diagnostics[0]!.message.includes('set SECRET first'), diagnostics[0]!.message);
  assert.is(diagnostics[0]!.severity, 'error');
  // The value with the problem is left as written.
  assert.equal(plain(get(doc, 'services', 'web', 'environment')), ['OK=3', 'KEY=${SECRET:?set SECRET first}']);
});

test('WGC010 for a set-but-empty variable with :?', () => {
  const { diagnostics } = run('services:\n  web:\n    image: "${EMPTY:?}"\n');
  assert.equal(codes(diagnostics), ['WGC010@3:12']);
});

test('WGC011: invalid interpolation syntax, at the value', () => {
  const { doc, diagnostics } = run('services:\n  web:\n    image: a\n    user: "${N"\n    command: ["${}"]\n');
  assert.equal(codes(diagnostics), ['WGC011@4:11', 'WGC011@5:15']);
  assert.ok(diagnostics.every((d) => d.severity === 'error' && d.hint?.includes('$$')));
  assert.is(get(doc, 'services', 'web', 'user'), '${N');
});

test('WGC012: an unset variable is a warning, once per variable, at its first use', () => {
  const { doc, diagnostics } = run(`services:
  web:
    image: "app:$TAG"
    labels:
      - "tag=\${TAG}"
      - "other=$OTHER"
`);
  assert.equal(codes(diagnostics), ['WGC012@3:12', 'WGC012@6:9']);
  assert.ok(diagnostics.every((d) => d.severity === 'warning'));
  assert.ok(diagnostics[0]!.message.includes('"TAG"'));
  assert.equal(plain(get(doc, 'services', 'web')), { image: 'app:', labels: ['tag=', 'other='] });
});

test('a default suppresses WGC012', () => {
  const { diagnostics } = run('services:\n  web:\n    image: "${TAG:-latest}${X-}"\n');
  assert.equal(diagnostics, []);
});

test('positions inside sequences and flow mappings point at the item', () => {
  const { diagnostics } = run('services:\n  web: {command: [ok, "${A:?}"], image: "${B:?}"}\n');
  assert.equal(codes(diagnostics), ['WGC010@2:23', 'WGC010@2:41']);
});

test('a non-container root is left alone', () => {
  assert.equal(interpolateTree('$X', lookup, F), []);
  assert.equal(interpolateTree(null, lookup, F), []);
});

test.run();
