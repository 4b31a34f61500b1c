// What the state tests share: the real CLI as a child process (the only way to kill it for
// real, or to run two at once), snapshots of a project's files, and the consistency checks a
// state directory must pass at any instant.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromBase64Key, publicKeyOf, toBase64 } from '../../src/keys/derive.js';
import { parseLockfile, type Lockfile } from '../../src/state/lockfile.js';
import { configFileName } from '../../src/state/paths.js';

export const BIN = fileURLToPath(new URL('../../../bin/wg-compose.js', import.meta.url));
export const DIST = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `node bin/wg-compose.js ARGS` in `cwd`; `killAfterMs` sends SIGKILL after that long. */
export function spawnCli(args: string[], opts: { cwd: string; env?: Record<string, string>; stdin?: string; killAfterMs?: number }): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.end(opts.stdin ?? '');
    const timer = opts.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `jobs` with at most `n` at a time, results in order. */
export async function pool<T>(n: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

/** Every file under `dir` (relative path → content); directories are walked, never followed. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), e.isSymbolicLink() ? `symlink!` : readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

/** A copy of a project directory, to run one more kill on. */
export function copyProject(from: string): string {
  const to = mkdtempSync(join(tmpdir(), 'wgc-copy-'));
  cpSync(from, to, { recursive: true });
  return to;
}

/** Hidden temporary files of the state writer (atomic.ts): allowed to survive a kill, nothing else. */
export const TEMP_FILE = /(^|\/)\.[^/]*\.[0-9a-f]{12}\.tmp$/;

export const mode = (p: string): number => lstatSync(p).mode & 0o777;

/** The private key in a wg-quick file, as its public key (so nothing secret is compared or printed). */
export function configPublicKey(text: string): string | undefined {
  const m = /^PrivateKey = (\S+)$/m.exec(text);
  const k = m ? fromBase64Key(m[1]!) : undefined;
  return k ? toBase64(publicKeyOf(k)) : undefined;
}

export function readLock(path: string): Lockfile | undefined {
  if (!existsSync(path)) return undefined;
  const r = parseLockfile(readFileSync(path, 'utf8'), path);
  if (r.diagnostics.length > 0) throw new Error(`unreadable lockfile ${path}: ${r.diagnostics[0]!.message}`);
  return r.lock;
}

/**
 * The state invariants that hold at every instant, killed or not: modes, no symlink, no
 * visible half-written file, and every config whose lockfile entry exists carrying exactly the
 * key that entry names — for the configs the lockfile's commit covers. Returns problems.
 */
export function stateProblems(dir: string, project: string, opts: { lockCommitted: boolean }): string[] {
  const problems: string[] = [];
  const state = join(dir, '.wg-compose');
  if (!existsSync(state)) return problems;
  if (mode(state) !== 0o700) problems.push(`.wg-compose mode ${mode(state).toString(8)}`);
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (e.isSymbolicLink()) problems.push(`${rel} is a symlink`);
      else if (e.isDirectory()) {
        if (mode(p) !== 0o700) problems.push(`${rel} mode ${mode(p).toString(8)}`);
        walk(p);
      } else if (mode(p) !== 0o600) problems.push(`${rel} mode ${mode(p).toString(8)}`);
      if (TEMP_FILE.test(rel) && rel.endsWith('.conf')) problems.push(`${rel}: a temporary file named like a config`);
    }
  };
  walk(state);
  const lockPath = join(dir, 'wg-compose.lock');
  if (existsSync(lockPath) && mode(lockPath) !== 0o644) problems.push(`wg-compose.lock mode ${mode(lockPath).toString(8)}`);
  const master = join(state, 'master.key');
  if (existsSync(master) && !/^[A-Za-z0-9+/]{43}=\n$/.test(readFileSync(master, 'utf8'))) problems.push('master.key is not a complete master secret');
  const lock = readLock(lockPath);
  if (lock && opts.lockCommitted) {
    for (const [name, s] of lock.services) {
      const conf = join(state, project, configFileName(name));
      if (!existsSync(conf)) {
        problems.push(`the lockfile names "${name}" but its config is missing`);
        continue;
      }
      if (configPublicKey(readFileSync(conf, 'utf8')) !== s.publicKey) problems.push(`the config of "${name}" does not hold the key the lockfile names`);
    }
  }
  return problems;
}
