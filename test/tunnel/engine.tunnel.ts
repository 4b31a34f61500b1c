// The engine emulation itself, without namespaces: what it reads from a rendered stack and
// what it would put in each service's /etc/hosts.
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { composeInterpolate, hostsFile, readStack, type StackView } from './engine.js';
import { cleanup } from './netns.js';
import { renderProject, type Rendered } from './project.js';

const WEBAPP = fileURLToPath(new URL('../../../examples/webapp', import.meta.url));
let rendered: Rendered;
let view: StackView;

test.before(async () => {
  rendered = await renderProject('webapp', WEBAPP, ['-f', 'compose.yaml']);
  view = readStack(rendered.stack, rendered.dir);
});
test.after(cleanup);

test('compose interpolation: "$$" is a literal "$"; a lone "$" would be a variable the stack left open', () => {
  assert.is(composeInterpolate('a$$b $${x} $$$$'), 'a$b ${x} $$');
  assert.throws(() => composeInterpolate({ services: { s: { command: ['echo $HOME'] } } }), /"\$H" at services\.s\.command\[0\]/);
  assert.throws(() => composeInterpolate('trailing $'), /compose interpolation/);
});

test('the stack is read from its namespace owners and sidecars, and the sidecar runs the shipped script', () => {
  assert.equal(view.services.map((s) => s.name), ['web', 'api', 'db', 'redis']);
  assert.equal(view.networks, ['front', 'back']);
  const api = view.services.find((s) => s.name === 'api')!;
  assert.is(api.owner, 'api-wgns');
  assert.equal(api.networks.map((n) => n.name), ['front', 'back']);
  assert.equal(api.extraHosts, [
    { name: 'cache', address: '10.150.0.2' },
    { name: 'database', address: '10.150.0.1' },
  ]);
  assert.equal(api.argv.slice(0, 2), ['/bin/sh', '-c']);
  assert.ok(api.argv[2]!.includes('wg-quick up') && !api.argv[2]!.includes('$$'), 'the script, with compose escaping undone');
  assert.equal(api.secrets, [{ file: `${rendered.dir}/.wg-compose/webapp/api.conf`, target: '/run/secrets/wg0.conf' }]);
  assert.equal(api.environment, { WG_COMPOSE_INTERFACE: 'wg0', WG_COMPOSE_CONFIG: '/run/secrets/wg0.conf', WG_COMPOSE_STATUS: '/run/wg-compose/status' });
  assert.equal(api.volumes, [{ source: `${rendered.dir}/.wg-compose/webapp/status/api`, target: '/run/wg-compose/status' }], 'its own status directory only');
  assert.equal(api.healthcheck, ['test', '-f', '/run/wg-compose.ready']);
  assert.is(view.pool4, '10.150.0.0/24');
});

test('hosts: extra_hosts first; DNS names only for names extra_hosts does not give; only shared networks', () => {
  const running = new Map([
    ['web', { front: '172.31.0.2' }],
    ['api', { front: '172.31.0.3', back: '172.31.1.3' }],
    ['db', { back: '172.31.1.4' }],
  ] as [string, Record<string, string>][]);
  const addressOf = (s: { name: string }, net: string) => running.get(s.name)?.[net];
  const web = hostsFile(view, view.services.find((s) => s.name === 'web')!, addressOf);
  const lines = web.split('\n').filter((l) => l && !l.startsWith('#'));
  // "api" is a link name: the tunnel address, and not also the DNS answer (the api's alias).
  assert.equal(lines.filter((l) => l.endsWith('\tapi')), ['10.150.0.10\tapi']);
  assert.ok(lines.includes('172.31.0.3\tapi-wgns'), 'the endpoint name resolves on the shared network');
  assert.not.ok(web.includes('db-wgns'), 'db shares no network with web');
  const api = hostsFile(view, view.services.find((s) => s.name === 'api')!, addressOf);
  assert.ok(api.includes('172.31.1.4\tdb-wgns'));
  assert.not.ok(api.includes('redis-wgns'), 'redis is not running: the engine has no name for it');
});

test.run();
