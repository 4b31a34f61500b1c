// The differential tier: real compose files (cases.ts) rendered by wg-compose and compared
// with what docker-compose 1.29.2 makes of them (`docker-compose config`, no daemon needed).
// The rendered stack, stripped of what wg-compose adds on purpose (strip.ts), goes through
// `docker-compose config` too, so both sides are spelled alike; then every service key and
// every top-level section is compared (compare.ts). A difference must be on the allow-list
// (allowed.ts: known, documented in the README, each with its reason), or the test fails.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, stringify } from 'yaml';
import { fixedMaster, project, runCli } from '../helpers/cli.js';
import { ALLOWED, allowedFor } from './allowed.js';
import { CASES } from './cases.js';
import { compareConfigs } from './compare.js';
import { stripStack } from './strip.js';

const probe = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
const available = !probe.error && probe.status === 0;
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp' };

/** `docker-compose config` of a project: its reading of the files, in its own spelling. */
async function composeConfig(dir: string, args: readonly string[]): Promise<Record<string, unknown>> {
  try {
    const r = await promisify(execFile)('docker-compose', ['-p', 'diff', ...args, 'config'], { cwd: dir, encoding: 'utf8', env: ENV });
    return parse(r.stdout) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`docker-compose ${args.join(' ')} config failed: ${(e as { stderr?: string }).stderr ?? String(e)}`);
  }
}

if (!available) {
  test('differential tier: docker-compose is on PATH', () => {
    // In CI (scripts/install-test-deps.sh installs it) its absence is a failure, not a skip.
    if (process.env['CI'] === 'true') assert.unreachable(`docker-compose is required in CI (scripts/install-test-deps.sh): ${probe.error?.message ?? probe.stderr}`);
    console.log('  differential tier skipped: docker-compose is not on PATH');
  });
} else {
  test(`differential tier: ${CASES.length} cases against docker-compose ${probe.stdout.trim()}`, async () => {
    let compared = 0;
    let identical = 0;
    const reasons = new Map<string, number>();
    const unexplained: string[] = [];
    for (const c of CASES) {
      const dir = project(c.files);
      try {
        // docker-compose reads the input while wg-compose renders it (two cores, one python start each).
        const input = composeConfig(dir, c.args);
        input.catch(() => undefined);
        const r = await runCli(['render', '-p', 'diff', ...c.args], { cwd: dir, env: fixedMaster(dir) });
        assert.is(r.code, 0, `${c.name}: ${r.stderr}`);
        writeFileSync(join(dir, 'stripped.yml'), stringify(stripStack(parse(r.stdout) as Record<string, unknown>)));
        const result = compareConfigs(await input, await composeConfig(dir, ['-f', 'stripped.yml']));
        compared += result.compared;
        identical += result.compared - result.differences.length;
        for (const d of result.differences) {
          const rule = allowedFor(c.name, d);
          if (rule) reasons.set(rule.id, (reasons.get(rule.id) ?? 0) + 1);
          else unexplained.push(`${c.name}: ${d.path}: docker-compose ${JSON.stringify(d.compose)}, wg-compose ${JSON.stringify(d.rendered)}`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const differing = compared - identical;
    console.log(`  differential: ${CASES.length} cases, ${compared} keys compared, ${identical} identical, ${differing} differing`);
    for (const rule of ALLOWED) console.log(`    ${reasons.get(rule.id) ?? 0} × ${rule.id}: ${rule.reason}`);
    for (const u of unexplained) console.log(`    NOT ALLOWED ${u}`);
    assert.equal(unexplained, [], 'every difference is a known, documented one');
    assert.ok(identical > 0 && compared >= CASES.length, 'the cases compared something');
    // An allow-list entry no case needs any more is stale: the difference it documents is gone.
    assert.equal(ALLOWED.filter((r) => !reasons.has(r.id)).map((r) => r.id), [], 'every allow-list entry is still needed');
  });
}

test.run();
