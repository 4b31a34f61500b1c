// Printing diagnostics: `file:line:col: severity CODE: message`, files inside the working
// directory named relative to it (what editors and CI annotators expect), then the source line
// with a caret under the column when the CLI's io can read the file, then the hint.
import { basename, isAbsolute, relative, sep } from 'node:path';
import { dedupe, formatDiagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import { sourceExcerpt } from './excerpt.js';
import type { CliIO } from './io.js';

/** A file as the user should read it: relative to cwd when inside it, else as given. */
export function displayPath(cwd: string, file: string): string {
  if (!isAbsolute(file)) return file;
  const r = relative(cwd, file);
  return r === '' || r.startsWith('..') || isAbsolute(r) ? file : r;
}

/**
 * Files whose lines may be quoted: compose files and lockfiles. Never a file in a state
 * directory, a wg-quick file, a key or an env file: their lines hold secrets.
 */
export function mayQuote(file: string): boolean {
  if (file.split(sep).includes('.wg-compose')) return false;
  const name = basename(file);
  return name === 'wg-compose.lock' || /\.ya?ml$/.test(name);
}

/** Formats diagnostics for a terminal, reading each quoted file once. */
export function textReporter(io: Pick<CliIO, 'cwd' | 'readSource'>): (d: Diagnostic) => string {
  const texts = new Map<string, string | undefined>();
  const source = (file: string): string | undefined => {
    if (!texts.has(file)) texts.set(file, io.readSource?.(file));
    return texts.get(file);
  };
  return (d) => {
    const head = formatDiagnostic({ ...d, hint: undefined }, (f) => displayPath(io.cwd, f));
    // 1:1 is where a problem of a whole file is placed (no lockfile yet, a key file's mode): no text to point at.
    const wholeFile = d.pos === undefined || (d.pos.line === 1 && d.pos.col === 1);
    const text = wholeFile || !io.readSource || !mayQuote(d.pos!.file) ? undefined : source(d.pos!.file);
    const excerpt = text === undefined ? undefined : sourceExcerpt(text, d.pos!.line, d.pos!.col);
    return `${head}${excerpt ? `\n${excerpt}` : ''}${d.hint ? `\n  hint: ${d.hint}` : ''}`;
  };
}

/** Prints every diagnostic to stderr; returns whether any was an error. */
export function report(io: CliIO, diagnostics: readonly Diagnostic[]): boolean {
  const format = textReporter(io);
  for (const d of sortDiagnostics(dedupe(diagnostics))) io.stderr(`${format(d)}\n`);
  return hasErrors(diagnostics);
}
