// The stack for Docker Swarm (render --target swarm): what each linked service carries (its
// secret, its labels, its link names), the node agent, what is left out and reported, and
// that docker/cli's own stack loader accepts the result.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import type { Diagnostic } from '../../src/diagnostics.js';
import { memoryReader } from '../../src/load/io.js';
import { analyze, compile, type Compiled } from '../../src/pipeline.js';
import { EMPTY_LOCK, type Lockfile } from '../../src/state/lockfile.js';
import { masterKeySource, type KeyChanges } from '../../src/topology/key-source.js';
import { rotatedIn } from '../../src/cli/stage-keys.js';
import { project, runCli } from '../helpers/cli.js';

type Svc = Record<string, unknown> & { labels?: Record<string, string>; secrets?: unknown[]; extra_hosts?: string[] };
interface Stack {
  version: string;
  services: Record<string, Svc>;
  secrets: Record<string, { file: string; name: string; labels: Record<string, string> }>;
}

const MASTER = new Uint8Array(32).fill(7);

async function compileSwarm(yaml: string, lock: Lockfile = EMPTY_LOCK, changes: KeyChanges = {}): Promise<{ c: Compiled; diagnostics: Diagnostic[] }> {
  const { analysis, diagnostics } = analyze(
    { files: ['/p/compose.yaml'], envFiles: [], profiles: [], projectName: 'demo', target: 'swarm' },
    { cwd: '/p', env: {}, reader: memoryReader({ '/p/compose.yaml': yaml }) },
  );
  assert.ok(analysis, JSON.stringify(diagnostics));
  const c = await compile(analysis, lock, masterKeySource(MASTER, 'demo'), changes);
  assert.equal(c.diagnostics, []);
  return { c, diagnostics };
}

const LINKED = `
services:
  web:
    image: web:1
    links: ["api:backend"]
    labels: [tier=front]
    extra_hosts: ["legacy:192.0.2.7"]
  api:
    image: api:1
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
  cron:
    image: cron:1
    scale: 3
`;

test('each linked service (each replica) carries its own config as a root-only swarm secret, and labels that ask for a sidecar', async () => {
  const { c } = await compileSwarm(LINKED);
  const s = parse(c.stack) as Stack;
  assert.is(s.version, '3.8');
  assert.equal(Object.keys(s.services), ['web', 'api', 'api-2', 'cron', 'wg-compose-agent']);
  for (const name of ['web', 'api', 'api-2']) {
    const svc = s.services[name]!;
    assert.equal(svc.secrets, [{ source: `${name}-wg-conf`, target: 'wg-compose-wg0.conf', uid: '0', gid: '0', mode: 0o400 }], name);
    assert.is(svc.labels!['dev.wg-compose.role'], 'task');
    assert.is(svc.labels!['dev.wg-compose.service'], name);
    assert.is(svc.labels!['dev.wg-compose.secret'], 'wg-compose-wg0.conf');
    const secret = s.secrets[`${name}-wg-conf`]!;
    assert.is(secret.file, `./.wg-compose/demo/swarm/${name}.conf`);
    assert.match(secret.name, new RegExp(`^demo_${name}-wg-conf-[0-9a-f]{12}$`));
    assert.ok(!('links' in svc) && !('network_mode' in svc), name);
  }
  // The user's labels are kept beside ours; a slot answers to its service's name.
  assert.is(s.services['web']!.labels!['tier'], 'front');
  assert.equal(s.services['api-2']!['networks'], { default: { aliases: ['api'] } });
  assert.equal(s.services['api']!['deploy'], { endpoint_mode: 'dnsrr' });
  // The link name resolves to every replica; the user's own entry stays.
  assert.equal(s.services['web']!.extra_hosts, ['legacy:192.0.2.7', `backend:${c.topology.nodes.get('api')!.addresses[0]}`, `backend:${c.topology.nodes.get('api-2')!.addresses[0]}`]);
  // A service that is not linked is left alone, but for compose's `scale`, which swarm spells deploy.replicas.
  assert.equal(s.services['cron'], { image: 'cron:1', deploy: { replicas: 3 } });
});

