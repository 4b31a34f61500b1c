// The pipeline from compose files to outputs, in one place (DESIGN.md §2). Two halves:
// `analyze` needs no secret and writes nothing (so `check` can run it on every commit);
// `compile` turns an analysis plus key material into every output, still without I/O.
import { dirname, relative } from 'node:path';
import { hasErrors, type Diagnostic } from './diagnostics.js';
import { loadProject, type LoadedProject } from './load/load.js';
import type { Environment, ProjectOptions } from './load/project-options.js';
import { checkLinks, linkedServices } from './model/check-links.js';
import { viewOf, type ModelView } from './model/model.js';
import { resolveSettings, type Settings } from './model/settings.js';
import { renderStack } from './render/stack.js';
import { renderWgQuick } from './render/wg-quick.js';
import { LOCKFILE_NAME, type LockedService, type Lockfile } from './state/lockfile.js';
import { configPathInStack } from './state/store.js';
import { buildTopology, type KeySource, type Secrets, type Topology } from './topology/topology.js';
import { validateModel } from './validate/schema.js';
import { join } from 'node:path';

export interface Analysis {
  readonly project: LoadedProject;
  readonly view: ModelView;
  readonly linked: readonly string[];
  readonly settings: Settings;
}

/**
 * Stage order, and why:
 * 1. load: files, interpolation, merge, extends, profiles (see loadProject);
 * 2. schema validation on the merged model: types must be right before anything reads them;
 * 3. link checks: cross-references the schema cannot express, on a typed view;
 * 4. settings last: the x-wireguard schema has vetted their types by then.
 */
export function analyze(opts: ProjectOptions, envr: Environment): { analysis: Analysis | undefined; diagnostics: Diagnostic[] } {
  const loaded = loadProject(opts, envr);
  const diagnostics = [...loaded.diagnostics];
  const project = loaded.project;
  if (!project) return { analysis: undefined, diagnostics };
  diagnostics.push(...validateModel(project.model));
  if (hasErrors(diagnostics)) return { analysis: undefined, diagnostics };
  const view = viewOf(project.model, project.disabled);
  diagnostics.push(...checkLinks(view));
  const { settings, diagnostics: sd } = resolveSettings(view.settings);
  diagnostics.push(...sd);
  if (!settings || hasErrors(diagnostics)) return { analysis: undefined, diagnostics };
  return { analysis: { project, view, linked: linkedServices(view), settings }, diagnostics };
}

export interface Compiled {
  readonly topology: Topology;
  readonly stack: string;
  /** Service → wg-quick file text. Secret. */
  readonly configs: ReadonlyMap<string, string>;
  /** Service → config path relative to the project directory (as in the stack and `show`). */
  readonly configPaths: ReadonlyMap<string, string>;
  readonly lock: Lockfile;
  readonly diagnostics: Diagnostic[];
}

/** Allocation and keys first (everything else names them), then the outputs. */
export function compile(a: Analysis, previous: Lockfile, keys: KeySource): Compiled {
  const name = a.project.name;
  const { topology, secrets, diagnostics } = buildTopology(name, a.view, a.linked, a.settings, previous, keys);
  const configPaths = new Map(a.linked.map((s) => [s, configPathInStack(name, s)]));
  const configs = renderConfigs(name, topology, secrets);
  const stack = hasErrors(diagnostics)
    ? ''
    : renderStack({
        project: name,
        model: a.project.model,
        topology,
        settings: a.settings,
        configPaths,
        sources: a.project.files.map((f) => relative(a.project.projectDir, f) || f),
      });
  return { topology, stack, configs, configPaths, lock: lockOf(topology), diagnostics };
}

function renderConfigs(project: string, topology: Topology, secrets: Secrets): Map<string, string> {
  const out = new Map<string, string>();
  for (const node of topology.nodes.values()) out.set(node.name, renderWgQuick(project, node, secrets));
  return out;
}

function lockOf(t: Topology): Lockfile {
  const services = new Map<string, LockedService>();
  for (const n of t.nodes.values()) {
    services.set(n.name, { addresses: n.addresses, listenPort: n.listenPort, publicKey: n.publicKey, epoch: n.epoch });
  }
  return { project: t.project, services, links: t.links };
}

/** The lockfile sits beside the (first) compose file, where it is committed with it. */
export const lockfilePath = (project: LoadedProject): string => join(dirname(project.files[0]!), LOCKFILE_NAME);
