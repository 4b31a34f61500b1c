// `wg-compose down`: the engine's down for the project `up` brought up, with the stack `up`
// wrote (so a compose file changed since still takes down what is running). The state
// directory, keys included, stays: the next `up` brings the same tunnels back.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import type { ProjectOptions } from '../load/project-options.js';
import { applyPlan } from '../plan/apply.js';
import { makePlan } from '../plan/plan.js';
import { configDir, stackPath, stateDir } from '../state/paths.js';
import type { Argv } from '../engine/detect.js';
import { downCommands, joinerLevels } from '../engine/commands.js';
import { shellQuote } from '../system/shell-quote.js';
import { EXIT, type CliIO } from './io.js';
import { analyzeProject, prepareAnalyzed } from './prepare.js';
import { printPlan } from './produce.js';
import { startEngine } from '../engine/run.js';
import { engineFailed, findEngine, targetOf } from './engine.js';
import { underStateLock } from './locked.js';

export interface DownOptions {
  readonly project: ProjectOptions;
  readonly engine: string | undefined;
  readonly dryRun: boolean;
  /** Arguments after `--`, for the engine's `down` (e.g. -v, --remove-orphans). */
  readonly extra: readonly string[];
}

export async function runDown(io: CliIO, o: DownOptions): Promise<number> {
  const analysis = analyzeProject(io, o.project);
  if (typeof analysis === 'number') return analysis;
  const { name } = analysis.project;
  const dir = isAbsolute(analysis.project.projectDir) ? analysis.project.projectDir : resolve(io.cwd, analysis.project.projectDir);
  const file = stackPath(dir, name);

  // The stack `up` wrote; without one (the project was started from `render` output), the
  // stack as it renders now, which needs the keys but creates none.
  let stack: string;
  let write = false;
  if (existsSync(file)) stack = readFileSync(file, 'utf8');
  else {
    const p = await prepareAnalyzed(io, analysis, false);
    if (typeof p === 'number') return p;
    stack = p.compiled.stack;
    write = true;
  }
  // The sidecars share their script through YAML aliases, one per sidecar: bounded by the text's length, not
  // the library's default of 100, which still stops an alias bomb in an edited file.
  const model = parse(stack, { maxAliasCount: stack.length }) as { services?: Record<string, unknown> } | null;
  const levels = joinerLevels(model?.services ?? {});

  const engine = await findEngine(io, o.engine);
  if (!engine) return EXIT.external;
  const commands = downCommands(targetOf(engine.argv, name, dir, file, analysis.project.profiles), levels, o.extra);
  const plan = makePlan({
    projectDir: dir,
    privateDirs: write ? [stateDir(dir), configDir(dir, name)] : [],
    files: write ? [{ path: file, content: stack, mode: 0o600, what: 'the stack the engine runs (there is none from `up`)' }] : [],
    commands,
  });
  if (o.dryRun) {
    printPlan(io, plan);
    return EXIT.ok;
  }
  if (write) {
    const code = await underStateLock(io, dir, 'down', () => {
      applyPlan(plan);
      return EXIT.ok;
    });
    if (code !== EXIT.ok) return code;
  }
  for (const argv of plan.commands) {
    io.stderr(`+ ${shellQuote(argv)}\n`);
    const r = await startEngine(argv as Argv, io, io.stderr).done;
    if (r.code !== 0) return engineFailed(io, argv as Argv, r);
  }
  io.stderr(`wg-compose: project ${name} is down; its keys stay in ${stateDir(dir)}/\n`);
  return EXIT.ok;
}
