// Every rule `check` applies: a project that triggers it (code, severity, line and column)
// and the same project with the problem fixed, which does not. Through the real CLI, as JSON.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { project } from '../helpers/cli.js';
import { checkJson, lockfile, where } from './support.js';

interface RuleCase {
  /** What the rule catches. */
  name: string;
  code: string;
  /** Files of the project that triggers it (compose.yaml among them). */
  bad: Record<string, string>;
  /** `severity file:line:col` of each report. */
  expect: string[];
  /** The same project with the problem fixed. */
  good: Record<string, string>;
  args?: string[];
}

const LINKED = `services:
  web:
    image: nginx
    links: [api]
  api:
    image: api
`;
/** The lockfile render writes for LINKED in a directory named "p". */
const LINKED_LOCK = lockfile('p', { api: [['10.150.0.1'], 51820], web: [['10.150.0.2'], 51821] }, ['api:web']);

const CASES: RuleCase[] = [
  {
    name: 'YAML syntax error',
    code: 'WGC002',
    bad: { 'compose.yaml': 'services:\n  web:\n    image: [nginx\n' },
    expect: ['error compose.yaml:4:1'],
    good: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n' },
  },
  {
    name: 'compose-spec schema violation',
    code: 'WGC030',
    bad: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    restrat: always\n' },
    expect: ['error compose.yaml:4:5'],
    good: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    restart: always\n' },
  },
  {
    name: 'invalid x-wireguard value',
    code: 'WGC031',
    bad: { 'compose.yaml': `x-wireguard:\n  mtu: 100\n${LINKED}`, 'wg-compose.lock': LINKED_LOCK },
    expect: ['error compose.yaml:2:8'],
    good: { 'compose.yaml': `x-wireguard:\n  mtu: 1400\n${LINKED}`, 'wg-compose.lock': LINKED_LOCK },
  },
  {
    name: 'link to a missing service',
    code: 'WGC040',
    bad: { 'compose.yaml': LINKED.replace('links: [api]', 'links: [apii]') },
    expect: ['error compose.yaml:4:13'],
    good: { 'compose.yaml': LINKED, 'wg-compose.lock': LINKED_LOCK },
  },
  {
    name: 'self-link',
    code: 'WGC041',
    bad: { 'compose.yaml': LINKED.replace('links: [api]', 'links: [api, web]'), 'wg-compose.lock': LINKED_LOCK },
    expect: ['error compose.yaml:4:18'],
    good: { 'compose.yaml': LINKED, 'wg-compose.lock': LINKED_LOCK },
  },
  {
    name: 'one alias for two targets',
    code: 'WGC042',
    bad: { 'compose.yaml': `${LINKED.replace('links: [api]', 'links: ["api:backend", "db:backend"]')}  db:\n    image: db\n` },
    expect: ['error compose.yaml:4:28'],
    good: {
      'compose.yaml': `${LINKED.replace('links: [api]', 'links: ["api:backend", "db:database"]')}  db:\n    image: db\n`,
      'wg-compose.lock': lockfile('p', { api: [['10.150.0.1'], 51820], db: [['10.150.0.2'], 51821], web: [['10.150.0.3'], 51822] }, ['api:web', 'db:web']),
    },
  },
  {
    name: 'network_mode that makes a link impossible',
    code: 'WGC043',
    bad: { 'compose.yaml': `${LINKED}    network_mode: host\n` },
    expect: ['error compose.yaml:7:19'],
    good: { 'compose.yaml': LINKED, 'wg-compose.lock': LINKED_LOCK },
  },
  {
    name: 'linked services that share no network',
    code: 'WGC044',
    bad: { 'compose.yaml': `${LINKED}    networks: [back]\nnetworks:\n  back: {}\n` },
    expect: ['error compose.yaml:4:13'],
    good: { 'compose.yaml': `${LINKED}    networks: [back, default]\nnetworks:\n  back: {}\n`, 'wg-compose.lock': LINKED_LOCK },
  },
  {
    name: 'external_links',
    code: 'WGC045',
    bad: { 'compose.yaml': `${LINKED}    external_links: ["other_db_1:db"]\n`, 'wg-compose.lock': LINKED_LOCK },
    expect: ['warning compose.yaml:7:22'],
    good: { 'compose.yaml': LINKED, 'wg-compose.lock': LINKED_LOCK },
  },
  {
    name: 'a replicated linked service that names one instance',
    code: 'WGC048',
    bad: { 'compose.yaml': `${LINKED}    container_name: api0\n    deploy:\n      replicas: 3\n` },
    expect: ['error compose.yaml:7:21'],
    good: { 'compose.yaml': `${LINKED}    deploy:\n      replicas: 1\n`, 'wg-compose.lock': LINKED_LOCK },
  },
  {
    name: 'address pool too small for the linked services',
    code: 'WGC050',
    bad: { 'compose.yaml': `x-wireguard:\n  pool: 10.9.0.0/31\n${LINKED}  db:\n    image: db\n    links: [api]\n` },
    expect: ['error compose.yaml:2:9'],
    good: {
      'compose.yaml': `x-wireguard:\n  pool: 10.9.0.0/30\n${LINKED}`,
      'wg-compose.lock': lockfile('p', { api: [['10.9.0.1'], 51820], web: [['10.9.0.2'], 51821] }, ['api:web']),
    },
  },
  {
    name: 'port range too small for the linked services',
    code: 'WGC050',
    bad: { 'compose.yaml': `x-wireguard:\n  port: 65535\n${LINKED}` },
    expect: ['error compose.yaml:2:9'],
    good: {
      'compose.yaml': `x-wireguard:\n  port: 65534\n${LINKED}`,
      'wg-compose.lock': lockfile('p', { api: [['10.150.0.1'], 65534], web: [['10.150.0.2'], 65535] }, ['api:web']),
    },
  },
  {
    name: 'two services pin one address',
    code: 'WGC051',
    bad: { 'compose.yaml': `${LINKED}    x-wireguard: {address: 10.150.0.7}\n`.replace('    links: [api]\n', '    links: [api]\n    x-wireguard: {address: 10.150.0.7}\n') },
    // at web's pin: services are allocated in name order, so api's pin came first
    expect: ['error compose.yaml:5:28'],
    good: {
      'compose.yaml': `${LINKED}    x-wireguard: {address: 10.150.0.8}\n`.replace('    links: [api]\n', '    links: [api]\n    x-wireguard: {address: 10.150.0.7}\n'),
      'wg-compose.lock': lockfile('p', { api: [['10.150.0.8'], 51820], web: [['10.150.0.7'], 51821] }, ['api:web']),
    },
  },
  {
    name: 'a pinned address outside the pool',
    code: 'WGC051',
    bad: { 'compose.yaml': `${LINKED}    x-wireguard: {address: 10.1.0.7}\n` },
    expect: ['error compose.yaml:7:28'],
    good: {
      'compose.yaml': `${LINKED}    x-wireguard: {address: 10.150.0.7}\n`,
      'wg-compose.lock': lockfile('p', { api: [['10.150.0.7'], 51820], web: [['10.150.0.1'], 51821] }, ['api:web']),
    },
  },
  {
    name: 'two services pin one listen port',
    code: 'WGC052',
    bad: { 'compose.yaml': `${LINKED}    x-wireguard: {port: 51999}\n`.replace('    links: [api]\n', '    links: [api]\n    x-wireguard: {port: 51999}\n') },
    expect: ['error compose.yaml:5:25'],
    good: {
      'compose.yaml': `${LINKED}    x-wireguard: {port: 51998}\n`.replace('    links: [api]\n', '    links: [api]\n    x-wireguard: {port: 51999}\n'),
      'wg-compose.lock': lockfile('p', { api: [['10.150.0.1'], 51998], web: [['10.150.0.2'], 51999] }, ['api:web']),
    },
  },
  {
    name: 'an address pool that is not a network',
    code: 'WGC053',
    bad: { 'compose.yaml': `x-wireguard:\n  pool: 10.9.0.1/24\n${LINKED}` },
    expect: ['error compose.yaml:2:9'],
    good: {
      'compose.yaml': `x-wireguard:\n  pool: 10.9.0.0/24\n${LINKED}`,
      'wg-compose.lock': lockfile('p', { api: [['10.9.0.1'], 51820], web: [['10.9.0.2'], 51821] }, ['api:web']),
    },
  },
  {
    name: 'lockfile unreadable',
    code: 'WGC061',
    bad: { 'compose.yaml': LINKED, 'wg-compose.lock': '{ not json' },
    // At the token JSON stops at; the parser's own message (which quotes the input) is not kept.
    expect: ['error wg-compose.lock:1:3'],
    good: { 'compose.yaml': LINKED, 'wg-compose.lock': LINKED_LOCK },
  },
  {
    name: 'lockfile drift: a linked service the lockfile does not know',
    code: 'WGC063',
    bad: { 'compose.yaml': `${LINKED}  db:\n    image: db\n    links: [api]\n`, 'wg-compose.lock': LINKED_LOCK },
    // the service, and its new pair at the link
    expect: ['error compose.yaml:7:3', 'error compose.yaml:9:13'],
    good: {
      'compose.yaml': `${LINKED}  db:\n    image: db\n    links: [api]\n`,
      'wg-compose.lock': lockfile('p', { api: [['10.150.0.1'], 51820], db: [['10.150.0.3'], 51822], web: [['10.150.0.2'], 51821] }, ['api:db', 'api:web']),
    },
  },
  {
    name: 'lockfile drift: a stale service and pair',
    code: 'WGC063',
    bad: {
      'compose.yaml': LINKED,
      'wg-compose.lock': lockfile('p', { api: [['10.150.0.1'], 51820], db: [['10.150.0.3'], 51822], web: [['10.150.0.2'], 51821] }, ['api:db', 'api:web']),
    },
    // at the entries: "db" under "services", "api:db" under "links"
    expect: ['error wg-compose.lock:13:5', 'error wg-compose.lock:31:5'],
    good: { 'compose.yaml': LINKED, 'wg-compose.lock': LINKED_LOCK },
  },
  {
    name: 'lockfile drift: a pin changed since the last render',
    code: 'WGC063',
    bad: { 'compose.yaml': `${LINKED}    x-wireguard: {address: 10.150.0.9}\n`, 'wg-compose.lock': LINKED_LOCK },
    expect: ['error compose.yaml:7:28'],
    good: {
      'compose.yaml': `${LINKED}    x-wireguard: {address: 10.150.0.9}\n`,
      'wg-compose.lock': lockfile('p', { api: [['10.150.0.9'], 51820], web: [['10.150.0.2'], 51821] }, ['api:web']),
    },
  },
  {
    name: 'no lockfile yet: a note',
    code: 'WGC064',
    bad: { 'compose.yaml': LINKED },
    expect: ['note compose.yaml:1:1'],
    good: { 'compose.yaml': LINKED, 'wg-compose.lock': LINKED_LOCK },
  },
  {
    name: 'no lockfile yet, --locked: an error',
    code: 'WGC064',
    args: ['--locked'],
    bad: { 'compose.yaml': LINKED },
    expect: ['error compose.yaml:1:1'],
    good: { 'compose.yaml': LINKED, 'wg-compose.lock': LINKED_LOCK },
  },
];

