// The I/O boundary (DESIGN.md §2): the pure stages — load, model, topology, keys, render, moby —
// import no file system, no process runner. Walks the compiled modules of those folders and
// every module they reach (static imports, re-exports, import() and require), and fails when
// any of them imports fs, child_process or execa, directly or through a module elsewhere.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const DIST = fileURLToPath(new URL('../../src/', import.meta.url));
export const CORE = ['load', 'model', 'topology', 'keys', 'render', 'moby'];
/**
 * Modules that load code, not data: code-cache.js reads a compiled module (the schema
 * validators made at build time) and its V8 code cache, as `import` would; it reads no input.
 */
const CODE_LOADERS = new Set(['code-cache.js']);
const FORBIDDEN = /^(node:)?(fs|fs\/promises|child_process)$|^execa(\/|$)/;
const SPECIFIERS = /\b(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/gs;

/** Each forbidden import reached from the folders' modules (or single `.js` files), as the chain of files that leads to it. */
export function boundaryViolations(root: string, folders: readonly string[]): string[] {
  const violations: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string, chain: readonly string[]): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const here = [...chain, relative(root, file)];
    for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIERS)) {
      const spec = (m[1] ?? m[2] ?? m[3] ?? m[4])!;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!CODE_LOADERS.has(relative(root, target))) visit(target, here);
      } else if (FORBIDDEN.test(spec)) violations.push(`${here.join(' → ')} imports ${spec}`);
    }
  };
  for (const folder of folders) {
    const path = join(root, folder);
    if (folder.endsWith('.js')) visit(path, []);
    else for (const f of readdirSync(path).filter((n) => n.endsWith('.js')).sort()) visit(join(path, f), []);
  }
  return violations;
}

test('load, model, topology, keys, render and moby import no fs, child_process or execa, directly or indirectly', () => {
  for (const folder of CORE) assert.ok(existsSync(join(DIST, folder)), `${folder} is built`);
  assert.equal(boundaryViolations(DIST, CORE), []);
});

test('the pipeline and the plan are pure too: only src/plan/apply.ts writes', () => {
  const pure = ['pipeline.js', 'outputs.js', 'plan/plan.js', 'plan/state-plan.js', 'plan/describe.js'];
  for (const f of pure) assert.ok(existsSync(join(DIST, f)), `${f} is built`);
  assert.equal(boundaryViolations(DIST, pure), []);
  assert.ok(boundaryViolations(DIST, ['plan/apply.js']).length > 0, 'the writer is the edge');
});

test('the walk finds a direct import, one through a module outside the folders, a re-export and a dynamic import', () => {
  const root = mkdtempSync(join(tmpdir(), 'wgc-arch-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('core/a.js', "import { x } from '../edge/helper.js';\nexport const a = x;\n");
  write('core/b.js', "export { readFileSync } from 'node:fs';\n");
  write('core/c.js', "export const c = async () => (await import('../edge/run.js')).run;\n");
  write('core/clean.js', "import { join } from 'node:path';\nimport { a } from './a.js';\nexport const d = join(a);\n");
  write('edge/helper.js', "import {\n  spawnSync,\n} from 'child_process';\nexport const x = spawnSync;\n");
  write('edge/run.js', "import { execa } from 'execa';\nexport const run = execa;\n");
  assert.equal(boundaryViolations(root, ['core']), [
    'core/a.js → edge/helper.js imports child_process',
    'core/b.js imports node:fs',
    'core/c.js → edge/run.js imports execa',
  ]);
});

test.run();
