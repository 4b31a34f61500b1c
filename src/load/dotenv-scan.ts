// The characters of a `.env` file, below its statements: blanks, line ends, 1-based positions,
// and the text of a double-quoted value with its backslash escapes applied. Nothing here knows
// keys, values or comments, and nothing is reported: src/load/dotenv.ts parses the statements
// with these, expands values, and reports problems at the positions this module computes.
// The escapes follow compose-go's `dotenv` package, as dotenv.ts does.

/** Drops a UTF-8 byte order mark and turns CRLF line endings into LF (also inside quoted values). */
export function normalize(text: string): string {
  const noBom = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return noBom.replace(/\r\n/g, '\n');
}

/** Whitespace inside a line (compose-go's isSpace, minus the exotic ones). */
export function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\v' || c === '\f' || c === '\r';
}

/** A file's (normalized) text and where its lines start, for moving within a line and for positions. */
export class DotenvSource {
  private readonly lineStarts: number[] = [0];

  constructor(protected readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  protected skipBlanks(i: number, end: number): number {
    while (i < end && isBlank(this.text[i])) i++;
    return i;
  }

  /** Index of the `\n` ending the line that contains `i`, or the text length. */
  protected lineEnd(i: number): number {
    const n = this.text.indexOf('\n', i);
    return n === -1 ? this.text.length : n;
  }

  /** 1-based line and column of text index `at`. */
  protected positionOf(at: number): { line: number; col: number } {
    // The line is the last line start <= at (binary search).
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: at - this.lineStarts[lo]! + 1 };
  }
}

/**
 * The double-quoted value whose opening `"` is at `q`: the text up to the next unescaped `"`,
 * with backslash escapes applied (unknown ones keep their backslash, as in compose-go); `\$`
 * becomes `$$` so that interpolation leaves a literal `$`. `origin[k]` is where character k of
 * `raw` came from, so interpolation problems point into the file; `end` is just past the closing
 * quote. Undefined when there is no closing quote.
 */
export function scanDoubleQuoted(text: string, q: number): { raw: string; origin: number[]; end: number } | undefined {
  let raw = '';
  const origin: number[] = [];
  for (let i = q + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { raw, origin, end: i + 1 };
    const from = i;
    const s = c === '\\' && i + 1 < text.length ? unescape(text[++i]!) : c;
    raw += s;
    for (let n = 0; n < s.length; n++) origin.push(from);
  }
  return undefined;
}

/** The text a backslash escape in a double-quoted value stands for. */
function unescape(c: string): string {
  switch (c) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case 'f':
      return '\f';
    case 'v':
      return '\v';
    case 'a':
      return '\x07';
    case 'b':
      return '\b';
    case '\\':
      return '\\';
    case '"':
      return '"';
    case '$':
      return '$$';
    default:
      return '\\' + c;
  }
}
