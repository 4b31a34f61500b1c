// Golden cases: test/golden/cases/NAME/ holds an input project and `case.json`
// ({"args": [...], "env": {...}}); `expected/` holds the exact outputs of `render` with a fixed
// master secret: stdout, stderr, exit code, the lockfile, `show --json` and every wg-quick file.
// UPDATE_GOLDEN=1 rewrites `expected/` — review the diff before committing it.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import type { JsonObject } from '../../src/load/located.js';
import { validateModel } from '../../src/validate/schema.js';
import { fixedMaster, runCli } from '../helpers/cli.js';

const CASES = fileURLToPath(new URL('../../../test/golden/cases/', import.meta.url));
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

interface CaseSpec {
  args: string[];
  env?: Record<string, string>;
}

/**
 * Every rendered stack must be valid Compose Specification and accepted by a real compose
 * implementation: Debian's docker-compose 1.29.2 (`config -q` resolves secret files, env
 * files and build contexts relative to the stack's directory, so the stack is written there).
 */
function assertAcceptedByCompose(work: string, stack: string): void {
  const model = parse(stack) as JsonObject;
  assert.equal(validateModel(model).map((d) => d.message), [], 'rendered stack violates the compose-spec schema');
  writeFileSync(join(work, 'stack.yml'), stack);
  const r = spawnSync('docker-compose', ['-f', 'stack.yml', 'config', '-q'], { cwd: work, encoding: 'utf8' });
  if (r.error) throw new Error(`docker-compose is required for this test (apt-get install docker-compose): ${r.error.message}`);
  assert.is(r.status, 0, `docker-compose config -q rejected the stack: ${r.stderr}`);
}

function outputs(caseDir: string): Promise<Map<string, string>> {
  return (async () => {
    const spec = JSON.parse(readFileSync(join(caseDir, 'case.json'), 'utf8')) as CaseSpec;
    // The project name defaults to the directory name: run in a directory named after the case.
    const root = mkdtempSync(join(tmpdir(), 'wgc-golden-'));
    const work = join(root, caseDir.split('/').filter(Boolean).pop()!);
    try {
      cpSync(caseDir, work, { recursive: true, filter: (src) => !src.includes('/expected') });
      const keyDir = mkdtempSync(join(tmpdir(), 'wgc-key-'));
      const env = { ...fixedMaster(keyDir), ...spec.env };
      const out = new Map<string, string>();
      const r = await runCli(spec.args, { cwd: work, env });
      out.set('stdout', r.stdout);
      out.set('stderr', r.stderr);
      out.set('exit', `${r.code}\n`);
      if (r.code === 0 && spec.args[0] === 'render') {
        const show = await runCli(['show', '--json', ...spec.args.slice(1)], { cwd: work, env });
        assert.is(show.code, 0, show.stderr);
        out.set('show.json', show.stdout);
        assertAcceptedByCompose(work, r.stdout);
        for (const lock of ['wg-compose.lock']) if (existsSync(join(work, lock))) out.set(lock, readFileSync(join(work, lock), 'utf8'));
        const state = join(work, '.wg-compose');
        if (existsSync(state)) {
          for (const project of readdirSync(state).filter((f) => f !== 'master.key')) {
            // Files only: status/ holds the sidecars' status directories, empty until they run.
            for (const f of readdirSync(join(state, project)).sort().filter((n) => statSync(join(state, project, n)).isFile())) {
              out.set(`configs/${project}/${f}`, readFileSync(join(state, project, f), 'utf8'));
            }
          }
        }
      }
      return out;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  })();
}

for (const name of readdirSync(CASES).sort()) {
  const caseDir = join(CASES, name);
  test(`golden: ${name}`, async () => {
    const got = await outputs(caseDir);
    const expectedDir = join(caseDir, 'expected');
    if (UPDATE) {
      rmSync(expectedDir, { recursive: true, force: true });
      for (const [k, v] of got) {
        mkdirSync(join(expectedDir, k, '..'), { recursive: true });
        writeFileSync(join(expectedDir, k), v);
      }
      return;
    }
    const expected = new Map<string, string>();
    const walk = (dir: string, prefix: string) => {
      for (const f of readdirSync(dir, { withFileTypes: true })) {
        if (f.isDirectory()) walk(join(dir, f.name), `${prefix}${f.name}/`);
        else expected.set(`${prefix}${f.name}`, readFileSync(join(dir, f.name), 'utf8'));
      }
    };
    walk(expectedDir, '');
    assert.equal([...got.keys()].sort(), [...expected.keys()].sort(), 'the set of outputs differs');
    for (const [k, v] of expected) assert.fixture(got.get(k)!, v, `${name}/${k}`);
  });
}

test.run();
