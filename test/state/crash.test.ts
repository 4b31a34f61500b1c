// Crash safety (issue #7): the real CLI is killed with SIGKILL at every step of its state
// writes (WG_COMPOSE_TEST_CRASH_AT=N, see src/state/crash-hook.ts) and at random instants, for
// a cold render, a render after a change, `rotate SERVICE`, `rotate A:B` and `import`. After
// every kill:
// - every file is byte for byte its old or its new version (or absent where one of them is);
//   only hidden temporary files and the dead process's lock may be extra;
// - the lockfile is the commit point (see writeRenderState): once it is the new version, every
//   config is too, and each holds exactly the private key whose public key the lockfile names;
// - modes are intact (0700 directories, 0600 files, 0644 lockfile), no temporary file is
//   named like a config;
// - the next render succeeds (taking over the dead process's lock) and ends exactly where an
//   uninterrupted run ends: the new state if the lockfile was committed (or for a render, whose
//   input is the same), the old one if not (a killed rotate or import did not happen).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clamp, masterFingerprint, toBase64 } from '../../src/keys/derive.js';
import { CRASH_ENV } from '../../src/state/crash-hook.js';
import { fixedMaster, project, runCli } from '../helpers/cli.js';
import { copyProject, pool, readLock, snapshot, spawnCli, stateProblems, TEMP_FILE } from '../helpers/state.js';

const PROJECT = 'crash';
const COMPOSE = `name: ${PROJECT}
services:
  web:
    image: web
    links: [api]
  api:
    image: api
    links: ["db:database", cache]
  db:
    image: db
  cache:
    image: cache
  worker:
    image: worker
    links: [api]
`;
/** worker removed, auth added, web now links cache too. */
const CHANGED = `name: ${PROJECT}
services:
  web:
    image: web
    links: [api, cache]
  api:
    image: api
    links: ["db:database", cache, auth]
  db:
    image: db
  cache:
    image: cache
  auth:
    image: auth
`;

/**
 * `npm test` kills at every step of a render (cold and after a change) and of a rotation, and
 * at a few random instants; `npm run test:long` (CI too) adds the link rotation, the imports,
 * the first render that creates the master, and more random instants.
 */
const LONG = process.env['WG_COMPOSE_LONG_TESTS'] === '1';
const TIMED = LONG ? 8 : 3;
const QUICK = new Set(['cold render', 'render after a change', 'rotate SERVICE', 'moby after a change']);

const masterDir = mkdtempSync(join(tmpdir(), 'wgc-crash-master-'));
const ENV = fixedMaster(masterDir);
const LOCK = 'wg-compose.lock';
const STATE_LOCK = '.wg-compose/state.lock';
const IMPORTED = `.wg-compose/${PROJECT}/imported/`;

interface Scenario {
  readonly name: string;
  readonly files?: Record<string, string>;
  /** Run (uninterrupted, in-process) to make the state the command starts from. */
  readonly setup: readonly (readonly string[])[];
  readonly change?: Record<string, string>;
  readonly command: readonly string[];
  /** A render: the same input again, so even a kill before the commit converges to the new state. */
  readonly isRender: boolean;
  /** What recovers after a kill (default: a plain render). */
  readonly recover?: readonly string[];
}

const IMPORT_KEY = toBase64(clamp(new Uint8Array(32).fill(42)));

const SCENARIOS: Scenario[] = [
  { name: 'cold render', setup: [], command: ['render'], isRender: true },
  { name: 'render after a change', setup: [['render']], change: { 'compose.yaml': CHANGED }, command: ['render'], isRender: true },
  { name: 'rotate SERVICE', setup: [['render']], command: ['rotate', 'api'], isRender: false },
  { name: 'rotate A:B', setup: [['render']], command: ['rotate', 'api:db'], isRender: false },
  { name: 'import', files: { 'db.key': `${IMPORT_KEY}\n` }, setup: [['render']], command: ['import', 'db', '--private-key-file', 'db.key'], isRender: false },
  // A rotation of the service whose key is imported retires the imported key file.
  // moby keeps render's state through the same plan, plus the node's user data (keys): the
  // same commit order, under the same lock.
  { name: 'moby, cold', setup: [], command: ['moby', '--stock'], isRender: true, recover: ['moby', '--stock'] },
  { name: 'moby after a change', setup: [['render']], change: { 'compose.yaml': CHANGED }, command: ['moby', '--stock'], isRender: true, recover: ['moby', '--stock'] },
  { name: 'rotate an imported service', files: { 'db.key': `${IMPORT_KEY}\n` }, setup: [['render'], ['import', 'db', '--private-key-file', 'db.key']], command: ['rotate', 'db'], isRender: false },
];

