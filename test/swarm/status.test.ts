// deploy's view of a swarm stack: `docker stack ps` and the agents' status lines in `docker
// service logs`, turned into one state per linked service (src/swarm/status.ts). The text is
// as docker 20.10 prints it; the running swarm is the swarm tier's (swarm.slow.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assessSwarm, describeState, parseKeysCurrent, parseStatus, parseTasks, progressLine } from '../../src/swarm/status.js';
import type { Node, Topology } from '../../src/topology/topology.js';

const node = (name: string, publicKey: string, peers: string[]): Node => ({
  name,
  addresses: ['10.0.0.1'],
  listenPort: 51820,
  publicKey,
  epoch: 0,
  mtu: 1370,
  peers: peers.map((p) => ({ service: p, aliases: [p], publicKey: `${p}-key`, allowedIPs: [], endpoint: `tasks.${p}:51820`, keepalive: 0 })),
  hosts: [],
});
const TOPOLOGY: Topology = {
  project: 'p',
  nodes: new Map([
    ['web', node('web', 'web-key', ['api', 'api-2'])],
    ['api', node('api', 'api-key', ['web'])],
    ['api-2', node('api-2', 'api-2-key', ['web'])],
  ]),
  links: new Map(),
};

const task = (id: string, name: string, node: string, current: string, error = '', desired = 'Running') =>
  JSON.stringify({ ID: id, Name: name, Node: node, DesiredState: desired, CurrentState: current, Error: error, Image: 'x', Ports: '' });

const TASKS = [
  task('t1', 'p_web.1', 's1', 'Running 5 seconds ago'),
  task('t2', 'p_api.1', 's2', 'Running 4 seconds ago'),
  task('t0', 'p_api-2.1', 's3', 'Shutdown 9 seconds ago', 'task: non-zero exit (137)', 'Shutdown'),
  task('t3', 'p_api-2.1', 's3', 'Running 3 seconds ago'),
  task('a1', 'p_wg-compose-agent.abcdef', 's1', 'Running 6 seconds ago'),
].join('\n');

const LOGS = [
  'p_wg-compose-agent.abcdef.a1@s1    | wg-compose-agent: node s1, data root /var/lib/docker, project p, sidecar image x',
  'p_wg-compose-agent.abcdef.a1@s1    | wg-compose-agent: status web p_web.1.t1 up 1/2 waiting=api-2-key',
  'p_wg-compose-agent.ghijkl.a2@s2    | wg-compose-agent: status api p_api.1.t2 up 1/1',
  'p_wg-compose-agent.mnopqr.a3@s3    | wg-compose-agent: status api-2 p_api-2.1.t0 up 1/1',
  'p_wg-compose-agent.mnopqr.a3@s3    | wg-compose-agent: status api-2 p_api-2.1.t3 down',
].join('\n');

test('tasks and status lines, the last per task; a replaced task does not count for its slot', () => {
  const tasks = parseTasks(TASKS);
  assert.is(tasks.length, 5);
  const status = parseStatus(LOGS);
  assert.equal([...status.keys()].sort(), ['t0', 't1', 't2', 't3']);
  assert.equal(status.get('t1'), { service: 'web', taskId: 't1', node: 's1', up: true, handshaken: 1, peers: 2, waiting: ['api-2-key'] });
  const states = assessSwarm('p', TOPOLOGY, tasks, status);
  assert.equal(states.get('api'), { kind: 'ready', node: 's2' });
  // t0 was up, but it is gone: its replacement t3 is what counts, and it is down.
  assert.equal(states.get('api-2'), { kind: 'down', node: 's3' });
  assert.equal(states.get('web'), { kind: 'waiting', node: 's1', peers: ['api-2'] });
  assert.is(progressLine(states), 'tasks running 3/3, tunnels up 1/3 (s1 0/1, s2 1/1, s3 0/1)');
  assert.match(describeState('web', states.get('web')!), 'no handshake yet from api-2');
});

test('a service with no running task says why; one with no status names its node', () => {
  const tasks = parseTasks([task('t1', 'p_web.1', 's1', 'Rejected 2 seconds ago', 'No such image: localhost/app', 'Running'), task('t2', 'p_api.1', 's2', 'Running 1 second ago')].join('\n'));
  const states = assessSwarm('p', TOPOLOGY, tasks, new Map());
  assert.match(describeState('web', states.get('web')!), 'no running task (Rejected 2 seconds ago: No such image: localhost/app)');
  assert.match(describeState('api', states.get('api')!), 'task running on node s2, but no sidecar status');
  assert.match(describeState('api-2', states.get('api-2')!), 'no task scheduled yet');
  // p_api.1 is api's task, never api-2's (a prefix of its name).
  assert.is(states.get('api-2')!.kind, 'no-task');
});

test('lines that are not status lines, and garbage, are skipped', () => {
  assert.equal(parseTasks('not json\n{broken\n'), []);
  assert.equal(parseStatus('error from daemon\np_x.1@s1 | something else\n').size, 0);
});

test('the agent tasks that gave their sidecars the current keys (deploy waits for each before a rotated key rolls out)', () => {
  const logs = [
    'wgst_wg-compose-agent.0.izilhfaya728abcdefghijklm@s2    | wg-compose-agent: sidecar ca5fc2f9420c: staged key b7eB= for 10.153.0.2 (now mSbG=)',
    'wgst_wg-compose-agent.0.izilhfaya728abcdefghijklm@s2    | wg-compose-agent: keys current in 2 sidecar(s)',
    'wgst_wg-compose-agent.0.gzmrqlmulcxbabcdefghijklm@s1    | wg-compose-agent: keys current in 0 sidecar(s)',
    'wgst_wg-compose-agent.0.f0jrcrcrqk7kabcdefghijklm@s3    | wg-compose-agent: status api-2 wgst_api-2.1.x up 2/2',
    'wgst_web.1.abc@s1 | keys current in 2 sidecar(s)',
  ].join('\n');
  assert.equal([...parseKeysCurrent(logs)].sort(), ['gzmrqlmulcxbabcdefghijklm', 'izilhfaya728abcdefghijklm']);
});

test.run();
