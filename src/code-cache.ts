// Loading generated CommonJS code through a V8 code cache made at build time. `check` runs on
// every commit and must start within twice node's own start-up; two costs stood out:
// compiling the compose-spec validator (~420 KB of generated code, whose service function
// alone is ~200 KB, compiled on its first call) and resolving and compiling the ~100 module
// files of check and yaml. The build (scripts/build-validators.mjs, scripts/bundle-check.mjs)
// compiles such code with compileModule below, runs it over sample projects so the functions a
// real run reaches are compiled too, and keeps V8's bytecode beside the file (FILE.v8cache).
//
// A cache is only a cache: V8 rejects one made by another node version or with other flags,
// and one older than its source is not even offered; the code then compiles as it would
// without one. (V8 checks a cache against the source's length, not its content: hence the
// modification-time test.)
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

export interface CompiledModule {
  readonly exports: unknown;
  readonly script: Script;
}

/** CommonJS's own wrapper: the generated code is a CommonJS module. */
const wrap = (source: string): string => `(function (exports, require, module, __filename, __dirname) {${source}\n})`;

export const cachePath = (file: string): string => `${file}.v8cache`;

/** Compiles and runs a CommonJS file, from V8 cached data when given. */
export function compileModule(file: string, source: string, cachedData?: Buffer): CompiledModule {
  const script = new Script(wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as unknown };
  const fn = script.runInThisContext() as (e: unknown, r: NodeRequire, m: unknown, f: string, d: string) => void;
  fn.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, script };
}

const mtime = (p: string): number | undefined => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return undefined;
  }
};

/** For each file loaded: whether V8 took its cache (a test keeps this true for the build's files). */
export const cacheUse = new Map<string, boolean>();
const loaded = new Map<string, unknown>();

/** The exports of a generated CommonJS file, compiled once per process, through its cache when usable. */
export function loadCached(file: string): unknown {
  if (loaded.has(file)) return loaded.get(file);
  const source = readFileSync(file, 'utf8');
  const cacheTime = mtime(cachePath(file));
  let cachedData: Buffer | undefined;
  if (cacheTime !== undefined && cacheTime >= (mtime(file) ?? Infinity)) cachedData = readFileSync(cachePath(file));
  const { exports, script } = compileModule(file, source, cachedData);
  cacheUse.set(file, cachedData !== undefined && !script.cachedDataRejected);
  loaded.set(file, exports);
  return exports;
}

/**
 * A bundle made at build time from `entry`'s module graph, if it exists and is not older than
 * `entry` (a bare `tsc` rebuilt the modules but not the bundle): the caller then imports
 * `entry` itself.
 */
export function loadBundle(bundle: string, entry: string): unknown {
  const b = mtime(bundle);
  if (b === undefined || b < (mtime(entry) ?? Infinity)) return undefined;
  return loadCached(bundle);
}
