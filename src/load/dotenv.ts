// Parser for `.env` / `--env-file` files, following compose-go's `dotenv` package (itself derived
// from joho/godotenv), which is what `docker compose` uses. Pure: the process environment comes
// in through `lookup`; problems are returned with 1-based line and column, and parsing goes on
// with the next line so that one typo does not hide the rest of the file.
//
// Format, one statement per line:
//   # comment                  blank lines and lines starting with # are ignored
//   [export ]KEY=value         unquoted: trimmed, ends at a `#` preceded by whitespace,
//                              ${VAR} / $VAR interpolated
//   KEY='value'                single-quoted: literal, may span lines
//   KEY="value"                double-quoted: \n \t \r \\ \" \$ … escapes, interpolated,
//                              may span lines
//   KEY                        inherited: the value `lookup` has for KEY, if any
// References resolve against the variables defined earlier in the same file, then `lookup`.
// Interpolation is the compose one (https://github.com/compose-spec/compose-spec/blob/main/12-interpolation.md).
//
// This module parses statements and expands values; the characters below them (blanks, line
// ends, positions, the escapes of double-quoted values) are src/load/dotenv-scan.ts.

import { DotenvSource, isBlank, normalize, scanDoubleQuoted } from './dotenv-scan.js';
import { interpolate } from './interpolate.js';

export interface DotenvProblem {
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  message: string;
}

type Lookup = (name: string) => string | undefined;

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function parseDotenv(text: string, lookup?: Lookup): { vars: Map<string, string>; problems: DotenvProblem[] } {
  const p = new Parser(normalize(text), lookup ?? (() => undefined));
  p.parse();
  return { vars: p.vars, problems: p.problems };
}

class Parser extends DotenvSource {
  readonly vars = new Map<string, string>();
  readonly problems: DotenvProblem[] = [];

  constructor(
    text: string,
    private readonly lookup: Lookup,
  ) {
    super(text);
  }

  parse(): void {
    for (let pos = 0; pos < this.text.length; ) pos = this.statement(pos) + 1;
  }

  /**
   * Parses the statement starting on the line at `pos` and returns the index of the newline
   * that ends it (a quoted value may span lines). A bad statement is reported and defines
   * nothing; parsing resumes on the next line.
   */
  private statement(pos: number): number {
    const end = this.lineEnd(pos);
    let i = this.skipBlanks(pos, end);
    if (i === end || this.text[i] === '#') return end;
    i = this.skipExport(i, end);

    const keyEnd = this.keyEnd(i, end);
    if (keyEnd === i) return this.fail(i, 'missing variable name before "="');
    const key = this.text.slice(i, keyEnd);
    if (!this.checkKey(key, i)) return end;

    const j = this.skipBlanks(keyEnd, end);
    if (j === end || (this.text[j] === '#' && j > keyEnd)) {
      // A key alone takes its value from the environment, and is skipped if there is none.
      const inherited = this.lookup(key);
      if (inherited !== undefined) this.vars.set(key, inherited);
      return end;
    }
    if (this.text[j] !== '=') {
      return this.fail(j, `unexpected "${this.text.slice(j, end).trimEnd()}" after variable name "${key}"; expected "="`);
    }

    const start = this.skipBlanks(j + 1, end);
    const quote = this.text[start];
    if (quote !== "'" && quote !== '"') {
      const v = this.unquoted(start, end);
      if (v !== undefined) this.vars.set(key, v);
      return end;
    }
    const v = quote === "'" ? this.singleQuoted(start) : this.doubleQuoted(start);
    if (v === undefined) return end; // unterminated: resume on the line after the opening quote
    const last = this.lineEnd(v.end);
    // After the closing quote only whitespace and a comment may follow.
    const k = this.skipBlanks(v.end, last);
    if (k < last && this.text[k] !== '#') {
      this.report(k, `unexpected "${this.text.slice(k, last).trimEnd()}" after closing quote`);
    } else if (v.value !== undefined) {
      this.vars.set(key, v.value);
    }
    return last;
  }

  // --- keys -------------------------------------------------------------------------------------

  /** Skips a leading `export` followed by whitespace and something else (`export` alone is a key). */
  private skipExport(i: number, end: number): number {
    if (!this.text.startsWith('export', i) || !isBlank(this.text[i + 6])) return i;
    const k = this.skipBlanks(i + 6, end);
    return k === end || this.text[k] === '#' ? i : k;
  }

  /** The key runs up to whitespace, `=` or the end of the line. */
  private keyEnd(i: number, end: number): number {
    while (i < end && this.text[i] !== '=' && !isBlank(this.text[i])) i++;
    return i;
  }

  /** Reports the first character of `key` (found at `at`) that makes it invalid, if any. */
  private checkKey(key: string, at: number): boolean {
    if (KEY_PATTERN.test(key)) return true;
    let k = 0;
    while (k < key.length && (k === 0 ? /[A-Za-z_]/ : /[A-Za-z0-9_.-]/).test(key[k]!)) k++;
    const c = key[k] ?? '';
    const hint = c === ':' ? ' (only KEY=VALUE is supported)' : '';
    this.report(at + k, `unexpected character "${c}" in variable name "${key}"${hint}`);
    return false;
  }

  // --- values -----------------------------------------------------------------------------------

  /** Up to the end of the line or an inline comment (`#` preceded by whitespace), trimmed. */
  private unquoted(i: number, end: number): string | undefined {
    let stop = i;
    while (stop < end && !(this.text[stop] === '#' && isBlank(this.text[stop - 1]))) stop++;
    while (stop > i && isBlank(this.text[stop - 1])) stop--;
    return this.expand(this.text.slice(i, stop), (offset) => i + offset);
  }

  /** Everything up to the next `'`, literally (no escapes, no interpolation). */
  private singleQuoted(q: number): { value: string; end: number } | undefined {
    const close = this.text.indexOf("'", q + 1);
    if (close === -1) {
      this.report(q, 'unterminated single-quoted value');
      return undefined;
    }
    return { value: this.text.slice(q + 1, close), end: close + 1 };
  }

  /**
   * A double-quoted value (src/load/dotenv-scan.ts applies the escapes), then interpolated;
   * interpolation problems point into the file through the scan's origins. The value is
   * undefined (and reported) when interpolation fails.
   */
  private doubleQuoted(q: number): { value: string | undefined; end: number } | undefined {
    const scanned = scanDoubleQuoted(this.text, q);
    if (scanned === undefined) {
      this.report(q, 'unterminated double-quoted value');
      return undefined;
    }
    return { value: this.expand(scanned.raw, (offset) => scanned.origin[offset] ?? q), end: scanned.end };
  }

  /**
   * Interpolates a value against the variables defined earlier in the file, then `lookup`.
   * Unset references become '' silently (compose only logs them); syntax and required errors
   * are reported at the `$` they come from and leave the key undefined.
   */
  private expand(raw: string, sourceIndex: (offset: number) => number): string | undefined {
    if (!raw.includes('$')) return raw;
    const r = interpolate(raw, (name) => this.vars.get(name) ?? this.lookup(name));
    for (const p of r.problems) this.report(sourceIndex(p.offset), p.message);
    return r.problems.length === 0 ? r.value : undefined;
  }

  // --- problems ---------------------------------------------------------------------------------

  /** Reports a problem at text index `at` and returns the end of its line (to resume after). */
  private fail(at: number, message: string): number {
    this.report(at, message);
    return this.lineEnd(at);
  }

  private report(at: number, message: string): void {
    this.problems.push({ ...this.positionOf(at), message });
  }
}
