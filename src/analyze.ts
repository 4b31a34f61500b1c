// The first half of the pipeline (DESIGN.md §2): compose files in, a checked model out. It
// needs no secret and writes nothing, and it imports nothing of the second half (keys,
// renderer, templates), so `check` — run on every commit — loads only what it uses.
// src/pipeline.ts holds the second half and re-exports this one.
import { dirname, join } from 'node:path';
import { hasErrors, type Diagnostic } from './diagnostics.js';
import { loadProject, type LoadedProject } from './load/load.js';
import type { Environment, ProjectOptions } from './load/project-options.js';
import { checkLinks, linkedServices } from './model/check-links.js';
import { viewOf, type ModelView } from './model/model.js';
import { resolveSettings, type Settings } from './model/settings.js';
import { LOCKFILE_NAME } from './state/lockfile.js';
import { validateModel } from './validate/schema.js';

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

/** The lockfile sits beside the (first) compose file, where it is committed with it. */
export const lockfilePath = (project: LoadedProject): string => join(dirname(project.files[0]!), LOCKFILE_NAME);
