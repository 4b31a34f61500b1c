// Printing command lines the way a shell reads them back. Pure, so the plan's text
// (src/plan/describe.ts) can use it without reaching the file system.

/** POSIX shell quoting for printed commands: a reader can paste them as they are. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}
