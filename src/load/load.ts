// The loading half of the pipeline: compose files in, one merged Compose-Specification model
// out, with every value still knowing its file, line and column.
import { join } from 'node:path';
import { error, hasErrors, warning, type Diagnostic } from '../diagnostics.js';
import { resolveExtends } from './extends.js';
import { interpolateTree } from './interpolate-tree.js';
import { STDIN_NAME, withStdin, type FileReader } from './io.js';
import { toSpec, type Format } from './legacy.js';
import { copyKey, isObject, newMap, selfLoc, valueLoc, type JsonObject } from './located.js';
import { mergeValues } from './merge.js';
import { parseYaml } from './parse.js';
import { normalizeProjectName, projectNameFromDir, resolveOptions, type Environment, type ProjectOptions } from './project-options.js';

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

export type LoadResult = { project: LoadedProject | undefined; diagnostics: Diagnostic[] };

/**
 * The stage order, and why:
 * 1. options first: they decide the files, the project directory and the environment;
 * 2. each file is parsed and interpolated on its own, as compose does, so a variable means
 *    the same in every file and an error points into the file that holds it;
 * 3. legacy v1 files are reshaped before merging, so the merge sees one shape;
 * 4. files merge in `-f` order; `extends` comes after the merge so an override file can
 *    change what a service extends, and the base sees fully merged attributes;
 * 5. profiles last: a disabled service must still exist for extends and for the link check
 *    to say "disabled" rather than "missing".
 */
export function loadProject(opts: ProjectOptions, envr: Environment): LoadResult {
  const resolved = resolveOptions(opts, envr);
  const diagnostics: Diagnostic[] = [...resolved.diagnostics];
  if (resolved.files.length === 0 || hasErrors(diagnostics)) return { project: undefined, diagnostics };
  // `-f -`: standard input, as a file of the project directory (see STDIN_NAME).
  const stdinPath = join(resolved.projectDir, STDIN_NAME);
  const files = resolved.files.map((f) => (f === '-' ? stdinPath : f));
  const reader = files.includes(stdinPath) ? withStdin(envr.reader, stdinPath, opts.stdin) : envr.reader;

  const loadFile = fileLoader(reader, resolved.lookup);

  let model: JsonObject | undefined;
  const formats: Format[] = [];
  for (const file of files) {
    const res = loadFile(file);
    if (res === 'missing') {
      diagnostics.push(error('WGC001', `compose file not found: ${file}`, undefined, 'check the -f option or COMPOSE_FILE'));
      continue;
    }
    diagnostics.push(...res.diagnostics);
    if (!res.doc) continue;
    if (res.format) formats.push(res.format);
    model = model === undefined ? res.doc : (mergeValues(model, res.doc) as JsonObject);
  }
  if (!model || hasErrors(diagnostics)) return { project: undefined, diagnostics };

  if (!isObject(model['services'])) {
    if (model['services'] !== undefined && model['services'] !== null) {
      diagnostics.push(error('WGC030', 'services must be a mapping of service names to definitions', valueLoc(model, 'services')));
      return { project: undefined, diagnostics };
    }
    model['services'] = newMap(undefined);
  }
  diagnostics.push(...resolveExtends(model, files[0]!, resolved.projectDir, loadFile));

  const { enabled, disabled } = applyProfiles(model['services'] as JsonObject, resolved.profiles);
  model['services'] = enabled;

  let name = resolved.explicitName;
  if (name === undefined && typeof model['name'] === 'string' && model['name'] !== '') {
    name = normalizeProjectName(model['name']);
    if (name !== model['name']) {
      diagnostics.push(warning('WGC032', `project name "${model['name']}" normalized to "${name}"`, valueLoc(model, 'name')));
    }
  }
  name ??= projectNameFromDir(resolved.projectDir);
  if (name === '') {
    diagnostics.push(error('WGC032', `cannot derive a project name from ${resolved.projectDir}`, undefined, 'name the project with -p NAME'));
    return { project: undefined, diagnostics };
  }
  return {
    project: {
      name,
      projectDir: resolved.projectDir,
      files,
      formats,
      model,
      disabled,
      profiles: resolved.profiles,
    },
    diagnostics,
  };
}

type Loaded = { doc: JsonObject | undefined; format?: Format; diagnostics: Diagnostic[] } | 'missing';

/**
 * Reads, parses, interpolates and reshapes one compose file, once per path: `extends` may
 * name a file the -f list holds too.
 */
function fileLoader(reader: FileReader, lookup: (name: string) => string | undefined): (path: string) => Loaded {
  const cache = new Map<string, Loaded>();
  return (path) => {
    const hit = cache.get(path);
    if (hit) return hit;
    const r = reader.read(path);
    if (!r.ok) {
      const res: Loaded =
        r.reason === 'missing'
          ? 'missing'
          : { doc: undefined, diagnostics: [error('WGC001', `cannot read compose file: ${r.message}`, { file: path, line: 1, col: 1 })] };
      cache.set(path, res);
      return res;
    }
    const parsed = parseYaml(path, r.text);
    const ds = [...parsed.diagnostics];
    let doc: JsonObject | undefined;
    let format: Format | undefined;
    if (!hasErrors(ds)) {
      if (!isObject(parsed.value)) {
        ds.push(error('WGC004', parsed.value === null ? 'empty compose file' : 'a compose file must be a mapping at the top level', { file: path, line: 1, col: 1 }));
      } else {
        ds.push(...interpolateTree(parsed.value, lookup, path));
        const spec = toSpec(parsed.value);
        ds.push(...spec.diagnostics);
        doc = spec.doc;
        format = spec.format;
      }
    }
    const res = { doc, ...(format ? { format } : {}), diagnostics: ds };
    cache.set(path, res);
    return res;
  };
}

/** https://github.com/compose-spec/compose-spec/blob/main/15-profiles.md */
function applyProfiles(services: JsonObject, active: readonly string[]): { enabled: JsonObject; disabled: Set<string> } {
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

