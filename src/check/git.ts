// Keys must never reach a repository: the state directory must be ignored by git, and no file
// in it (nor the master secret named by WG_COMPOSE_MASTER_KEY_FILE) may be tracked. Only git
// knows its rules (.gitignore files, info/exclude, core.excludesFile, negations), so git is
// asked — two calls per repository, batched over every project checked, and only when a
// project is inside a work tree. No git on PATH, or a repository git will not read: skipped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';
import { STATE_DIR, stateDir } from '../state/paths.js';

export interface GitSubject {
  readonly projectDir: string;
  /** Where "not ignored" is reported: the project's first compose file. */
  readonly composeFile: string;
  /** Whether render will keep keys here (the project has links, or the state directory exists). */
  readonly holdsKeys: boolean;
}

const at = (file: string) => ({ file, line: 1, col: 1 });

/** The work tree holding a directory: the nearest ancestor with `.git` (a directory, or a file for worktrees and submodules). */
function workTree(dir: string, cache: Map<string, string | null>): string | undefined {
  const seen: string[] = [];
  let found: string | null = null;
  for (let d = dir; ; d = dirname(d)) {
    const hit = cache.get(d);
    if (hit !== undefined) {
      found = hit;
      break;
    }
    seen.push(d);
    if (existsSync(join(d, '.git'))) {
      found = d;
      break;
    }
    if (dirname(d) === d) break;
  }
  for (const d of seen) cache.set(d, found);
  return found ?? undefined;
}

type Git = (root: string, args: string[], input?: string) => { ok: boolean; status: number | null; out: string[] } | 'no-git';

function gitRunner(env: Readonly<Record<string, string | undefined>>, cwd: string, cwdTree: string | undefined): Git {
  // Inside a git hook, GIT_DIR and GIT_WORK_TREE name the committing repository relative to
  // the hook's directory; the work tree is found here per project, so they must not apply.
  // GIT_INDEX_FILE (`git commit -a` or `git commit PATH` commit through a temporary index) is
  // what is being committed: kept, but only for the repository the hook runs in.
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k !== 'GIT_DIR' && k !== 'GIT_WORK_TREE' && k !== 'GIT_INDEX_FILE') base[k] = v;
  const index = env['GIT_INDEX_FILE'];
  return (root, args, input) => {
    const childEnv = index && root === cwdTree ? { ...base, GIT_INDEX_FILE: resolve(cwd, index) } : base;
    const r = spawnSync('git', args, { cwd: root, env: childEnv, encoding: 'utf8', input, maxBuffer: 16 << 20 });
    if (r.error) return 'no-git';
    return { ok: r.status === 0, status: r.status, out: r.stdout.split('\0').filter(Boolean) };
  };
}

/** What to ask about in one repository: the state directories in it (each with the subject reported on), and whether it holds the master secret. */
interface RepoQuestions {
  readonly states: Map<string, GitSubject>;
  master: boolean;
}

export function checkGit(
  subjects: readonly GitSubject[],
  masterFile: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Diagnostic[] {
  const ds: Diagnostic[] = [];
  const cache = new Map<string, string | null>();
  const repos = reposOf(subjects, masterFile, cwd, cache);
  const git = gitRunner(env, cwd, workTree(cwd, cache));
  for (const [root, repo] of [...repos].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const master = repo.master && masterFile ? resolve(cwd, masterFile) : undefined;
    if (checkRepo(git, root, repo, master, ds) === 'no-git') return ds;
  }
  return ds;
}

/** root → what to ask about in that repository; projects outside any work tree are left out. */
function reposOf(
  subjects: readonly GitSubject[],
  masterFile: string | undefined,
  cwd: string,
  cache: Map<string, string | null>,
): Map<string, RepoQuestions> {
  const repos = new Map<string, RepoQuestions>();
  const repoOf = (root: string) => {
    const r = repos.get(root) ?? { states: new Map<string, GitSubject>(), master: false };
    repos.set(root, r);
    return r;
  };
  for (const s of subjects) {
    const root = workTree(s.projectDir, cache);
    if (root === undefined) continue;
    const state = stateDir(s.projectDir);
    const repo = repoOf(root);
    const had = repo.states.get(state);
    if (!had || (!had.holdsKeys && s.holdsKeys)) repo.states.set(state, s);
  }
  const masterRoot = masterFile ? workTree(dirname(resolve(cwd, masterFile)), cache) : undefined;
  if (masterRoot !== undefined) repoOf(masterRoot).master = true;
  return repos;
}

/**
 * Both questions for one repository, its findings added to ds. 'no-git' when git cannot be run
 * at all: no other repository is asked either.
 */
function checkRepo(git: Git, root: string, repo: RepoQuestions, master: string | undefined, ds: Diagnostic[]): 'no-git' | undefined {
  const rel = (p: string) => relative(root, p).split(sep).join('/');
  const states = [...repo.states.keys()].sort();

  // 1. Tracked: any file under a state directory, or the master secret, in the index.
  const paths = [...states.map(rel), ...(master ? [rel(master)] : [])];
  if (paths.length === 0) return undefined; // no pathspec would list every file
  // Pathspecs taken literally: a directory named `*` is not a pattern.
  const tracked = git(root, ['--literal-pathspecs', 'ls-files', '-z', '--', ...paths]);
  if (tracked === 'no-git') return 'no-git';
  if (!tracked.ok) return undefined; // not a repository git accepts (dubious ownership, say)
  for (const f of tracked.out) {
    const abs = join(root, f);
    ds.push(
      error('WGC065', `${f} is tracked by git, and it holds private keys`, at(abs), `git rm --cached ${f}, add ${STATE_DIR}/ to .gitignore, and treat the keys in it as leaked`),
    );
  }

  // 2. Ignored: the rules alone decide (--no-index), so a tracked file does not hide a missing rule.
  const ask = [...states.filter((s) => repo.states.get(s)!.holdsKeys).map((s) => `${rel(s)}/`), ...(master ? [rel(master)] : [])];
  if (ask.length === 0) return undefined;
  const ignored = git(root, ['check-ignore', '--no-index', '-z', '--stdin'], `${ask.join('\0')}\0`);
  if (ignored === 'no-git') return 'no-git';
  if (!ignored.ok && ignored.status !== 1) return undefined; // 1: none of them is ignored
  const yes = new Set(ignored.out);
  for (const s of states) {
    const subject = repo.states.get(s)!;
    if (!subject.holdsKeys || yes.has(`${rel(s)}/`)) continue;
    ds.push(
      error('WGC065', `the state directory ${rel(s)}/ is not ignored by git; it will hold this project's private keys`, at(subject.composeFile), `add ${STATE_DIR}/ to .gitignore`),
    );
  }
  if (master && !yes.has(rel(master))) {
    ds.push(error('WGC065', `the master secret ${rel(master)} (WG_COMPOSE_MASTER_KEY_FILE) is inside a git work tree and not ignored`, at(master), `add it to .gitignore, or keep it outside the repository`));
  }
  return undefined;
}
