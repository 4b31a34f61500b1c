// `-f -`: the compose file from standard input, as compose reads it — the project directory is
// the working directory, and the state and lockfile go there.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { fixedMaster, project, runCli } from '../helpers/cli.js';

const LINKED = 'services:\n  web:\n    image: nginx\n    links: [api]\n  api:\n    image: api\n';

test('render -f - reads the compose file from stdin; the working directory is the project directory', async () => {
  const dir = project({ 'unrelated.yaml': 'services:\n  other:\n    image: x\n' });
  const env = fixedMaster(dir);
  const r = await runCli(['render', '-f', '-'], { cwd: dir, env, stdin: LINKED });
  assert.is(r.code, 0, r.stderr);
  const stack = parse(r.stdout) as { services: Record<string, unknown> };
  assert.ok('web-wg' in stack.services && 'api-wg' in stack.services, Object.keys(stack.services).join(', '));
  assert.ok(existsSync(join(dir, 'wg-compose.lock')), 'the lockfile in the working directory');
  const name = dir.split('/').pop()!.toLowerCase().replace(/[^a-z0-9_-]/g, '');
  assert.ok(existsSync(join(dir, '.wg-compose', name, 'web.conf')), 'state in the working directory, named after it');
  assert.match(readFileSync(join(dir, 'wg-compose.lock'), 'utf8'), /api/);
});

test('-f - merges with other files in order, and diagnostics point into <stdin>', async () => {
  const dir = project({ 'base.yaml': 'services:\n  api:\n    image: api\n' });
  const r = await runCli(['render', '-f', 'base.yaml', '-f', '-'], { cwd: dir, env: fixedMaster(dir), stdin: 'services:\n  web:\n    image: nginx\n    links: [apii]\n' });
  assert.is(r.code, 1);
  assert.match(r.stderr, /^<stdin>:4:13: error WGC040: service "web" links to "apii"/m);
});

test('-f - without standard input is WGC001; import cannot take both the compose file and the key from stdin', async () => {
  const dir = project({});
  const none = await runCli(['render', '-f', '-'], { cwd: dir, env: fixedMaster(dir) });
  assert.is(none.code, 1);
  assert.match(none.stderr, /error WGC001: cannot read compose file: nothing on standard input/);
  const both = await runCli(['import', 'api', '-f', '-'], { cwd: dir, env: fixedMaster(dir), stdin: LINKED });
  assert.is(both.code, 2);
  assert.match(both.stderr, /error WGC103: standard input holds the compose file \(-f -\)/);
});

test.run();
