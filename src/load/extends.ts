// `extends`: a service takes another service's definition (from the same file or another
// one) as its base and overrides it with its own attributes, using the same merge rules as
// several `-f` files (https://github.com/compose-spec/compose-spec/blob/main/05-services.md#extends).
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { error, type Diagnostic, type Pos } from '../diagnostics.js';
import { copyKey, isObject, keyLoc, newMap, selfLoc, valueLoc, type Json, type JsonObject } from './located.js';
import { mergeValues } from './merge.js';
import { carryTags } from './tags.js';

/** Loads another compose file in the Specification shape (parsed, interpolated, converted). */
export type FileLoader = (path: string) => { doc: JsonObject | undefined; diagnostics: Diagnostic[] } | 'missing';

interface Context {
  readonly file: string;
  readonly services: JsonObject;
}

/** What one resolveExtends call shares across every file and service it resolves. */
interface Run {
  readonly mainFile: string;
  readonly projectDir: string;
  readonly load: FileLoader;
  readonly diagnostics: Diagnostic[];
  /** Each service resolved so far, by `file#name` (undefined when it is not a mapping). */
  readonly done: Map<string, JsonObject | undefined>;
  /** The `file#name` of each service being resolved, outermost first, so a cycle is reported along it. */
  readonly stack: string[];
}

export function resolveExtends(model: JsonObject, mainFile: string, projectDir: string, load: FileLoader): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const services = model['services'];
  if (!isObject(services)) return diagnostics;
  const run: Run = { mainFile, projectDir, load, diagnostics, done: new Map(), stack: [] };
  const main: Context = { file: mainFile, services };
  for (const name of Object.keys(services)) {
    const r = resolveIn(run, main, name);
    if (r && r !== services[name]) copyKey(services, services, name, r);
  }
  return diagnostics;
}

/** Service `name` of the file `ctx` with its `extends` chain resolved, once per file and name. */
function resolveIn(run: Run, ctx: Context, name: string): JsonObject | undefined {
  const id = `${ctx.file}#${name}`;
  if (run.done.has(id)) return run.done.get(id);
  const svc = ctx.services[name];
  if (!isObject(svc) || !Object.hasOwn(svc, 'extends')) {
    run.done.set(id, isObject(svc) ? svc : undefined);
    return isObject(svc) ? svc : undefined;
  }
  const stack = run.stack;
  if (stack.includes(id)) {
    run.diagnostics.push(error('WGC022', `extends cycle: ${[...stack.slice(stack.indexOf(id)), id].map(shortId).join(' -> ')}`, keyLoc(svc, 'extends')));
    return undefined;
  }
  stack.push(id);
  try {
    const result = extendOne(run, ctx, name, svc);
    run.done.set(id, result);
    return result;
  } finally {
    stack.pop();
  }
}

/** A service with `extends`: its base, resolved, with the service's own attributes merged over it. */
function extendOne(run: Run, ctx: Context, name: string, svc: JsonObject): JsonObject {
  const ext = svc['extends'] as Json;
  const at = valueLoc(svc, 'extends');
  const own = newMap(selfLoc(svc));
  for (const k of Object.keys(svc)) if (k !== 'extends') copyKey(own, svc, k);
  carryTags(own, svc); // `KEY: !reset` in the service removes the base's KEY
  const baseName = typeof ext === 'string' ? ext : isObject(ext) && typeof ext['service'] === 'string' ? ext['service'] : undefined;
  if (baseName === undefined) return own; // the schema stage reports the malformed value
  const baseCtx = isObject(ext) && typeof ext['file'] === 'string' ? otherFile(run, ctx, ext, ext['file'], at) : ctx;
  if (!baseCtx) return own;
  const serviceAt = (isObject(ext) ? valueLoc(ext, 'service') : undefined) ?? at;
  if (!Object.hasOwn(baseCtx.services, baseName)) {
    run.diagnostics.push(error('WGC021', `extends: service "${baseName}" not found${baseCtx.file !== ctx.file ? ` in ${baseCtx.file}` : ''}`, serviceAt));
    return own;
  }
  const base = resolveIn(run, baseCtx, baseName);
  if (!base) return own;
  if (Object.hasOwn(base, 'links')) {
    // docker-compose refuses this ("services with 'links' cannot be extended"): links name
    // services of the base's project, which need not exist beside the extending service.
    run.diagnostics.push(
      error('WGC023', `service "${name}" extends "${baseName}", which has links; compose refuses to extend a service with links`, serviceAt, `move the links to "${name}" itself`),
    );
    return own;
  }
  // Rebase onto the extending file's directory (the project directory for the main model):
  // a resolved service from another file is cached with paths relative to that file, so a
  // chain across directories is rebased once per hop, never twice.
  const toDir = ctx.file === run.mainFile ? run.projectDir : dirname(ctx.file);
  const rebased = baseCtx.file !== ctx.file ? rebasePaths(base, dirname(baseCtx.file), toDir) : base;
  return mergeValues(withoutIdentity(rebased), own, ['services', name]) as JsonObject;
}

