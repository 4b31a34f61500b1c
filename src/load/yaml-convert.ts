// The yaml library's node tree → plain located values (src/load/parse.ts parses): every value
// keeps its position, merge keys (`<<`, which go-yaml and therefore compose honour) follow
// YAML 1.1 precedence, and alias expansion and nesting are bounded (LIMITS). Aliases are
// resolved through an index of the document's anchors (src/load/yaml-anchors.ts).
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { error, type Diagnostic, type Pos } from '../diagnostics.js';
import { Anchors } from './yaml-anchors.js';
import { keyLoc, locateMap, locateSeq, setItemLoc, setKeyLoc, valueLoc, type Json, type JsonObject } from './located.js';
import { LIMITS } from './parse.js';
import { markKey, mergeTag, tagsOf, type Tag } from './tags.js';

export class LimitExceeded extends Error {}

export class Converter {
  private aliasNodes = 0;
  private work = 0;
  private aliasChars = 0;
  /** Duplicate keys found (each reported): the file's value is then void. */
  duplicates = 0;
  private readonly anchors: Anchors;

  constructor(
    doc: Document.Parsed,
    private readonly pos: (offset: number | undefined) => Pos,
    private readonly diagnostics: Diagnostic[],
  ) {
    this.anchors = new Anchors(doc);
  }

  private spend(units: number): void {
    this.work += units;
    if (this.work > LIMITS.work) throw new LimitExceeded(`converting it takes more than ${LIMITS.work} steps (a merge-key or alias bomb?)`);
  }

