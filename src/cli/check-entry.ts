// The way in for `check`, which commit hooks run on every commit: a quick parse of its few
// options with node's own parseArgs, then its bundle (scripts/bundle-check.mjs) — without
// loading commander and the rest of the command line, which cost a fifth of node's start-up.
// Anything the quick parse is not sure of (help, an unknown option, a bad value) returns
// undefined, and main() handles it with commander as it handles every command, so usage
// errors and help read the same everywhere. main's `check` action runs the same runCheck.
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CHECK_OPTIONS, checkCliOptions, type CheckCliOptions } from './check-options.js';
import type { CliIO } from './io.js';

type CheckModule = typeof import('./check.js');

/**
 * check's modules from their bundle with its V8 code cache when the build made one
 * (src/code-cache.ts); without one (a bare tsc), the modules themselves.
 */
export async function loadCheck(): Promise<CheckModule> {
  const { loadBundle } = await import('../code-cache.js');
  const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
  return (loadBundle(here('./check.bundle.cjs'), here('./check.js')) as CheckModule | undefined) ?? (await import('./check.js'));
}

/** parseArgs' declaration of check's options, from the one table main uses too. */
const PARSE_OPTIONS = Object.fromEntries(
  Object.entries(CHECK_OPTIONS).map(([name, d]) => [
    name,
    d.type === 'boolean' ? { type: 'boolean' as const, default: false } : { type: 'string' as const, ...(d.multiple ? { multiple: true } : {}), ...(d.default !== undefined ? { default: d.default } : {}) },
  ]),
) as ParseArgsConfig['options'];

/** `check`'s arguments (after the word check), or undefined when commander should have them. */
export function parseCheckArgs(args: readonly string[]): { paths: string[]; options: CheckCliOptions } | undefined {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: PARSE_OPTIONS });
  } catch {
    return undefined;
  }
  const positionals = parsed.positionals;
  const values = parsed.values as Record<string, unknown>;
  for (const [name, d] of Object.entries(CHECK_OPTIONS)) {
    const v = values[name];
    if (d.choices && typeof v === 'string' && !d.choices.includes(v)) return undefined;
  }
  return { paths: positionals, options: checkCliOptions(values) };
}

/** Runs `check` if argv is a check the quick parse understands; undefined otherwise. */
export async function quickCheck(argv: readonly string[], io: CliIO): Promise<number | undefined> {
  if (argv[0] !== 'check') return undefined;
  const parsed = parseCheckArgs(argv.slice(1));
  if (!parsed) return undefined;
  try {
    const { runCheck } = await loadCheck();
    return runCheck(io, parsed.paths, parsed.options);
  } catch {
    // check writes nothing and prints only at its end: main runs it again and reports the
    // failure as it reports any (internal error, exit 4).
    return undefined;
  }
}
