// What the fuzz tests check on every case, whatever the input (DESIGN.md §7, issue #7): the
// real CLI never fails with an internal error or a stack trace, says everything as
// diagnostics, leaves no partial state, and does not pollute Object.prototype.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { fixedMaster, runCli } from '../helpers/cli.js';
import { stateProblems } from '../helpers/state.js';

/** `npm run test:fuzz` (CI too) runs many more cases, within a time budget per property. */
export const LONG = process.env['WG_COMPOSE_LONG_TESTS'] === '1';
export const fuzzOptions = (quickRuns: number) =>
  LONG ? { numRuns: 1_000_000, interruptAfterTimeLimit: Number(process.env['FUZZ_SECONDS'] ?? 45) * 1000, markInterruptAsFailure: false } : { numRuns: quickRuns };

/** One stderr line: a diagnostic, its hint, or render's one plain remark. */
const LINE = /^(?:[^\s].*:\d+:\d+|wg-compose): (?:error|warning|note) WGC\d{3}: \S|^ {2}hint: \S|^wg-compose: no links in this project; the stack is rendered unchanged$/;

const masterDir = mkdtempSync(join(tmpdir(), 'wgc-fuzz-master-'));
const ENV = { ...fixedMaster(masterDir), APP: 'x' };
const PROTOTYPE = Object.getOwnPropertyNames(Object.prototype).sort().join(',');

export const counts = new Map<string, number>();

/** Renders `files` in a fresh directory and checks everything that must hold; returns the exit code. */
export async function renderChecked(name: string, files: Record<string, string>, args: string[] = ['render', '-p', 'fuzz'], rendered?: (stack: unknown) => void): Promise<number> {
  counts.set(name, (counts.get(name) ?? 0) + 1);
  const dir = mkdtempSync(join(tmpdir(), 'wgc-fuzz-'));
  try {
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
    const t0 = Date.now();
    const r = await runCli(args, { cwd: dir, env: ENV });
    const ms = Date.now() - t0;
    const show = () => `exit ${r.code}, stderr:\n${r.stderr.slice(0, 2000)}`;
    assert.ok(r.code === 0 || r.code === 1, `never an internal or usage error: ${show()}`);
    assert.ok(ms < 10_000, `took ${ms} ms`);
    for (const line of r.stderr.split('\n').filter((l) => l !== '')) {
      assert.ok(LINE.test(line), `not a diagnostic: ${JSON.stringify(line.slice(0, 300))}\n${show()}`);
      assert.not.match(line, /^\s+at |\.js:\d+:\d+\)?$/, 'a stack trace');
    }
    assert.is(Object.getOwnPropertyNames(Object.prototype).sort().join(','), PROTOTYPE, 'Object.prototype was changed');
    assert.is(({} as Record<string, unknown>)['services'], undefined, 'Object.prototype was polluted');
    // No partial state: complete and consistent, or none (a master alone, on errors after it).
    assert.equal(stateProblems(dir, 'fuzz', { lockCommitted: r.code === 0 }), []);
    if (r.code === 0) {
      const stack: unknown = parse(r.stdout); // the stack is YAML
      assert.ok(r.stdout.length > 0);
      rendered?.(stack);
    } else {
      assert.is(r.stdout, '', 'output on an error');
      assert.not.ok(existsSync(join(dir, 'wg-compose.lock')), 'a lockfile from a failed render');
      const project = join(dir, '.wg-compose', 'fuzz');
      assert.ok(!existsSync(project) || readdirSync(project).length === 0, 'configs from a failed render');
    }
    return r.code;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
