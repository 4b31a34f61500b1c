// check reads the projects it is given through the injected reader, as the loader does: with an
// in-memory tree it finds and checks projects that are not on the disk at all.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runChecks } from '../../src/check/check.js';
import { findTargets } from '../../src/check/targets.js';
import { memoryReader } from '../../src/load/io.js';

const FILES = {
  '/nowhere/app/compose.yaml': 'services:\n  web:\n    image: x\n    links: [apii]\n  api:\n    image: y\n',
  '/nowhere/app/compose.prod.yaml': 'services:\n  web:\n    image: z\n',
  '/nowhere/other/docker-compose.yml': 'services:\n  a:\n    image: x\n',
  '/nowhere/node_modules/pkg/compose.yaml': 'services: {}\n',
};

test('targets: directories walked, overlays merged over their base, skipped directories skipped, all in memory', () => {
  const envr = { cwd: '/nowhere', env: {}, reader: memoryReader(FILES) };
  const found = findTargets(['.', 'missing.yaml'], envr);
  assert.equal(found.missing, ['missing.yaml']);
  assert.equal(
    found.targets.map((t) => [t.files, t.lockfile]),
    [
      [['/nowhere/app/compose.yaml', '/nowhere/app/compose.prod.yaml'], false],
      [['/nowhere/app/compose.yaml'], true],
      [['/nowhere/other/docker-compose.yml'], true],
    ],
  );
});

test('checks: the diagnostics of a project only the reader holds, at their positions', () => {
  const envr = { cwd: '/nowhere', env: {}, reader: memoryReader(FILES) };
  const found = findTargets(['app/compose.yaml'], envr);
  const r = runChecks(found.targets, envr, { profiles: [], locked: false }, found.stateOwners);
  assert.equal(r.files, ['/nowhere/app/compose.yaml']);
  assert.equal(
    r.diagnostics.map((d) => `${d.code} ${d.pos?.file}:${d.pos?.line}:${d.pos?.col}`),
    ['WGC040 /nowhere/app/compose.yaml:4:13'],
  );
});

test.run();
