// Network namespaces, links, processes and their cleanup, for the tunnel tier.
//
// Everything created here carries this run's prefix, `wgct<pid>-` (namespaces, /etc/netns
// directories, temporary directories), so that whatever a crashed run left behind is found
// and removed by the next run (`sweepStale`), and a live concurrent run is left alone.
// Everything is registered as it is created and removed on success, on failure, on SIGINT,
// SIGTERM and at process exit. Nothing here touches the root namespace's links, addresses or
// routes: all links live in namespaces this module created.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The prefix of every object this run creates. */
export const PREFIX = `wgct${process.pid}-`;
const OURS = /^wgct(\d+)-/;
const NETNS_ETC = '/etc/netns';

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program (no shell) and collects its output; never throws for a non-zero exit. */
export function run(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { encoding: 'utf8', maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL', env: opts.env ?? process.env },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          // Not an exit status: the program is missing, or it was killed by the timeout.
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') reject(new Error(`${cmd} is required by the tunnel tests (scripts/install-test-deps.sh installs it)`, { cause: err }));
          else if (err.killed) reject(new Error(`${cmd} ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 60_000} ms`, { cause: err }));
          else reject(err);
          return;
        }
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Runs a program that must succeed; the error names the command and carries its stderr. */
export async function must(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Runs `fn` over `items` with at most `limit` at a time; results in input order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------
// What this run created, so that it can always be removed.

const live = { netns: new Set<string>(), dirs: new Set<string>() };
let createdEtcNetns = false;

/** A new, empty network namespace with its loopback up (as every container has). */
export async function addNetns(name: string): Promise<void> {
  if (!name.startsWith(PREFIX)) throw new Error(`bug: namespace ${name} lacks the run prefix ${PREFIX}`);
  live.netns.add(name);
  await must('ip', ['netns', 'add', name]);
  await must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

/**
 * Writes a file `ip netns exec NAME` bind-mounts over /etc/FILE (hosts, nsswitch.conf). It
 * rewrites the file in place (same inode) rather than by rename: processes already running in
 * the namespace see it through a bind mount of this inode, as containers see the /etc/hosts
 * the engine rewrites in place.
 */
export function writeNetnsEtc(name: string, file: 'hosts' | 'nsswitch.conf', text: string): void {
  if (!existsSync(NETNS_ETC)) {
    mkdirSync(NETNS_ETC, { mode: 0o755 });
    createdEtcNetns = true;
  }
  const dir = join(NETNS_ETC, name);
  live.dirs.add(dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), text);
}

/** A private temporary directory, removed with everything else. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${label}-`));
  live.dirs.add(dir);
  return dir;
}

/**
 * Starts a long-running process in a namespace, detached into its own process group, output
 * to `logFile`. It is stopped with its namespace (every process in it is killed).
 */
export function spawnIn(netns: string, argv: readonly string[], env: NodeJS.ProcessEnv, logFile: string): { pid: number; exited: () => boolean } {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn('ip', ['netns', 'exec', netns, ...argv], { env, detached: true, stdio: ['ignore', fd, fd] });
    let exited = false;
    child.on('exit', () => {
      exited = true;
    });
    child.on('error', () => {
      exited = true;
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${argv[0]} in ${netns}`);
    return { pid: child.pid, exited: () => exited };
  } finally {
    closeSync(fd);
  }
}

/** Removes a directory made by `tempDir`. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  live.dirs.delete(dir);
}

export const readLog = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');

/** Stops every process in a namespace (TERM, then KILL after a second), then deletes it. */
export async function removeNetns(name: string): Promise<void> {
  await killNetnsProcesses(name);
  await run('ip', ['netns', 'del', name]);
  live.netns.delete(name);
  const dir = join(NETNS_ETC, name);
  rmSync(dir, { recursive: true, force: true });
  live.dirs.delete(dir);
}

async function killNetnsProcesses(name: string): Promise<void> {
  for (const [signal, wait] of [
    ['SIGTERM', 1000],
    ['SIGKILL', 1000],
  ] as const) {
    const pids = await netnsPids(name);
    if (pids.length === 0) return;
    for (const pid of pids) signalPid(pid, signal);
    for (let t = 0; t < wait && (await netnsPids(name)).length > 0; t += 50) await sleep(50);
  }
}

async function netnsPids(name: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', name]);
  return r.code === 0 ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

/** Removes everything this run registered and has not removed yet. */
export async function cleanup(): Promise<void> {
  for (const ns of [...live.netns]) await removeNetns(ns);
  for (const dir of [...live.dirs]) rmSync(dir, { recursive: true, force: true });
  live.dirs.clear();
  removeEtcNetnsIfEmpty();
}

/** The same, synchronously: for signal and exit handlers, where nothing async runs any more. */
function cleanupSync(): void {
  for (const ns of [...live.netns]) removeNetnsSync(ns);
  live.netns.clear();
  for (const dir of [...live.dirs]) rmSync(dir, { recursive: true, force: true });
  live.dirs.clear();
  removeEtcNetnsIfEmpty();
}

function removeNetnsSync(name: string): void {
  const pids = (): number[] => {
    try {
      return execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  };
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    const list = pids();
    if (list.length === 0) break;
    for (const pid of list) signalPid(pid, signal);
    for (let t = 0; t < 20 && pids().length > 0; t++) execFileSync('sleep', ['0.05']);
  }
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  } catch {
    // already gone
  }
  rmSync(join(NETNS_ETC, name), { recursive: true, force: true });
}

function removeEtcNetnsIfEmpty(): void {
  if (!createdEtcNetns) return;
  try {
    rmdirSync(NETNS_ETC); // only if empty: another tool may use it
  } catch {
    // not empty, or gone
  }
}

/**
 * Removes what crashed earlier runs left: namespaces, /etc/netns directories and temporary
 * directories named `wgct<pid>-…` whose run (that pid, a node process) is no longer alive.
 */
export function sweepStale(): string[] {
  const dead = (name: string): boolean => {
    const m = OURS.exec(name);
    if (!m) return false;
    const pid = Number(m[1]);
    if (pid === process.pid) return false;
    try {
      return !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
    } catch {
      return true;
    }
  };
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter(Boolean);
  } catch {
    // no namespaces
  }
  for (const ns of names.filter(dead)) {
    removeNetnsSync(ns);
    removed.push(ns);
  }
  for (const [dir, entries] of [
    [NETNS_ETC, existsSync(NETNS_ETC) ? readdirSync(NETNS_ETC) : []],
    [tmpdir(), readdirSync(tmpdir())],
  ] as const) {
    for (const e of entries.filter(dead)) {
      rmSync(join(dir, e), { recursive: true, force: true });
      removed.push(join(dir, e));
    }
  }
  return removed;
}

// A test that fails, a ^C, a kill: whatever ends the run, nothing of it stays behind.
process.once('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\ntunnel tests: ${signal}, removing namespaces ${PREFIX}*\n`);
    cleanupSync();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}