  convert(node: unknown, depth: number, viaAlias: boolean): Json {
    this.spend(1);
    if (depth > LIMITS.depth) throw new LimitExceeded(`nesting deeper than ${LIMITS.depth} levels`);
    if (viaAlias && ++this.aliasNodes > LIMITS.aliasNodes) {
      throw new LimitExceeded(`aliases expand to more than ${LIMITS.aliasNodes} values (an alias bomb?)`);
    }
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = this.anchors.resolve(node);
      if (!target) {
        this.diagnostics.push(error('WGC002', `unknown alias *${node.source}`, this.pos(node.range?.[0])));
        return null;
      }
      return this.convert(target, depth + 1, true);
    }
    if (isScalar(node)) {
      // go-yaml (compose's parser) still reads a plain `0440` as octal, as YAML 1.1 did; file
      // modes of secrets and configs are written that way, so keep their meaning.
      const raw = mergeTag(node.tag) ? untagged(node) : node.value;
      if (typeof raw === 'number' && node.type === 'PLAIN' && /^[-+]?0[0-7]+$/.test(node.source ?? '')) {
        return parseInt(node.source!, 8);
      }
      const value = scalarValue(raw);
      if (viaAlias && typeof value === 'string' && (this.aliasChars += value.length) > LIMITS.aliasChars) {
        throw new LimitExceeded(`aliases repeat more than ${LIMITS.aliasChars} characters of text`);
      }
      return value;
    }
    if (isSeq(node)) return this.seq(node, depth, viaAlias);
    if (isMap(node)) return this.map(node, depth, viaAlias);
    this.diagnostics.push(error('WGC002', 'unsupported YAML node', this.pos((node as Node).range?.[0])));
    return null;
  }

  private seq(node: YAMLSeq, depth: number, viaAlias: boolean): Json[] {
    const out: Json[] = [];
    locateSeq(out, this.pos(node.range?.[0]));
    for (const item of node.items) {
      // A `!reset` item is dropped from its own sequence (compose-go's ResetProcessor does so).
      if (this.tagOf(item) === 'reset') continue;
      out.push(this.convert(item, depth + 1, viaAlias));
      setItemLoc(out, out.length - 1, this.pos((item as Node | null)?.range?.[0] ?? node.range?.[0]));
    }
    return out;
  }

  private map(node: YAMLMap, depth: number, viaAlias: boolean): JsonObject {
    // Object.create(null): keys such as `__proto__` or `constructor` are data, never prototype.
    const out = Object.create(null) as JsonObject;
    locateMap(out, this.pos(node.range?.[0]));
    const merges: Node[] = [];
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      if (keyNode !== null && !isScalar(keyNode)) {
        this.diagnostics.push(error('WGC002', 'mapping keys must be plain scalars', this.pos(keyNode.range?.[0])));
        continue;
      }
      // As the yaml library's uniqueKeys: keys are equal when their scalar values are.
      const identity = keyNode === null ? null : keyNode.value;
      if (seen.has(identity)) {
        this.duplicates++;
        this.diagnostics.push(error('WGC002', 'Map keys must be unique', this.pos(keyNode?.range?.[0] ?? node.range?.[0])));
        continue;
      }
      seen.add(identity);
      const key = keyNode === null ? '' : String(keyNode.value ?? '');
      const keyPos = this.pos(keyNode?.range?.[0] ?? node.range?.[0]);
      if (key === '<<' && keyNode !== null && (keyNode as { type?: string }).type === 'PLAIN') {
        if (valueNode) merges.push(valueNode);
        continue;
      }
      // `KEY: !reset VALUE`: the key is not in this file's mapping, and the merge removes it
      // from the base (src/load/tags.ts); `!override` keeps the value and marks the key.
      const tag = this.tagOf(valueNode);
      if (tag) markKey(out, key, tag, keyPos);
      if (tag === 'reset') continue;
      out[key] = this.convert(valueNode, depth + 1, viaAlias);
      setKeyLoc(out, key, keyPos, valueNode?.range ? this.pos(valueNode.range[0]) : keyPos);
    }
    for (const m of merges) this.merge(out, m, depth, viaAlias);
    return out;
  }

  /**
   * YAML merge keys (https://yaml.org/type/merge.html): explicit keys win, and among the
   * merged mappings an earlier one wins over a later one.
   */
  private merge(out: JsonObject, m: Node, depth: number, viaAlias: boolean): void {
    const sources = isSeq(m) ? m.items : [m];
    // Keys written in the mapping itself (a `!reset` one too), and keys an earlier source gave.
    const explicit = new Set([...Object.keys(out), ...tagsOf(out).keys()]);
    const taken = new Set<string>();
    for (const s of sources) {
      const merged = this.convert(s, depth + 1, viaAlias || isAlias(s));
      if (merged === null || typeof merged !== 'object' || Array.isArray(merged)) {
        this.diagnostics.push(error('WGC002', 'merge key << expects a mapping or a list of mappings', this.pos((s as Node | null)?.range?.[0] ?? m.range?.[0])));
        continue;
      }
      const keys = Object.keys(merged);
      this.spend(keys.length);
      // Tags inside a merged mapping apply where it is merged (compose-go drops `<<` from
      // their paths); an explicit key, or an earlier merged mapping's, wins as values do.
      const tags = tagsOf(merged);
      for (const [k, t] of tags) if (!explicit.has(k) && !taken.has(k)) markKey(out, k, t.tag, t.pos);
      for (const k of keys) {
        if (explicit.has(k) || taken.has(k)) continue;
        out[k] = merged[k]!;
        const fallback = this.pos(m.range?.[0]);
        const kp = keyPosOf(merged, k) ?? { key: fallback, value: fallback };
        setKeyLoc(out, k, kp.key, kp.value);
      }
      for (const k of [...keys, ...tags.keys()]) taken.add(k);
    }
  }

  /** Our merge tag on a node, or on the node an alias names (as compose-go reads it). */
  private tagOf(node: unknown): Tag | undefined {
    const target = isAlias(node) ? this.anchors.resolve(node) : (node as Node | null);
    return mergeTag((target as { tag?: string } | null | undefined)?.tag);
  }
}

/**
 * A plain scalar under one of our tags: the yaml library leaves it a string (the tag is
 * unknown to it), where the core schema would make `!override 8080` a number.
 */
function untagged(node: Scalar): unknown {
  if (node.type !== 'PLAIN' || node.source === undefined) return node.value;
  const contents = parseDocument(node.source).contents;
  return isScalar(contents) ? contents.value : node.value;
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
