// The steps `render` and `show` share: analyze the compose files, read the lockfile, get the
// master secret, compile. Diagnostics are printed here; callers get a result or an exit code.
import { existsSync, readFileSync } from 'node:fs';
import { error } from '../diagnostics.js';
import { diskReader } from '../load/io.js';
import type { ProjectOptions } from '../load/project-options.js';
import { analyze, compile, lockfilePath, type Analysis, type Compiled } from '../pipeline.js';
import { EMPTY_LOCK, parseLockfile, type Lockfile } from '../state/lockfile.js';
import { loadMaster } from '../state/store.js';
import { masterKeySource } from '../topology/topology.js';
import { EXIT, type CliIO } from './io.js';
import { report } from './report.js';

export interface Prepared {
  readonly analysis: Analysis;
  readonly compiled: Compiled;
  readonly lockPath: string;
  readonly previousLock: Lockfile;
  readonly lockExisted: boolean;
}

export function prepare(io: CliIO, opts: ProjectOptions, createState: boolean): Prepared | number {
  const { analysis, diagnostics } = analyze(opts, { cwd: io.cwd, env: io.env, reader: diskReader });
  if (report(io, diagnostics) || !analysis) return EXIT.input;

  const lockPath = lockfilePath(analysis.project);
  let previousLock = EMPTY_LOCK;
  const lockExisted = existsSync(lockPath);
  if (lockExisted) {
    const parsed = parseLockfile(readFileSync(lockPath, 'utf8'), lockPath);
    if (report(io, parsed.diagnostics)) return EXIT.input;
    previousLock = parsed.lock;
  }

  const master = loadMaster(analysis.project.projectDir, io.env, createState);
  if (!master.ok) {
    report(io, [error('WGC060', master.message)]);
    return EXIT.input;
  }
  report(io, master.warnings.map((w) => ({ code: 'WGC060' as const, severity: 'warning' as const, message: w })));

  const compiled = compile(analysis, previousLock, masterKeySource(master.secret, analysis.project.name));
  if (report(io, compiled.diagnostics)) return EXIT.input;
  return { analysis, compiled, lockPath, previousLock, lockExisted };
}
