// What the CLI needs from the process, passed in so tests run the real CLI in-process with
// captured output, a fixed environment and a chosen working directory.
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** stderr is a terminal: progress may redraw lines in place (`up`). Absent means no. */
  readonly stderrIsTTY?: boolean;
  /** stdout is a terminal: `status --watch` redraws in place. Absent means no. */
  readonly stdoutIsTTY?: boolean;
  /**
   * All of stdin: the compose file of `-f -`, or the key `import` reads there. Read it once:
   * the process's stdin has nothing left for a second call. undefined when stdin is a
   * terminal; absent: there is no stdin.
   */
  readonly readStdin?: () => Promise<string | undefined>;
  /**
   * The text of a file a diagnostic points into, for the source line shown under it (report.ts);
   * undefined when it cannot be read. Absent: diagnostics are printed without excerpts.
   */
  readonly readSource?: (path: string) => string | undefined;
}

/** How a command that writes state runs; every field is optional and defaults to false. */
export interface WriteOptions {
  /** --dry-run: decide everything, print the plan (files with modes, commands), write nothing. */
  readonly dryRun?: boolean;
}

/** Exit codes (DESIGN.md §1). */
export const EXIT = {
  ok: 0,
  /** Input problems: diagnostics were printed. */
  input: 1,
  /** Usage errors: unknown option, missing argument. */
  usage: 2,
  /** An external tool (builder, engine) failed. */
  external: 3,
  /** A bug in wg-compose: never expected, always reported. */
  internal: 4,
} as const;
