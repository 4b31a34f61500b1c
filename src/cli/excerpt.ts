// The line a diagnostic points at, with a caret under its column, as eemeli/yaml's
// prettifyError shows it. Pure: the CLI hands in the file's text. Bounded: one line of the
// file, at most EXCERPT_WIDTH characters of it around the column, control characters shown
// as spaces (a file must not be able to send escape sequences to the terminal).

export const EXCERPT_WIDTH = 120;

/**
 * Two lines, `  L | text` and `    | ^`, or undefined when the file has no such line.
 * Columns are 1-based UTF-16 offsets, as the yaml library counts them.
 */
export function sourceExcerpt(text: string, line: number, col: number): string | undefined {
  if (line < 1) return undefined;
  const raw = lineAt(text, line);
  if (raw === undefined) return undefined;
  const clean = raw.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  const at = Math.min(Math.max(col - 1, 0), clean.length);
  let start = 0;
  if (clean.length > EXCERPT_WIDTH) start = Math.min(Math.max(0, at - EXCERPT_WIDTH / 2), clean.length - EXCERPT_WIDTH);
  const before = start > 0 ? '…' : '';
  const after = start + EXCERPT_WIDTH < clean.length ? '…' : '';
  const gutter = String(line);
  const shown = `${before}${clean.slice(start, start + EXCERPT_WIDTH)}${after}`;
  return `  ${gutter} | ${shown}\n  ${' '.repeat(gutter.length)} | ${' '.repeat(before.length + at - start)}^`;
}

/** Line `line` (1-based) without its line break, found without splitting the whole file. */
function lineAt(text: string, line: number): string | undefined {
  let from = 0;
  for (let i = 1; i < line; i++) {
    const nl = text.indexOf('\n', from);
    if (nl < 0) return undefined;
    from = nl + 1;
  }
  if (from > text.length || (from === text.length && line > 1)) return undefined;
  const nl = text.indexOf('\n', from);
  return text.slice(from, nl < 0 ? text.length : nl).replace(/\r$/, '');
}
