// Schema validation with validators compiled at build time (scripts/build-validators.mjs):
// the Compose Specification schema for the whole model and our own schema for the
// `x-wireguard` fields. ajv reports by JSON path; users need `file:line:col` and one clear
// sentence, so errors are reduced to the most specific one per value and then located.
import { fileURLToPath } from 'node:url';
import { loadCached } from '../code-cache.js';
import { error, type Code, type Diagnostic } from '../diagnostics.js';
import { isObject, locAtPath, type Json, type JsonObject } from '../load/located.js';

export interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}
type Validator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

let compose: Validator | undefined;
let xwg: { project: Validator; service: Validator } | undefined;
// Loaded on first use: `render` needs them, `--help` and `--version` should not pay for them.
// Through a V8 code cache made at build time (src/code-cache.ts), so `check` starts fast.
const generated = (name: string): unknown => loadCached(fileURLToPath(new URL(`../../validators/${name}.cjs`, import.meta.url)));
const composeValidator = (): Validator => (compose ??= (generated('compose-spec') as { validate: Validator }).validate);
const wireguardValidators = () => (xwg ??= generated('x-wireguard') as { project: Validator; service: Validator });

export function validateModel(model: JsonObject): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const v = composeValidator();
  if (!v(model)) diagnostics.push(...toDiagnostics(v.errors ?? [], model, [], 'WGC030'));
  const { project, service } = wireguardValidators();
  if (model['x-wireguard'] !== undefined && !project(model['x-wireguard'])) {
    diagnostics.push(...toDiagnostics(project.errors ?? [], model, ['x-wireguard'], 'WGC031'));
  }
  const services = model['services'];
  if (isObject(services)) {
    for (const name of Object.keys(services)) {
      const svc = services[name];
      if (isObject(svc) && svc['x-wireguard'] !== undefined && !service(svc['x-wireguard'])) {
        diagnostics.push(...toDiagnostics(service.errors ?? [], model, ['services', name, 'x-wireguard'], 'WGC031'));
      }
    }
  }
  return diagnostics;
}

const decode = (p: string): string[] =>
  p === '' ? [] : p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

/** `services.web.ports[0]` — how compose itself names a value in its messages. */
export function modelPathText(path: readonly string[]): string {
  let out = '';
  for (const s of path) out += /^\d+$/.test(s) ? `[${s}]` : out === '' ? s : `.${s}`;
  return out || '(top level)';
}

export function toDiagnostics(errors: readonly AjvError[], root: Json, prefix: string[], code: Code): Diagnostic[] {
  // A failed oneOf reports every branch; keep only the errors about the deepest values,
  // since the branch that went deepest is the one the user meant.
  const paths = errors.map((e) => [...prefix, ...decode(e.instancePath)]);
  const keyOf = (p: string[]) => p.join('\u0000');
  const deepest = errors
    .map((e, i) => ({ e, path: paths[i]! }))
    .filter(({ e, path }) => {
      if (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'not' || e.keyword === 'if') return false;
      if (e.keyword !== 'type') return true;
      // A type error where something deeper failed is a oneOf branch the user did not take.
      const k = keyOf(path) + '\u0000';
      return !paths.some((q) => q.length > path.length && keyOf(q).startsWith(k));
    });
  const groups = new Map<string, { path: string[]; errs: AjvError[] }>();
  for (const { e, path } of deepest) {
    const k = keyOf(path);
    const g = groups.get(k) ?? { path, errs: [] };
    g.errs.push(e);
    groups.set(k, g);
  }
  const out: Diagnostic[] = [];
  for (const { path, errs } of groups.values()) {
    // Type errors beside shape errors on the same value: the value has a right type (it
    // matched a branch whose details failed), so only the details are worth saying.
    const shaped = errs.some((e) => e.keyword !== 'type');
    const types = shaped ? [] : errs.filter((e) => e.keyword === 'type').map((e) => String(e.params['type']));
    const seen = new Set<string>();
    if (types.length > 0) {
      const uniq = [...new Set(types.flatMap((t) => t.split(',')))];
      out.push(error(code, `${modelPathText(path)} must be ${uniq.join(' or ')}`, locAtPath(root, path)));
    }
    for (const e of errs) {
      if (e.keyword === 'type') continue;
      const d = describe(e, path, root, code);
      if (!seen.has(d.message)) {
        seen.add(d.message);
        out.push(d);
      }
    }
  }
  return out;
}

function describe(e: AjvError, path: string[], root: Json, code: Code): Diagnostic {
  const where = modelPathText(path);
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = String(e.params['additionalProperty']);
      return error(code, `${where}: unknown attribute "${prop}"`, locAtPath(root, [...path, prop], true), 'check the spelling; extension fields must start with x-');
    }
    case 'required':
      return error(code, `${where}: missing required attribute "${String(e.params['missingProperty'])}"`, locAtPath(root, path));
    case 'enum':
      return error(code, `${where} must be one of: ${(e.params['allowedValues'] as unknown[]).map(String).join(', ')}`, locAtPath(root, path));
    case 'pattern':
      return error(code, `${where} has an invalid value (must match ${String(e.params['pattern'])})`, locAtPath(root, path));
    case 'uniqueItems':
      return error(code, `${where} has duplicate items (${String(e.params['j'])} and ${String(e.params['i'])})`, locAtPath(root, [...path, String(e.params['i'])]));
    default:
      return error(code, `${where} ${e.message ?? 'is invalid'}`, locAtPath(root, path));
  }
}
