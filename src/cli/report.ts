// Printing diagnostics: `file:line:col: severity CODE: message`, paths relative to the
// working directory when that is shorter (what editors and CI annotators expect).
import { isAbsolute, relative } from 'node:path';
import { dedupe, formatDiagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import type { CliIO } from './io.js';

export function displayPath(cwd: string, file: string): string {
  if (!isAbsolute(file)) return file;
  const r = relative(cwd, file);
  return r === '' || r.startsWith('..') || isAbsolute(r) ? file : r;
}

/** Prints every diagnostic to stderr; returns whether any was an error. */
export function report(io: CliIO, diagnostics: readonly Diagnostic[]): boolean {
  for (const d of sortDiagnostics(dedupe(diagnostics))) io.stderr(`${formatDiagnostic(d, (f) => displayPath(io.cwd, f))}\n`);
  return hasErrors(diagnostics);
}