test('the node agent: global, the engine socket and the containers directory, no secret', async () => {
  const { c } = await compileSwarm(LINKED);
  const agent = (parse(c.stack) as Stack).services['wg-compose-agent']!;
  assert.equal(agent['deploy'], { mode: 'global', restart_policy: { condition: 'any', delay: '2s' }, update_config: { parallelism: 0 } });
  // In the order of their targets, as `docker service update` leaves them (src/cli/stage-keys.ts).
  assert.equal(
    (agent['volumes'] as { source: string; target: string }[]).map((v) => `${v.source}:${v.target}`),
    ['/var/lib/docker/containers:/node/containers', '/var/run/docker.sock:/var/run/docker.sock'],
  );
  assert.is(agent.secrets, undefined);
  assert.is((agent['environment'] as Record<string, string>)['WG_COMPOSE_PROJECT'], 'demo');
  assert.not.ok('cap_add' in agent || 'privileged' in agent);
});

test('peers dial each other at their tasks\' addresses (tasks.PROJECT_NAME), never at a name a link or a replica alias shadows', async () => {
  const { c } = await compileSwarm(LINKED);
  const web = c.configs.get('web')!;
  // Not tasks.api: api-2 carries "api" as a network alias, so tasks.api answers with both slots.
  assert.match(web, /Endpoint = tasks\.demo_api:\d+/);
  assert.match(web, /Endpoint = tasks\.demo_api-2:\d+/);
  assert.not.match(web, /Endpoint = tasks\.api[:-]/);
  assert.match(c.configs.get('api-2')!, /Endpoint = tasks\.demo_web:\d+/);
  const aliases = (parse(c.stack) as Stack).services['api-2']!['networks'];
  assert.match(JSON.stringify(aliases), /"api"/, 'the replica alias that made the short name ambiguous is there');
});

test('no key material anywhere in the swarm stack', async () => {
  const { c } = await compileSwarm(LINKED);
  for (const key of [...c.secrets.privateKeys.values(), ...c.secrets.presharedKeys.values()]) assert.not.ok(c.stack.includes(key));
});

test('a task\'s secret names no peer\'s public key; the agent carries them all, and each task names its peers', async () => {
  const { c } = await compileSwarm(LINKED);
  const s = parse(c.stack) as Stack;
  const web = c.configs.get('web')!;
  assert.not.match(web, /PublicKey/);
  assert.is(web.match(/^\[Peer\]$/gm)?.length, 2);
  assert.is(web.match(/^PresharedKey = /gm)?.length, 2);
  assert.is(s.services['web']!.labels!['dev.wg-compose.peers'], 'api api-2');
  assert.is(s.services['api-2']!.labels!['dev.wg-compose.peers'], 'web');
  const table = s.services['wg-compose-agent']!.labels!['dev.wg-compose.public-keys']!;
  assert.equal(
    table.split('\n'),
    ['api', 'api-2', 'web'].map((n) => `${n} ${c.topology.nodes.get(n)!.publicKey} ${c.topology.nodes.get(n)!.addresses.join(' ')}`),
  );
  // The configs on one host keep their peers' keys: compose has no agent.
  const { analysis } = analyze(
    { files: ['/p/compose.yaml'], envFiles: [], profiles: [], projectName: 'demo', target: 'compose' },
    { cwd: '/p', env: {}, reader: memoryReader({ '/p/compose.yaml': LINKED }) },
  );
  const compose = await compile(analysis!, c.lock, masterKeySource(MASTER, 'demo'));
  assert.is(compose.configs.get('web')!.match(/^PublicKey = /gm)?.length, 2);
});

