// Small helpers shared by the loader tests (not a test file itself: uvu only runs *.test.js).
import type { Diagnostic, Pos } from '../../src/diagnostics.js';
import { isObject, type Json, type JsonObject } from '../../src/load/located.js';
import { mergeValues } from '../../src/load/merge.js';
import { parseYaml } from '../../src/load/parse.js';

/**
 * The loader builds prototype-less objects (`Object.create(null)`), which uvu's deep equality
 * never equates with an object literal; compare their JSON image instead.
 */
export const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

/** A position literal, shorter to write in assertions. */
export const at = (file: string, line: number, col: number): Pos => ({ file, line, col });

/** `CODE@line:col` for every diagnostic, in order: compact, and still exact. */
export const codes = (ds: readonly Diagnostic[]): string[] =>
  ds.map((d) => `${d.code}${d.pos ? `@${d.pos.line}:${d.pos.col}` : ''}`);

/** Parses YAML that the test expects to be clean, failing loudly otherwise. */
export function yaml(file: string, text: string): JsonObject {
  const r = parseYaml(file, text);
  if (r.diagnostics.length > 0) throw new Error(`fixture ${file} does not parse: ${JSON.stringify(r.diagnostics)}`);
  if (!isObject(r.value)) throw new Error(`fixture ${file} is not a mapping`);
  return r.value;
}

/** Follows a path of keys/indices through plain data; throws when a step is missing. */
export function get(root: Json | undefined, ...path: (string | number)[]): Json {
  let cur: Json | undefined = root;
  for (const seg of path) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObject(cur) && Object.hasOwn(cur, String(seg))) cur = cur[String(seg)];
    else throw new Error(`no ${String(seg)} in ${JSON.stringify(cur)}`);
  }
  if (cur === undefined) throw new Error(`nothing at ${path.join('.')}`);
  return cur;
}

/** Merges the override file's `web` onto the base file's `web` and returns the merged `web`. */
export function mergeWeb(base: string, over: string, files: readonly [string, string] = ['/p/compose.yaml', '/p/compose.override.yaml']): { web: JsonObject; merged: JsonObject } {
  const merged = mergeValues(yaml(files[0], `services:\n  web:\n${indent(base)}`), yaml(files[1], `services:\n  web:\n${indent(over)}`)) as JsonObject;
  return { web: get(merged, 'services', 'web') as JsonObject, merged };
}
const indent = (s: string) =>
  s
    .split('\n')
    .map((l) => (l ? `    ${l}` : l))
    .join('\n');
