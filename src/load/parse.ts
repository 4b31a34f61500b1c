// YAML text → plain located values. We walk the yaml library's node tree ourselves instead of
// calling toJS(), because every value must keep its position, merge keys (`<<`, which go-yaml
// and therefore compose honour) must follow YAML 1.1 precedence, and untrusted input (alias
// bombs, deep nesting) must end in a diagnostic rather than a hang or a stack overflow.
import { Lexer, LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { error, type Diagnostic, type Pos } from '../diagnostics.js';
import { keyLoc, locateMap, locateSeq, setItemLoc, setKeyLoc, valueLoc, type Json, type JsonObject } from './located.js';

/** Bounds that keep hostile input from exhausting time, memory or the stack. */
export const LIMITS = {
  /** Deepest nesting of mappings/sequences accepted; real compose files stay under 15. */
  depth: 256,
  /** Values produced by expanding aliases; an alias bomb multiplies this exponentially. */
  aliasNodes: 1_000_000,
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

class LimitExceeded extends Error {}

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

  let aliasNodes = 0;
  let duplicates = 0;
  const convert = (node: unknown, depth: number, viaAlias: boolean): Json => {
    if (depth > LIMITS.depth) throw new LimitExceeded(`nesting deeper than ${LIMITS.depth} levels`);
    if (viaAlias && ++aliasNodes > LIMITS.aliasNodes) {
      throw new LimitExceeded(`aliases expand to more than ${LIMITS.aliasNodes} values (an alias bomb?)`);
    }
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) {
        diagnostics.push(error('WGC002', `unknown alias *${node.source}`, pos(node.range?.[0])));
        return null;
      }
      return convert(target, depth + 1, true);
    }
    if (isScalar(node)) {
      // go-yaml (compose's parser) still reads a plain `0440` as octal, as YAML 1.1 did; file
      // modes of secrets and configs are written that way, so keep their meaning.
      if (typeof node.value === 'number' && node.type === 'PLAIN' && /^[-+]?0[0-7]+$/.test(node.source ?? '')) {
        return parseInt(node.source!, 8);
      }
      return scalarValue(node.value);
    }
    if (isSeq(node)) {
      const out: Json[] = [];
      locateSeq(out, pos(node.range?.[0]));
      node.items.forEach((item, i) => {
        out.push(convert(item, depth + 1, viaAlias));
        setItemLoc(out, i, pos((item as Node | null)?.range?.[0] ?? node.range?.[0]));
      });
      return out;
    }
    if (isMap(node)) {
      // Object.create(null): keys such as `__proto__` or `constructor` are data, never prototype.
      const out = Object.create(null) as JsonObject;
      locateMap(out, pos(node.range?.[0]));
      const merges: Node[] = [];
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const valueNode = pair.value as Node | null;
        if (keyNode !== null && !isScalar(keyNode)) {
          diagnostics.push(error('WGC002', 'mapping keys must be plain scalars', pos(keyNode.range?.[0])));
          continue;
        }
        // As the yaml library's uniqueKeys: keys are equal when their scalar values are.
        const identity = keyNode === null ? null : keyNode.value;
        if (seen.has(identity)) {
          duplicates++;
          diagnostics.push(error('WGC002', 'Map keys must be unique', pos(keyNode?.range?.[0] ?? node.range?.[0])));
          continue;
        }
        seen.add(identity);
        const key = keyNode === null ? '' : String(keyNode.value ?? '');
        const keyPos = pos(keyNode?.range?.[0] ?? node.range?.[0]);
        if (key === '<<' && keyNode !== null && (keyNode as { type?: string }).type === 'PLAIN') {
          if (valueNode) merges.push(valueNode);
          continue;
        }
        out[key] = convert(valueNode, depth + 1, viaAlias);
        setKeyLoc(out, key, keyPos, valueNode?.range ? pos(valueNode.range[0]) : keyPos);
      }
      // YAML merge keys (https://yaml.org/type/merge.html): explicit keys win, and among the
      // merged mappings an earlier one wins over a later one.
      for (const m of merges) {
        const sources = isSeq(m) ? m.items : [m];
        for (const s of sources) {
          const merged = convert(s, depth + 1, viaAlias || isAlias(s));
          if (merged === null || typeof merged !== 'object' || Array.isArray(merged)) {
            diagnostics.push(error('WGC002', 'merge key << expects a mapping or a list of mappings', pos((s as Node | null)?.range?.[0] ?? m.range?.[0])));
            continue;
          }
          for (const k of Object.keys(merged)) {
            if (Object.hasOwn(out, k)) continue;
            out[k] = merged[k]!;
            const fallback = pos(m.range?.[0]);
            const kp = keyPosOf(merged, k) ?? { key: fallback, value: fallback };
            setKeyLoc(out, k, kp.key, kp.value);
          }
        }
      }
      return out;
    }
    diagnostics.push(error('WGC002', 'unsupported YAML node', pos((node as Node).range?.[0])));
    return null;
  };

  try {
    const value = convert(doc.contents, 0, false);
    return { file, value: duplicates > 0 ? null : value, diagnostics };
  } catch (e) {
    if (e instanceof LimitExceeded) return tooComplex(file, e.message);
    if (e instanceof RangeError) return tooComplex(file, 'nesting is too deep');
    throw e;
  }
}

function tooComplex(file: string, why: string): ParsedFile {
  return { file, value: null, diagnostics: [error('WGC003', `refusing this YAML: ${why}`, { file, line: 1, col: 1 })] };
}

function scalarValue(v: unknown): Json {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return Number(v);
  return String(v);
}

function keyPosOf(obj: JsonObject, k: string): { key: Pos; value: Pos } | undefined {
  const key = keyLoc(obj, k);
  const value = valueLoc(obj, k);
  return key && value ? { key, value } : undefined;
}