test('a rotated key is a new secret for that service only: its peers keep theirs (and their tasks), the agent gets the new key', async () => {
  const { c } = await compileSwarm(LINKED);
  const before = parse(c.stack) as Stack;
  const { c: again } = await compileSwarm(LINKED, c.lock);
  assert.equal((parse(again.stack) as Stack).secrets, before.secrets, 'a re-render names the same secrets');
  const { c: rotated } = await compileSwarm(LINKED, c.lock, { rotateServices: new Set(['api-2']) });
  const after = parse(rotated.stack) as Stack;
  assert.is.not(after.secrets['api-2-wg-conf']!.name, before.secrets['api-2-wg-conf']!.name);
  for (const peer of ['web', 'api']) {
    assert.is(after.secrets[`${peer}-wg-conf`]!.name, before.secrets[`${peer}-wg-conf`]!.name, peer);
    assert.equal(after.services[peer], before.services[peer], `${peer}'s service is unchanged, so swarm restarts none of its tasks`);
  }
  const keys = (st: Stack) => st.services['wg-compose-agent']!.labels!['dev.wg-compose.public-keys']!;
  assert.is.not(keys(after), keys(before));
  assert.equal(rotatedIn(keys(before), keys(after)), ['api-2']);
  // A link's rotation changes its preshared key, which both ends' secrets hold.
  const { c: link } = await compileSwarm(LINKED, c.lock, { rotateLinks: new Set(['api-2:web']) });
  const linked = parse(link.stack) as Stack;
  assert.is.not(linked.secrets['web-wg-conf']!.name, before.secrets['web-wg-conf']!.name);
  assert.is.not(linked.secrets['api-2-wg-conf']!.name, before.secrets['api-2-wg-conf']!.name);
  assert.is(linked.secrets['api-wg-conf']!.name, before.secrets['api-wg-conf']!.name);
  assert.equal(rotatedIn(keys(before), keys(linked)), []);
});

test('WGC110/WGC111: what the stack format lacks is left out, what swarm ignores is said, at their lines', async () => {
  const { c, diagnostics } = await compileSwarm(`
services:
  web:
    image: web:1
    links: [api]
    pull_policy: always
    depends_on: [api]
    restart: always
  api:
    image: api:1
`);
  assert.equal(
    diagnostics.map((d) => `${d.severity} ${d.code} ${d.pos?.line}:${d.pos?.col}`),
    ['warning WGC110 6:5', 'warning WGC111 7:5', 'warning WGC111 8:5'],
  );
  const web = (parse(c.stack) as Stack).services['web']!;
  assert.not.ok('pull_policy' in web);
  assert.ok('restart' in web && 'depends_on' in web, 'kept: docker/cli ignores them itself');
});

test('check --target swarm: the same reports at their lines, as a pre-commit check; without it, none', async () => {
  const dir = project({ 'compose.yaml': 'services:\n  web:\n    image: web:1\n    links: [api]\n    restart: always\n  api:\n    image: api:1\n    pull_policy: always\n' });
  const r = await runCli(['check', '--target', 'swarm', '--strict'], { cwd: dir });
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, 'compose.yaml:5:5: warning WGC111: "restart" of service "web" is ignored by swarm');
  assert.match(r.stderr, 'compose.yaml:8:5: warning WGC110: "pull_policy" of service "api"');
  const plain = await runCli(['check', '--strict'], { cwd: dir });
  assert.not.match(plain.stderr, /WGC11[01]/);
});

test('docker/cli\'s stack loader accepts the stack (docker stack config)', async () => {
  const { c } = await compileSwarm(LINKED);
  const dir = mkdtempSync(join(tmpdir(), 'wgc-swarm-'));
  try {
    writeFileSync(join(dir, 'stack.yml'), c.stack);
    const r = spawnSync('docker', ['stack', 'config', '-c', 'stack.yml'], { cwd: dir, encoding: 'utf8', env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent' } });
    if (r.error) throw new Error(`a docker CLI with "stack config" is required for this test: ${r.error.message}`);
    assert.is(r.status, 0, r.stderr);
    const loaded = parse(r.stdout) as Stack;
    assert.equal(Object.keys(loaded.services).sort(), ['api', 'api-2', 'cron', 'web', 'wg-compose-agent']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
