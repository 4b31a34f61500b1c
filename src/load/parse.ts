// YAML text → plain located values. We walk the yaml library's node tree ourselves instead of
// calling toJS(), because every value must keep its position, merge keys (`<<`, which go-yaml
// and therefore compose honour) must follow YAML 1.1 precedence, and untrusted input (alias
// bombs, deep nesting) must end in a diagnostic rather than a hang or a stack overflow.
import { Lexer, LineCounter, parseDocument, type Document } from 'yaml';
import { error, type Diagnostic, type Pos } from '../diagnostics.js';
import type { Json } from './located.js';
import { Converter, LimitExceeded } from './yaml-convert.js';

/** Bounds that keep hostile input from exhausting time, memory or the stack. */
export const LIMITS = {
  /** Deepest nesting of mappings/sequences accepted; real compose files stay under 15. */
  depth: 256,
  /** Values produced by expanding aliases; an alias bomb multiplies this exponentially. */
  aliasNodes: 1_000_000,
  /**
   * All the work of converting one file: every value made and every key a merge (`<<`)
   * copies. A merge-key bomb copies ever larger mappings with few aliases; 10,000 services
   * with a `<<: *defaults` each stay under a million.
   */
  work: 4_000_000,
  /** Characters of strings that aliases repeat: `[*a × 2000]` of a 1 MB string is 2 GB. */
  aliasChars: 16 * 1024 * 1024,
  /**
   * YAML tokens in one file, counted by the lexer (fast, and in constant memory) before the
   * document is built: the document costs up to ~400 bytes per token. 10,000 services with
   * three links each are ~480,000 tokens; a million tokens caps the parse near 500 MB.
   */
  tokens: 1_000_000,
} as const;

export interface ParsedFile {
  readonly file: string;
  readonly value: Json;
  readonly diagnostics: Diagnostic[];
}

export function parseYaml(file: string, text: string): ParsedFile {
  let tokens = 0;
  for (const _ of new Lexer().lex(text)) {
    if (++tokens > LIMITS.tokens) return tooComplex(file, `more than ${LIMITS.tokens} YAML tokens; a compose file of 20,000 services has fewer`);
  }
  const lc = new LineCounter();
  let doc: Document.Parsed;
  try {
    // YAML 1.2 core schema, as go-yaml v3 (used by compose) reads `yes`/`on` as strings.
    // Duplicate keys are found below, while converting: the yaml library's own check
    // (uniqueKeys) compares each key with every earlier one, which is quadratic in the size of
    // a mapping (a second for 10,000 services).
    doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false, merge: false, strict: false });
  } catch (e) {
    if (e instanceof RangeError) return tooComplex(file, 'nesting is too deep to parse');
    throw e;
  }
  const pos = (offset: number | undefined): Pos => {
    const p = lc.linePos(offset ?? 0);
    return { file, line: p.line, col: p.col };
  };
  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) {
    // The yaml library catches its own stack overflow on deep nesting and reports it as an
    // error with this code, so the RangeError handler above never sees it.
    if (e.code === 'RESOURCE_EXHAUSTION') return tooComplex(file, 'nesting is too deep to parse');
    diagnostics.push(error('WGC002', e.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, ''), pos(e.pos[0])));
  }
  if (diagnostics.length > 0) return { file, value: null, diagnostics };

  try {
    const c = new Converter(doc, pos, diagnostics);
    const value = c.convert(doc.contents, 0, false);
    return { file, value: c.duplicates > 0 ? null : value, diagnostics };
  } catch (e) {
    if (e instanceof LimitExceeded) return tooComplex(file, e.message);
    if (e instanceof RangeError) return tooComplex(file, 'nesting is too deep');
    throw e;
  }
}

function tooComplex(file: string, why: string): ParsedFile {
  return { file, value: null, diagnostics: [error('WGC003', `refusing this YAML: ${why}`, { file, line: 1, col: 1 })] };
}