/** A project in a directory named "p" (the project name the lockfiles above use). */
function inP(files: Record<string, string>): string {
  const root = project({});
  const dir = join(root, 'p');
  mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

for (const c of CASES) {
  test(`${c.code} ${c.name}: reported at its line`, async () => {
    const dir = inP(c.bad);
    const { code, report } = await checkJson([...(c.args ?? []), 'compose.yaml'], dir);
    assert.equal(where(report, c.code), c.expect, JSON.stringify(report.diagnostics, null, 1));
    const failing = c.expect.some((e) => e.startsWith('error'));
    assert.is(code, failing ? 1 : 0);
  });
  test(`${c.code} ${c.name}: not reported once fixed`, async () => {
    const dir = inP(c.good);
    const { code, report } = await checkJson([...(c.args ?? []), 'compose.yaml'], dir);
    assert.equal(where(report, c.code), [], JSON.stringify(report.diagnostics, null, 1));
    assert.equal(report.diagnostics, [], 'the fixed project is clean');
    assert.is(code, 0);
  });
}

// The rules about the files around a project: secret file modes and symbolic links.
const STATE_FILES = (dir: string) => {
  mkdirSync(join(dir, '.wg-compose', 'p'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, '.wg-compose', 'master.key'), 'x\n', { mode: 0o600 });
  writeFileSync(join(dir, '.wg-compose', 'p', 'web.conf'), '[Interface]\n', { mode: 0o600 });
};

test('WGC066 a secret file readable by others: reported at the file', async () => {
  const dir = inP({ 'compose.yaml': LINKED, 'wg-compose.lock': LINKED_LOCK });
  STATE_FILES(dir);
  chmodSync(join(dir, '.wg-compose', 'p', 'web.conf'), 0o644);
  chmodSync(join(dir, '.wg-compose', 'master.key'), 0o640);
  const { code, report } = await checkJson(['compose.yaml'], dir);
  assert.equal(where(report, 'WGC066'), ['error .wg-compose/master.key:1:1', 'error .wg-compose/p/web.conf:1:1']);
  assert.match(report.diagnostics[0]!.hint!, /^chmod 600 /);
  assert.is(code, 1);
});

test('WGC066 secret files of mode 0600: not reported', async () => {
  const dir = inP({ 'compose.yaml': LINKED, 'wg-compose.lock': LINKED_LOCK });
  STATE_FILES(dir);
  const { code, report } = await checkJson(['compose.yaml'], dir);
  assert.equal(report.diagnostics, []);
  assert.is(code, 0);
});

test('WGC066 the master secret named by WG_COMPOSE_MASTER_KEY_FILE, readable by others', async () => {
  const dir = inP({ 'compose.yaml': LINKED, 'wg-compose.lock': LINKED_LOCK });
  const key = join(project({}), 'team.key');
  writeFileSync(key, 'x\n', { mode: 0o644 });
  chmodSync(key, 0o644);
  const bad = await checkJson(['compose.yaml'], dir, { WG_COMPOSE_MASTER_KEY_FILE: key });
  assert.equal(where(bad.report, 'WGC066'), [`error ${key}:1:1`]);
  chmodSync(key, 0o600);
  const good = await checkJson(['compose.yaml'], dir, { WG_COMPOSE_MASTER_KEY_FILE: key });
  assert.equal(good.report.diagnostics, []);
});

test('WGC067 a symbolic link in the state directory: reported; a regular file is not', async () => {
  const dir = inP({ 'compose.yaml': LINKED, 'wg-compose.lock': LINKED_LOCK });
  STATE_FILES(dir);
  symlinkSync('/etc/hostname', join(dir, '.wg-compose', 'p', 'api.conf'));
  const { code, report } = await checkJson(['compose.yaml'], dir);
  assert.equal(where(report, 'WGC067'), ['error .wg-compose/p/api.conf:1:1']);
  assert.is(code, 1);
});

test('--strict: a warning fails the check; without it, it does not', async () => {
  const dir = inP({ 'compose.yaml': `${LINKED}    external_links: ["other_db_1:db"]\n`, 'wg-compose.lock': LINKED_LOCK });
  assert.is((await checkJson(['compose.yaml'], dir)).code, 0);
  assert.is((await checkJson(['--strict', 'compose.yaml'], dir)).code, 1);
  // A note never fails, not even with --strict.
  const noted = inP({ 'compose.yaml': LINKED });
  const r = await checkJson(['--strict', 'compose.yaml'], noted);
  assert.equal(where(r.report, 'WGC064'), ['note compose.yaml:1:1']);
  assert.is(r.code, 0);
});

test('a project without links needs no lockfile', async () => {
  const dir = inP({ 'compose.yaml': 'services:\n  web:\n    image: nginx\n' });
  const { code, report } = await checkJson(['--locked', 'compose.yaml'], dir);
  assert.equal(report.diagnostics, []);
  assert.is(code, 0);
});

test.run();
