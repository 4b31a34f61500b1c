#!/usr/bin/env node
// Scale benchmark for `wg-compose render` (issue #7): generated stacks of 100, 1,000 and
// 10,000 services with about three links each, rendered by the real CLI in a child process,
// cold (no state) and warm (state from the cold run), with wall time and peak RSS measured by
// /usr/bin/time -v. Public tools only: node and GNU time.
//
//   node bench/scale.mjs [SIZES...]        default: 100 1000 10000
//   BENCH_RUNS=3 node bench/scale.mjs      best of N runs per measurement (default 1)
//
// Targets: 10,000 services under 10 s and 500 MB, growth no worse than linear (≤ ~10× per
// 10× services), and a warm render does no X25519 work for unchanged services (reported by
// the CLI itself when WG_COMPOSE_STATS=1 is set).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';

const BIN = fileURLToPath(new URL('../bin/wg-compose.js', import.meta.url));
const SIZES = process.argv.slice(2).map(Number).filter((n) => n > 0);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 1);
const TIME = '/usr/bin/time';

function run(dir) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(TIME, ['-v', process.execPath, BIN, 'render', '-p', 'bench'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, WG_COMPOSE_STATS: '1' },
    maxBuffer: 1 << 30,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`render failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  const x25519 = /x25519=(\d+)/.exec(r.stderr)?.[1];
  return { ms, rss, x25519: x25519 === undefined ? '?' : Number(x25519), stackBytes: r.stdout.length };
}

/** Best of RUNS: `fresh` gives the directory of each run (a new one for a cold run). */
function best(fresh) {
  let out;
  for (let i = 0; i < RUNS; i++) {
    const r = run(fresh());
    if (!out || r.ms < out.ms) out = { ...r, rss: Math.max(r.rss, out?.rss ?? 0) };
  }
  return out;
}

/**
 * Removes directories outside the measurements, and lets the file system settle: deleting
 * 10,000 files queues work (journal, discard) that would otherwise land in the next timing.
 */
function cleanUp(dirs) {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  spawnSync('sync');
}

const sizes = SIZES.length ? SIZES : [100, 1000, 10000];
const rows = [];
for (const n of sizes) {
  const { text, links } = generate(n);
  const dirs = [];
  let last;
  // Cold: a new project directory each run, no state at all.
  const cold = best(() => {
    cleanUp(dirs);
    last = mkdtempSync(join(tmpdir(), `wgc-bench-${n}-`));
    dirs.push(last);
    writeFileSync(join(last, 'compose.yaml'), text);
    return last;
  });
  // Warm: the state the last cold run left; nothing changed since.
  const warm = best(() => last);
  rows.push({ n, links, cold, warm });
  cleanUp(dirs);
  console.error(`${n} services done`);
}

const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
/** Growth per 10× services, whatever the ratio of the sizes measured. */
const per10 = (a, b, na, nb) => Math.pow(a / b, 1 / Math.log10(na / nb));
console.log('services  links  stack MB |  cold ms  cold MB  x25519 |  warm ms  warm MB  x25519 | per 10×: cold time  warm time  cold MB');
let prev;
for (const r of rows) {
  const g = (a, b) => (prev ? `${f(per10(a, b, r.n, prev.n), 1)}×` : '-');
  console.log(
    `${String(r.n).padStart(8)}  ${String(r.links).padStart(5)}  ${f(r.cold.stackBytes / 1e6, 1).padStart(8)} |` +
      `  ${f(r.cold.ms).padStart(7)}  ${f(r.cold.rss).padStart(7)}  ${String(r.cold.x25519).padStart(6)} |` +
      `  ${f(r.warm.ms).padStart(7)}  ${f(r.warm.rss).padStart(7)}  ${String(r.warm.x25519).padStart(6)} |` +
      `  ${g(r.cold.ms, prev?.cold.ms).padStart(16)}  ${g(r.warm.ms, prev?.warm.ms).padStart(9)}  ${g(r.cold.rss, prev?.cold.rss).padStart(7)}`,
  );
  prev = r;
}
const top = rows.find((r) => r.n >= 10000);
if (top) {
  const ok = top.cold.ms < 10_000 && top.warm.ms < 10_000 && top.cold.rss < 500 && top.warm.rss < 500 && top.warm.x25519 === 0;
  console.log(`targets at ${top.n} services (< 10 s, < 500 MB, no X25519 when warm): ${ok ? 'met' : 'NOT met'}`);
}
