// Every bundled example renders cleanly, as its README says, and the stack is accepted by
// the compose-spec schema and by a real compose implementation (docker-compose 1.29.2).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import type { JsonObject } from '../../src/load/located.js';
import { validateModel } from '../../src/validate/schema.js';
import { fixedMaster, runCli } from '../helpers/cli.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

const RUNS: { dir: string; args: string[]; peers: Record<string, string[]>; warnings?: RegExp; replicas?: Record<string, number> }[] = [
  { dir: 'webapp', args: ['-f', 'compose.yaml'], peers: { api: ['db', 'redis', 'web'], db: ['api'], redis: ['api'], web: ['api'] } },
  {
    dir: 'legacy-v1',
    args: ['-f', 'docker-compose.yml'],
    peers: { db: ['web', 'worker'], redis: ['web', 'worker'], web: ['db', 'redis'], worker: ['db', 'redis'] },
    warnings: /warning WGC045/,
  },
  { dir: 'v2-format', args: ['-f', 'docker-compose.yml'], peers: {} },
  { dir: 'multi-network', args: ['-f', 'compose.yaml'], peers: {} },
  { dir: 'multi-network', args: ['-f', 'compose.yaml', '-f', 'compose.prod.yaml', '--profile', 'debug', '--profile', 'ops'], peers: {} },
  {
    dir: 'replicas',
    args: ['-f', 'compose.yaml'],
    // Every replica a peer of its own: a link to api reaches api, api-2 and api-3.
    peers: {
      web: ['api', 'api-2', 'api-3'],
      'worker-2': ['api', 'api-2', 'api-3', 'db'],
      'api-3': ['db', 'web', 'worker', 'worker-2'],
      reports: ['db'],
    },
    replicas: { api: 3, worker: 2 },
  },
];

for (const run of RUNS) {
  test(`example ${run.dir} ${run.args.join(' ')}`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'wgc-example-'));
    const work = join(root, run.dir);
    try {
      cpSync(join(EXAMPLES, run.dir), work, { recursive: true });
      const env = fixedMaster(root);
      const r = await runCli(['render', ...run.args], { cwd: work, env });
      assert.is(r.code, 0, r.stderr);
      if (run.warnings) assert.match(r.stderr, run.warnings);
      else assert.is(r.stderr, '', 'renders without a warning');
      assert.equal(validateModel(parse(r.stdout) as JsonObject).map((d) => d.message), []);
      writeFileSync(join(work, 'stack.yml'), r.stdout);
      const dc = spawnSync('docker-compose', ['-f', 'stack.yml', 'config', '-q'], { cwd: work, encoding: 'utf8' });
      if (dc.error) throw new Error(`docker-compose is required for this test: ${dc.error.message}`);
      assert.is(dc.status, 0, dc.stderr);
      const show = JSON.parse((await runCli(['show', '--json', ...run.args], { cwd: work, env })).stdout) as {
        services: { name: string; peers: { service: string }[]; replicas?: { slot: number; service: string; addresses: string[] }[]; replicaOf?: { service: string; slot: number } }[];
      };
      assert.ok(show.services.length >= 2, 'the example has links');
      for (const [name, peers] of Object.entries(run.peers)) {
        assert.equal(show.services.find((s) => s.name === name)?.peers.map((p) => p.service), peers, name);
      }
      for (const [name, count] of Object.entries(run.replicas ?? {})) {
        const replicas = show.services.find((s) => s.name === name)?.replicas ?? [];
        assert.equal(replicas.map((r) => `${r.slot} ${r.service}`), Array.from({ length: count }, (_, i) => `${i + 1} ${i === 0 ? name : `${name}-${i + 1}`}`), name);
        assert.is(new Set(replicas.map((r) => r.addresses[0])).size, count, 'each replica has its own address');
        for (const r of replicas.slice(1)) assert.equal(show.services.find((s) => s.name === r.service)?.replicaOf, { service: name, slot: r.slot });
        // In the stack, every replica answers to the service's name on its networks.
        const stack = parse(r.stdout) as { services: Record<string, { networks?: Record<string, { aliases?: string[] }>; deploy?: unknown; scale?: unknown }> };
        for (const rep of replicas) {
          assert.ok(stack.services[`${rep.service}-wgns`]!.networks!['default']!.aliases!.includes(name), `${rep.service} answers to ${name}`);
          assert.is(stack.services[rep.service]!.scale, undefined);
        }
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test.run();