const ignored = (p: string) => TEMP_FILE.test(p) || p === STATE_LOCK;

/** Paths whose content is neither the old nor the new version. */
function torn(now: Map<string, string>, before: Map<string, string>, after: Map<string, string>): string[] {
  const paths = new Set([...now.keys(), ...before.keys(), ...after.keys()]);
  return [...paths].filter((p) => !ignored(p) && now.get(p) !== before.get(p) && now.get(p) !== after.get(p));
}

/** Files under the state directory that differ between two snapshots (ignoring what a kill may leave). */
function differences(a: Map<string, string>, b: Map<string, string>, skip: (p: string) => boolean = () => false): string[] {
  const paths = new Set([...a.keys(), ...b.keys()]);
  return [...paths].filter((p) => !ignored(p) && !skip(p) && a.get(p) !== b.get(p)).sort();
}

async function prepare(s: Scenario): Promise<{ base: string; before: Map<string, string> }> {
  const base = project({ 'compose.yaml': COMPOSE, ...s.files });
  for (const args of s.setup) {
    const r = await runCli([...args], { cwd: base, env: ENV });
    assert.is(r.code, 0, `${s.name}: setup ${args.join(' ')}: ${r.stderr}`);
  }
  for (const [f, text] of Object.entries(s.change ?? {})) writeFileSync(join(base, f), text);
  return { base, before: snapshot(base) };
}

