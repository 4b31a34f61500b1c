// YAML text → plain located values. We walk the yaml library's node tree ourselves instead of
// calling toJS(), because every value must keep its position, merge keys (`<<`, which go-yaml
// and therefore compose honour) must follow YAML 1.1 precedence, and untrusted input (alias
// bombs, deep nesting) must end in a diagnostic rather than a hang or a stack overflow.
import { Composer, Lexer, LineCounter, Parser, YAMLParseError, type Document, type ParseOptions, type DocumentOptions, type SchemaOptions } from 'yaml';
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
   * YAML tokens in one file, counted as the lexer makes them: the document costs up to ~400
   * bytes per token, so the parse stops at the first token over the limit, having built no
   * more than the largest file accepted. 10,000 services with three links each are ~480,000
   * tokens; a million tokens caps the parse near 500 MB.
   */
  tokens: 1_000_000,
} as const;

export interface ParsedFile {
  readonly file: string;
  readonly value: Json;
  readonly diagnostics: Diagnostic[];
}

export function parseYaml(file: string, text: string): ParsedFile {
  const lc = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseCounted(text, lc);
  } catch (e) {
    if (e instanceof TooManyTokens) return tooComplex(file, `more than ${LIMITS.tokens} YAML tokens; a compose file of 20,000 services has fewer`);
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

class TooManyTokens extends Error {}

// YAML 1.2 core schema, as go-yaml v3 (used by compose) reads `yes`/`on` as strings.
// Duplicate keys are found while converting (yaml-convert.ts): the yaml library's own check
// (uniqueKeys) compares each key with every earlier one, which is quadratic in the size of a
// mapping (a second for 10,000 services).
const OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = { uniqueKeys: false, prettyErrors: false, merge: false, strict: false };

/**
 * The yaml library's parseDocument, but counting tokens as they are lexed (LIMITS.tokens):
 * its own parse lexes inside, so counting first was a second lexing of the whole file, a
 * tenth of the parse. The steps are the library's public Lexer, Parser and Composer, in the
 * order parseDocument takes them.
 */
function parseCounted(text: string, lc: LineCounter): Document.Parsed {
  const parser = new Parser(lc.addNewLine);
  function* tokens() {
    lc.addNewLine(0);
    let n = 0;
    for (const lexeme of new Lexer().lex(text)) {
      if (++n > LIMITS.tokens) throw new TooManyTokens();
      yield* parser.next(lexeme);
    }
    yield* parser.end();
  }
  let doc: Document.Parsed | undefined;
  for (const d of new Composer(OPTIONS).compose(tokens(), true, text.length)) {
    if (!doc) doc = d;
    else {
      doc.errors.push(new YAMLParseError([d.range[0], d.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  return doc!;
}

function tooComplex(file: string, why: string): ParsedFile {
  return { file, value: null, diagnostics: [error('WGC003', `refusing this YAML: ${why}`, { file, line: 1, col: 1 })] };
}
