// The pipeline from compose files to outputs (DESIGN.md §2), every stage in order, in this one
// file. Each stage is pure: data in, data and diagnostics out; the file reader, environment,
// key source and previous lockfile come in as arguments. What a command does around it (take
// the state lock, read the state, apply or print the plan) is src/cli/produce.ts.
//
//   loadProject   1 options   2 parse + interpolate + reshape v1, per file   3 merge
//                 4 extends   5 profiles   6 project name
//   analyze       7 schema    8 typed view + link checks   9 settings
//   (src/cli/produce.ts: 10 the state lock; 11 lockfile, master and imported keys read)
//   compile      12 topology + keys   13 configs, stack, lockfile
//   (src/plan/state-plan.ts: 14 the plan; src/plan/apply.ts: 15 apply)
//
// `check` runs stages 1–9 on every commit and must start fast, so this file imports only the
// first half statically; compile loads the second half (keys, renderer, templates) on demand.
import { join, relative } from 'node:path';
import { error, hasErrors, type Diagnostic } from './diagnostics.js';
import { resolveExtends } from './load/extends.js';
import { isObject, newMap, valueLoc, type JsonObject } from './load/located.js';
import { applyProfiles, fileLoader, projectName, type LoadedProject } from './load/load.js';
import type { Format } from './load/legacy.js';
import { v1Networking } from './load/legacy-network.js';
import { mergeValues } from './load/merge.js';
import { STDIN_NAME, withStdin } from './load/io.js';
import { resolveOptions, type Environment, type ProjectOptions } from './load/project-options.js';
import { checkLinks, linkedServices } from './model/check-links.js';
import { viewOf, type ModelView } from './model/model.js';
import { checkReplicas, expandReplicas, replicated } from './model/replicas.js';
import { checkSwarm } from './model/check-swarm.js';
import { checkLeastPrivilege } from './model/check-least-privilege.js';
import { resolveSettings, SWARM_MTU, type Settings } from './model/settings.js';
import type { Lockfile } from './state/lockfile.js';
import type { Target } from './state/paths.js';
import type { KeyChanges, KeySource } from './topology/key-source.js';
import type { Topology } from './topology/topology.js';
import { validateModel } from './validate/schema.js';

export type { LoadedProject } from './load/load.js';
export { lockfileOwner, lockfilePath } from './state/lockfile-path.js';

export interface Analysis {
  readonly project: LoadedProject;
  readonly view: ModelView;
  readonly linked: readonly string[];
  readonly settings: Settings;
  /** Where the stack runs: one host, or a Docker Swarm (ProjectOptions.target). */
  readonly target: Target;
}

export type LoadResult = { project: LoadedProject | undefined; diagnostics: Diagnostic[] };

/**
 * Stages 1–6, and why in this order:
 * 1. options first: they decide the files, the project directory and the environment;
 * 2. each file is parsed and interpolated on its own, as compose does, so a variable means
 *    the same in every file and an error points into the file that holds it; legacy v1 files
 *    are reshaped there too, so the merge sees one shape;
 * 3. files merge in `-f` order;
 * 4. `extends` after the merge, so an override file can change what a service extends, and
 *    the base sees fully merged attributes;
 * 5. profiles next: a disabled service must still exist for extends and for the link check
 *    to say "disabled" rather than "missing";
 * 6. the project name last: `name:` may come from any file.
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
  // 4b. a v1 project's networking once every file and extends are in: a link or a `net:` may
  //     name a service of another file (docker-compose refuses to mix v1 with later formats).
  if (formats.length > 0 && formats.every((f) => f === 'v1')) v1Networking(model);

  const { enabled, disabled } = applyProfiles(model['services'] as JsonObject, resolved.profiles);
  model['services'] = enabled;

  const name = projectName(model, resolved.explicitName, resolved.projectDir);
  diagnostics.push(...name.diagnostics);
  if (name.name === undefined) return { project: undefined, diagnostics };
  const project = { name: name.name, projectDir: resolved.projectDir, files, formats, model, disabled, profiles: resolved.profiles };
  return { project, diagnostics };
}

/**
 * Stages 7–9, and why in this order:
 * 7. schema validation on the merged model: types must be right before anything reads them;
 * 8. link checks: cross-references the schema cannot express, on a typed view; then each
 *    replicated linked service is split into one service per replica slot (the checks point
 *    at what the user wrote, so they run before; everything after sees one peer per service);
 * 9. settings last: the x-wireguard schema has vetted their types by then.
 */
