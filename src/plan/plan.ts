// The boundary between deciding and doing (DESIGN.md §2): a Plan says, as data, every file a
// command writes (with its mode), every file it removes and every command it runs. Building
// one is pure; `applyPlan` (src/plan/apply.ts) is the only code that writes state, and
// `--dry-run` prints the plan instead of applying it.

/** A command line, program first. */
export type Argv = readonly string[];

/** One file to write: atomically (temporary file, fsync, rename), never through a symlink. */
export interface FileWrite {
  readonly path: string;
  /** Secret for modes 0600: the plan is printed, its content never is. */
  readonly content: string | Uint8Array;
  readonly mode: number;
  /** What it is, for the dry-run ("wg-quick config of api", "lockfile"). */
  readonly what: string;
}

/** Files to remove from `dir`: those `matches` accepts (decided on the names found when applying). */
export interface Removal {
  readonly dir: string;
  readonly what: string;
  readonly matches: (name: string) => boolean;
}

/**
 * What a command changes, in the order apply does it (the commit order of DESIGN.md §7 and
 * writeRenderState's comment before it):
 * 1. `privateDirs` made (0700), outermost first;
 * 2. `master` created exclusively (link(2)), durable before anything derived from it exists;
 * 3. `keys`: imported private keys, each under a name of its own, so none replaces a key the
 *    committed lockfile still names;
 * 4. `files`: wg-quick configs and the other derived state (stack, user data), as one batch;
 * 5. `commit`: the lockfile, last: once it names an epoch, every file already carries it;
 * 6. `removals`: what the committed lockfile no longer names.
 * `commands` run after all of it, outside the lock (the engine reads only complete files).
 */
export interface Plan {
  /** The project directory whose state lock apply must hold. */
  readonly projectDir: string;
  /** Directories whose hidden temporary files a killed writer may have left (cleared first). */
  readonly tempDirs: readonly { readonly dir: string; readonly of?: string }[];
  readonly privateDirs: readonly string[];
  readonly master: FileWrite | undefined;
  readonly keys: readonly FileWrite[];
  readonly files: readonly FileWrite[];
  readonly commit: FileWrite | undefined;
  /** The epoch record, right after the commit it follows (src/state/epochs.ts). */
  readonly record?: FileWrite | undefined;
  readonly removals: readonly Removal[];
  readonly commands: readonly Argv[];
}

/** Everything optional but the project directory; apply and print accept a partial plan. */
export function makePlan(p: Partial<Plan> & { readonly projectDir: string }): Plan {
  return {
    projectDir: p.projectDir,
    tempDirs: p.tempDirs ?? [],
    privateDirs: p.privateDirs ?? [],
    master: p.master,
    keys: p.keys ?? [],
    files: p.files ?? [],
    commit: p.commit,
    record: p.record,
    removals: p.removals ?? [],
    commands: p.commands ?? [],
  };
}

/** A plan with more files and commands (what `up`, `moby` and `import` add to render's). */
export function extendPlan(plan: Plan, more: { keys?: readonly FileWrite[]; files?: readonly FileWrite[]; removals?: readonly Removal[]; commands?: readonly Argv[] }): Plan {
  return {
    ...plan,
    keys: [...plan.keys, ...(more.keys ?? [])],
    files: [...plan.files, ...(more.files ?? [])],
    removals: [...plan.removals, ...(more.removals ?? [])],
    commands: [...plan.commands, ...(more.commands ?? [])],
  };
}