/**
 * The services of the file `extends: {file}` names, a path relative to the extending file;
 * undefined, reported, when there is no such file.
 */
function otherFile(run: Run, ctx: Context, ext: JsonObject, file: string, at: Pos | undefined): Context | undefined {
  const path = isAbsolute(file) ? file : resolve(dirname(ctx.file), file);
  const loaded = run.load(path);
  if (loaded === 'missing') {
    run.diagnostics.push(error('WGC020', `extends: file "${file}" not found (looked at ${path})`, valueLoc(ext, 'file') ?? at));
    return undefined;
  }
  run.diagnostics.push(...loaded.diagnostics);
  const otherServices = loaded.doc?.['services'];
  return { file: path, services: isObject(otherServices) ? otherServices : newMap(undefined) };
}

/**
 * A pinned tunnel address, listen port, host or endpoint names one service; an extending
 * service inheriting it would claim the same identity twice. Other x-wireguard settings
 * (mtu, keepalive, nat) are inherited like any attribute.
 */
function withoutIdentity(base: JsonObject): JsonObject {
  const wg = base['x-wireguard'];
  if (!isObject(wg)) return base;
  const out = newMap(selfLoc(base));
  for (const k of Object.keys(base)) copyKey(out, base, k);
  const kept = newMap(selfLoc(wg));
  for (const k of Object.keys(wg)) if (!['address', 'port', 'host', 'endpoint'].includes(k)) copyKey(kept, wg, k);
  if (Object.keys(kept).length > 0) copyKey(out, base, 'x-wireguard', kept);
  else delete out['x-wireguard'];
  return out;
}

const shortId = (id: string) => id.slice(id.lastIndexOf('#') + 1);

/**
 * Relative paths in a service from another directory are relative to that file; in the
 * merged model they must be relative to the project directory, so the rendered stack still
 * works beside the input. `toDir` is the extending file's directory (the project directory for
 * the main model), so each hop of a chain across directories is rebased once.
 */
function rebasePaths(svc: JsonObject, fromDir: string, toDir: string): JsonObject {
  if (fromDir === toDir) return svc;
  const fix = (p: string) => {
    if (isAbsolute(p) || p.startsWith('~') || /^[a-z][a-z0-9+.-]*:\/\//i.test(p)) return p;
    const r = relative(toDir, resolve(fromDir, p));
    return r === '' ? '.' : r.startsWith('.') ? r : `./${r}`;
  };
  const isPathLike = (s: string) => s.startsWith('.') || s.startsWith('/') || s.startsWith('~');
  const out = newMap(selfLoc(svc));
  for (const k of Object.keys(svc)) copyKey(out, svc, k);
  const build = svc['build'];
  if (typeof build === 'string') copyKey(out, svc, 'build', fix(build));
  else if (isObject(build) && typeof build['context'] === 'string') {
    const b = newMap(selfLoc(build));
    for (const k of Object.keys(build)) copyKey(b, build, k);
    copyKey(b, build, 'context', fix(build['context']));
    copyKey(out, svc, 'build', b);
  }
  const envFile = svc['env_file'];
  if (typeof envFile === 'string') copyKey(out, svc, 'env_file', fix(envFile));
  else if (Array.isArray(envFile)) {
    copyKey(
      out,
      svc,
      'env_file',
      envFile.map((e) => (typeof e === 'string' ? fix(e) : isObject(e) && typeof e['path'] === 'string' ? { ...e, path: fix(e['path']) } : e)),
    );
  }
  const volumes = svc['volumes'];
  if (Array.isArray(volumes)) {
    copyKey(
      out,
      svc,
      'volumes',
      volumes.map((v) => {
        if (typeof v === 'string') {
          const i = v.indexOf(':');
          return i > 0 && isPathLike(v.slice(0, i)) ? fix(v.slice(0, i)) + v.slice(i) : v;
        }
        if (isObject(v) && v['type'] === 'bind' && typeof v['source'] === 'string') return { ...v, source: fix(v['source']) };
        return v;
      }),
    );
  }
  return out;
}