export function analyze(opts: ProjectOptions, envr: Environment): { analysis: Analysis | undefined; diagnostics: Diagnostic[] } {
  const loaded = loadProject(opts, envr);
  const diagnostics = [...loaded.diagnostics];
  const project = loaded.project;
  if (!project) return { analysis: undefined, diagnostics };
  diagnostics.push(...validateModel(project.model));
  if (hasErrors(diagnostics)) return { analysis: undefined, diagnostics };
  const written = viewOf(project.model, project.disabled);
  const linked = linkedServices(written);
  const target = opts.target ?? 'compose';
  diagnostics.push(...checkLinks(written), ...checkReplicas(written, linked), ...checkLeastPrivilege(written, linked), ...(target === 'swarm' ? checkSwarm(written) : []));
  const { settings: resolved, diagnostics: sd } = resolveSettings(written.settings);
  // On swarm the tunnels ride an overlay network (VXLAN, MTU 1450), so WireGuard's 80 bytes
  // leave 1370, unless the project says otherwise.
  const settings = resolved && target === 'swarm' && written.settings?.['mtu'] === undefined ? { ...resolved, mtu: SWARM_MTU } : resolved;
  diagnostics.push(...sd);
  if (!settings || hasErrors(diagnostics)) return { analysis: undefined, diagnostics };
  const sets = replicated(written, linked);
  if (sets.size === 0) return { analysis: { project, view: written, linked, settings, target }, diagnostics };
  const { model, slots } = expandReplicas(project.model, sets);
  const view = viewOf(model, project.disabled, slots);
  return { analysis: { project: { ...project, model }, view, linked: linkedServices(view), settings, target }, diagnostics };
}

export interface Compiled {
  readonly topology: Topology;
  /** The rendered stack; made on first use (see writeStack), empty when there are errors. */
  readonly stack: string;
  /**
   * Hands the stack to `sink` in pieces, without holding all of it at once unless `stack`
   * was asked for already: a 10,000-service stack is 50 MB of text.
   */
  writeStack(sink: (piece: string) => void): void;
  /** Service → wg-quick file text. Secret. */
  readonly configs: ReadonlyMap<string, string>;
  /** Service → config path relative to the project directory (as in the stack and `show`). */
  readonly configPaths: ReadonlyMap<string, string>;
  readonly lock: Lockfile;
  readonly diagnostics: Diagnostic[];
  /** How many X25519 operations the keys took (0 for a re-render with an intact lockfile). */
  readonly x25519: number;
  /** The secrets the configs were made of, for outputs that carry keys too (moby's user data). */
  readonly secrets: import('./topology/topology.js').Secrets;
  /** The target the configs and the stack are for (their endpoints differ). */
  readonly target: Target;
}

/**
 * Stages 12–13: allocation and keys first (everything else names them), then the outputs.
 * The stack is pure and needs nothing but the above: it is made when asked for, so a caller
 * can write its state first and then stream the stack (render), or keep it whole (up).
 */
export async function compile(a: Analysis, previous: Lockfile, keys: KeySource, changes: KeyChanges = {}): Promise<Compiled> {
  const { buildTopology, renderStack: compose, renderSwarmStack: swarm, renderWgQuick, configPathInStack, lockfileOf } = await import('./outputs.js');
  const name = a.project.name;
  const { topology, secrets, diagnostics, x25519 } = buildTopology(name, a.view, a.linked, a.settings, previous, keys, changes, a.target);
  const renderStack = a.target === 'swarm' ? swarm : compose;
  const configPaths = new Map(a.linked.map((s) => [s, configPathInStack(name, s, a.target)]));
  const configs = new Map([...topology.nodes.values()].map((node) => [node.name, renderWgQuick(name, node, secrets, a.target !== 'swarm')]));
  const input = hasErrors(diagnostics)
    ? undefined
    : { project: name, model: a.project.model, topology, settings: a.settings, configPaths, sources: a.project.files.map((f) => relative(a.project.projectDir, f) || f) };
  let stack: string | undefined;
  const whole = (): string => (stack ??= input ? renderStack(input) : '');
  return {
    topology,
    get stack() {
      return whole();
    },
    writeStack(sink) {
      if (stack !== undefined || !input) sink(whole());
      else renderStack(input, sink);
    },
    configs,
    configPaths,
    lock: lockfileOf(topology, keys),
    diagnostics,
    x25519,
    secrets,
    target: a.target,
  };
}
