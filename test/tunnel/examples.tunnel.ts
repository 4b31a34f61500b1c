// Tunnel tier: every bundled example, rendered as its README says, runs in network
// namespaces with the real wg-quick and wireguard-go; linked pairs pass traffic, the others
// do not (checks.ts says how).
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import { proveStack } from './checks.js';
import { cleanup, sweepStale } from './netns.js';
import { renderProject } from './project.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

const RUNS: { dir: string; args: string[] }[] = [
  { dir: 'webapp', args: ['-f', 'compose.yaml'] },
  { dir: 'legacy-v1', args: ['-f', 'docker-compose.yml'] },
  { dir: 'v2-format', args: ['-f', 'docker-compose.yml'] },
  { dir: 'multi-network', args: ['-f', 'compose.yaml'] },
  // production: the override file (keepalive, pinned addresses) and every profile
  { dir: 'multi-network', args: ['-f', 'compose.yaml', '-f', 'compose.prod.yaml', '--profile', 'debug', '--profile', 'ops'] },
  // replicas: each replica its own peer, reached at its own address and through the link name
  { dir: 'replicas', args: ['-f', 'compose.yaml'] },
];

test.before(() => {
  sweepStale();
});
test.after(cleanup);

for (const run of RUNS) {
  test(`tunnels: example ${run.dir} ${run.args.join(' ')}`, async () => {
    const rendered = await renderProject(run.dir, `${EXAMPLES}${run.dir}`, run.args);
    await proveStack(`${run.dir} ${run.args.join(' ')}`, rendered);
  });
}

test.run();