/** Kills the command after step `n`, checks the wreck, recovers with a render; returns what happened. */
async function killAt(s: Scenario, base: string, before: Map<string, string>, after: Map<string, string>, n: number): Promise<{ done: boolean; step: string }> {
  const work = copyProject(base);
  const r = await spawnCli([...s.command], { cwd: work, env: { ...ENV, [CRASH_ENV]: String(n) } });
  if (r.code === 0) {
    rmSync(work, { recursive: true, force: true });
    return { done: true, step: '' };
  }
  const where = `${s.name}, killed after step ${n}`;
  assert.is(r.signal, 'SIGKILL', `${where}: ${r.stderr}`);
  const step = /SIGKILL after step \d+ \((\S+) /.exec(r.stderr)?.[1] ?? '?';

  const now = snapshot(work);
  assert.equal(torn(now, before, after), [], `${where}: files that are neither old nor new`);
  const committed = now.get(LOCK) === after.get(LOCK) && after.get(LOCK) !== before.get(LOCK);
  if (committed) {
    // The commit point: with the new lockfile, every config is new already.
    const stale = [...after.keys()].filter((p) => p.endsWith('.conf') && now.get(p) !== after.get(p));
    assert.equal(stale, [], `${where}: the lockfile is new but these configs are not`);
  }
  // Committed (or nothing new to commit): every config carries the key its lockfile entry names.
  const lockIsCurrent = committed || now.get(LOCK) === after.get(LOCK);
  assert.equal(stateProblems(work, PROJECT, { lockCommitted: lockIsCurrent }), [], where);

  // Recovery: a plain render (or the command's own), in-process (it takes the dead process's lock over).
  const rec = await runCli([...(s.recover ?? ['render'])], { cwd: work, env: ENV });
  assert.is(rec.code, 0, `${where}: the render after the kill failed: ${rec.stderr}`);
  const final = snapshot(work);
  assert.equal([...final.keys()].filter((p) => TEMP_FILE.test(p) || p === STATE_LOCK), [], `${where}: leftovers after recovery`);
  assert.equal(unreferencedImports(work, final, after), [], `${where}: imported keys`);
  if (s.isRender || committed) {
    // An imported key a rotate retired stays if the kill came between the commit and its
    // removal: unused (the lockfile no longer names it), and removed by the next rotate or
    // import of that service. Render itself never deletes an imported key.
    assert.equal(differences(final, after, (p) => p.startsWith(IMPORTED) && !after.has(p)), [], `${where}: the render after the kill did not end at the new state`);
  } else {
    // Not committed: the command did not happen (an imported key it stored is unused and stays).
    assert.equal(differences(final, before, (p) => p.startsWith(IMPORTED)), [], `${where}: the render after the kill did not end at the old state`);
    assert.equal(readLock(join(work, LOCK))?.services.get('db')?.imported === true, before.get(LOCK)?.includes('"imported": true') === true, `${where}: imported flag`);
    // …and running it again completes it.
    const again = await runCli([...s.command], { cwd: work, env: ENV });
    assert.is(again.code, 0, `${where}: re-running the command: ${again.stderr}`);
    assert.equal(differences(snapshot(work), after, (p) => p.startsWith(IMPORTED)), [], `${where}: re-running the command did not end at the new state`);
  }
  rmSync(work, { recursive: true, force: true });
  return { done: false, step };
}

/**
 * Imported key files that are neither named by the lockfile nor part of the new state: none may
 * be named by the lockfile without existing (checked by the render succeeding), and any
 * other must be one of the two versions' files.
 */
function unreferencedImports(work: string, final: Map<string, string>, after: Map<string, string>): string[] {
  const lock = readLock(join(work, LOCK));
  const imported = [...(lock?.services ?? [])].filter(([, x]) => x.imported).length;
  const files = [...final.keys()].filter((p) => p.startsWith(IMPORTED));
  const known = files.filter((p) => after.has(p) || (final.get(p) ?? '').trim() === IMPORT_KEY);
  return imported > files.length ? ['the lockfile names more imported keys than exist'] : files.filter((p) => !known.includes(p));
}

/** Kill points per scenario, for the summary line. */
const summary: string[] = [];

for (const s of SCENARIOS.filter((x) => LONG || QUICK.has(x.name))) {
  test(`SIGKILL after every write step: ${s.name}`, async () => {
    const { base, before } = await prepare(s);
    const clean = copyProject(base);
    const ok = await spawnCli([...s.command], { cwd: clean, env: ENV });
    assert.is(ok.code, 0, `${s.name}: uninterrupted run: ${ok.stderr}`);
    const after = snapshot(clean);
    assert.ok(differences(before, after).length > 0, `${s.name}: the command changes nothing`);

    // Kill points 1.., in batches run side by side, until a run gets through without a kill.
    const steps: string[] = [];
    for (let from = 1; ; from += 4) {
      const batch = await pool(4, [0, 1, 2, 3].map((i) => () => killAt(s, base, before, after, from + i)));
      for (const b of batch) if (!b.done) steps.push(b.step);
      if (batch.some((b) => b.done)) break;
      assert.ok(from < 200, `${s.name}: more than 200 write steps?`);
    }
    assert.ok(steps.length >= 4, `${s.name}: only ${steps.length} kill points`);
    const kinds = new Map<string, number>();
    for (const k of steps) kinds.set(k, (kinds.get(k) ?? 0) + 1);
    summary.push(`${s.name}: ${steps.length} kill points (${[...kinds].map(([k, c]) => `${c} ${k}`).join(', ')})`);
  });
}

if (LONG) test('SIGKILL after every write step of a first render that creates the master secret', async () => {
  // The master is created (link(2) of a complete file) before anything derived from it, so a
  // kill can leave a master without configs, never configs or a lockfile without their master.
  let points = 0;
  for (let n = 1; n < 100; n++) {
    const work = project({ 'compose.yaml': COMPOSE });
    const r = await spawnCli(['render'], { cwd: work, env: { [CRASH_ENV]: String(n) } });
    if (r.code === 0) break;
    points++;
    const where = `first render killed after step ${n}`;
    assert.is(r.signal, 'SIGKILL', `${where}: ${r.stderr}`);
    const now = snapshot(work);
    const lock = readLock(join(work, LOCK));
    if (lock) {
      assert.ok(now.has('.wg-compose/master.key'), `${where}: a lockfile without its master`);
      assert.is(lock.masterFingerprint, masterFingerprint(new Uint8Array(Buffer.from(now.get('.wg-compose/master.key')!.trim(), 'base64'))), `${where}: fingerprint`);
    }
    if ([...now.keys()].some((p) => p.endsWith('.conf'))) assert.ok(now.has('.wg-compose/master.key'), `${where}: configs without their master`);
    assert.equal(stateProblems(work, PROJECT, { lockCommitted: lock !== undefined }), [], where);
    const rec = await runCli(['render'], { cwd: work });
    assert.is(rec.code, 0, `${where}: ${rec.stderr}`);
    const settled = snapshot(work);
    assert.equal(stateProblems(work, PROJECT, { lockCommitted: true }), [], `${where}, recovered`);
    assert.is((await runCli(['render'], { cwd: work })).code, 0);
    assert.equal(differences(snapshot(work), settled), [], `${where}: a render after the recovery changed the state`);
  }
  assert.ok(points >= 10, `only ${points} kill points`);
  summary.push(`first render with a new master: ${points} kill points`);
});

test('SIGKILL at random instants of a 200-service render, cold and after a change', async () => {
  const { generate } = (await import(new URL('../../../bench/generate.mjs', import.meta.url).href)) as { generate(n: number): { text: string } };
  const big = generate(200).text.replace(/^services:/, `name: ${PROJECT}\nservices:`);
  const bigger = generate(230).text.replace(/^services:/, `name: ${PROJECT}\nservices:`);
  let kills = 0;
  for (const [label, setup, next] of [
    ['cold', undefined, big],
    ['changed', big, bigger],
  ] as const) {
    const base = project({ 'compose.yaml': setup ?? next });
    if (setup) {
      assert.is((await runCli(['render'], { cwd: base, env: ENV })).code, 0);
      writeFileSync(join(base, 'compose.yaml'), next);
    }
    const before = snapshot(base);
    const clean = copyProject(base);
    const t0 = Date.now();
    assert.is((await spawnCli(['render'], { cwd: clean, env: ENV })).code, 0);
    const duration = Date.now() - t0;
    const after = snapshot(clean);
    const runs = await pool(
      3,
      Array.from({ length: TIMED }, (_, i) => async () => {
        const work = copyProject(base);
        // Spread over the run, the later part (where the writes are) more densely.
        const at = Math.round(duration * (0.3 + 0.8 * ((i + Math.random()) / TIMED)));
        const r = await spawnCli(['render'], { cwd: work, env: ENV, killAfterMs: at });
        const now = snapshot(work);
        const where = `${label} render killed at ${at} ms (${r.signal ?? `exit ${r.code}`})`;
        assert.equal(torn(now, before, after), [], where);
        const committed = now.get(LOCK) === after.get(LOCK);
        assert.equal(stateProblems(work, PROJECT, { lockCommitted: committed }), [], where);
        const rec = await runCli(['render'], { cwd: work, env: ENV });
        assert.is(rec.code, 0, `${where}: ${rec.stderr}`);
        assert.equal(differences(snapshot(work), after), [], `${where}: did not converge`);
        rmSync(work, { recursive: true, force: true });
        return r.signal === 'SIGKILL';
      }),
    );
    kills += runs.filter(Boolean).length;
  }
  assert.ok(kills >= TIMED - 1, `only ${kills} of ${2 * TIMED} runs were killed before they finished`);
  summary.push(`timed kills: ${kills} of ${2 * TIMED} runs killed mid-way`);
});

test('summary', () => {
  process.stderr.write(`\n  crash test: ${summary.join('; ')}\n`);
});

test.run();
