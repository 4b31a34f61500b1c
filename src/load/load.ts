// The loading stages' pieces (src/pipeline.ts runs them in order): one compose file read,
// parsed, interpolated and reshaped; profiles; the project name. Every value keeps its file,
// line and column.
import { error, hasErrors, warning, type Diagnostic } from '../diagnostics.js';
import { interpolateTree } from './interpolate-tree.js';
import type { FileReader } from './io.js';
import { toSpec, type Format } from './legacy.js';
import { copyKey, isObject, newMap, selfLoc, valueLoc, type JsonObject } from './located.js';
import { parseYaml } from './parse.js';
import { normalizeProjectName, projectNameFromDir } from './project-options.js';

export interface LoadedProject {
  readonly name: string;
  readonly projectDir: string;
  readonly files: readonly string[];
  readonly formats: readonly Format[];
  /** The merged model with extends resolved; services disabled by profiles removed. */
  readonly model: JsonObject;
  /** Services that exist but are disabled by the active profiles. */
  readonly disabled: ReadonlySet<string>;
  readonly profiles: readonly string[];
}

export type LoadedFile = { doc: JsonObject | undefined; format?: Format; diagnostics: Diagnostic[] };

/**
 * Reads one compose file: parsed, interpolated on its own (as compose does, so a variable
 * means the same in every file and an error points into the file that holds it), and legacy
 * v1 reshaped. Each file once: `-f` and `extends` may name the same one.
 */
export function fileLoader(reader: FileReader, lookup: (name: string) => string | undefined): (path: string) => LoadedFile | 'missing' {
  const cache = new Map<string, LoadedFile | 'missing'>();
  const load = (path: string): LoadedFile | 'missing' => {
    const r = reader.read(path);
    if (!r.ok) return r.reason === 'missing' ? 'missing' : { doc: undefined, diagnostics: [error('WGC001', `cannot read compose file: ${r.message}`, { file: path, line: 1, col: 1 })] };
    const parsed = parseYaml(path, r.text);
    const diagnostics = [...parsed.diagnostics];
    if (hasErrors(diagnostics)) return { doc: undefined, diagnostics };
    if (!isObject(parsed.value)) {
      diagnostics.push(error('WGC004', parsed.value === null ? 'empty compose file' : 'a compose file must be a mapping at the top level', { file: path, line: 1, col: 1 }));
      return { doc: undefined, diagnostics };
    }
    diagnostics.push(...interpolateTree(parsed.value, lookup, path));
    const spec = toSpec(parsed.value);
    diagnostics.push(...spec.diagnostics);
    return { doc: spec.doc, format: spec.format, diagnostics };
  };
  return (path) => {
    let hit = cache.get(path);
    if (!hit) cache.set(path, (hit = load(path)));
    return hit;
  };
}

/** https://github.com/compose-spec/compose-spec/blob/main/15-profiles.md */
export function applyProfiles(services: JsonObject, active: readonly string[]): { enabled: JsonObject; disabled: Set<string> } {
  const enabled = newMap(selfLoc(services));
  const disabled = new Set<string>();
  const all = active.includes('*');
  for (const name of Object.keys(services)) {
    const svc = services[name];
    const profiles = isObject(svc) && Array.isArray(svc['profiles']) ? svc['profiles'].map(String) : [];
    if (profiles.length === 0 || all || profiles.some((p) => active.includes(p))) {
      copyKey(enabled, services, name);
    } else disabled.add(name);
  }
  return { enabled, disabled };
}

/** -p or COMPOSE_PROJECT_NAME, else the top-level `name:`, else the project directory's name. */
export function projectName(model: JsonObject, explicit: string | undefined, projectDir: string): { name: string | undefined; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let name = explicit;
  if (name === undefined && typeof model['name'] === 'string' && model['name'] !== '') {
    name = normalizeProjectName(model['name']);
    if (name !== model['name']) diagnostics.push(warning('WGC032', `project name "${model['name']}" normalized to "${name}"`, valueLoc(model, 'name')));
  }
  name ??= projectNameFromDir(projectDir);
  if (name === '') {
    diagnostics.push(error('WGC032', `cannot derive a project name from ${projectDir}`, undefined, 'name the project with -p NAME'));
    return { name: undefined, diagnostics };
  }
  return { name, diagnostics };
}
