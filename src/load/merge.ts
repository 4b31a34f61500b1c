// Merging compose models: several `-f` files, and `extends`. Rules follow the Compose
// Specification's merge document (https://github.com/compose-spec/compose-spec/blob/main/13-merge.md):
// mappings merge key by key, scalars are overridden, and sequences merge by a rule that
// depends on the attribute. As compose-go does, the rules are a table keyed by path pattern
// rather than nested ifs; positions of every value survive the merge.
import type { Pos } from '../diagnostics.js';
import {
  copyKey,
  inheritSelf,
  isObject,
  itemLoc,
  newMap,
  pushItem,
  selfLoc,
  setKeyLoc,
  type Json,
  type JsonObject,
} from './located.js';
import { pathTable } from './path-pattern.js';

type Rule = (base: Json, over: Json, path: string[]) => Json;

/** The override replaces the base value wholesale. */
const replace: Rule = (_base, over) => over;

/** Sequences whose items are unique values: append what the base does not have. */
const union: Rule = (base, over) => {
  if (!Array.isArray(base) || !Array.isArray(over)) return over;
  const out: Json[] = [];
  inheritSelf(out, base);
  const seen = new Set<string>();
  const add = (arr: Json[], i: number) => {
    const v = arr[i] as Json;
    const k = JSON.stringify(v);
    if (seen.has(k)) return;
    seen.add(k);
    pushItem(out, v, itemLoc(arr, i));
  };
  base.forEach((_, i) => add(base, i));
  over.forEach((_, i) => add(over, i));
  return out;
};

/**
 * Attributes written either as a mapping or as a `KEY=VALUE` list (environment, labels…):
 * both are turned into mappings and merged; a single-file model keeps its own form.
 */
const keyValue: Rule = (base, over, path) => mergeMaps(asMap(base, '='), asMap(over, '='), path);
/** extra_hosts lists use `host:ip` (or `host=ip`). */
const hosts: Rule = (base, over, path) => mergeMaps(asMap(base, ':'), asMap(over, ':'), path);
/** depends_on and service networks: a list of names is a mapping with empty values. */
const names: Rule = (base, over, path) => mergeMaps(namesAsMap(base), namesAsMap(over), path);

/** Mounts (volumes, secrets, configs, devices) are unique by their target inside the container. */
const byTarget =
  (target: (item: Json) => string): Rule =>
  (base, over) => {
    if (!Array.isArray(base) || !Array.isArray(over)) return over;
    const out: Json[] = [];
    inheritSelf(out, base);
    const overTargets = new Set(over.map(target));
    base.forEach((v, i) => {
      if (!overTargets.has(target(v))) pushItem(out, v, itemLoc(base, i));
    });
    over.forEach((v, i) => pushItem(out, v, itemLoc(over, i)));
    return out;
  };

const volumeTarget = (v: Json): string => {
  if (isObject(v)) return String(v['target'] ?? '');
  const parts = String(v).split(':');
  return parts.length === 1 ? parts[0]! : parts[1]!;
};
const mountTarget = (v: Json): string =>
  isObject(v) ? String(v['target'] ?? v['source'] ?? '') : String(v);
const deviceTarget = (v: Json): string => {
  if (isObject(v)) return String(v['target'] ?? v['source'] ?? '');
  const parts = String(v).split(':');
  return parts[1] ?? parts[0]!;
};

/** Path patterns (`*` matches one segment) to the rule for that attribute. First match wins. */
const RULES = pathTable<Rule>([
  ['services.*.command', replace],
  ['services.*.entrypoint', replace],
  ['services.*.healthcheck.test', replace],
  ['services.*.environment', keyValue],
  ['services.*.labels', keyValue],
  ['services.*.annotations', keyValue],
  ['services.*.sysctls', keyValue],
  ['services.*.build.args', keyValue],
  ['services.*.build.labels', keyValue],
  ['services.*.deploy.labels', keyValue],
  ['services.*.extra_hosts', hosts],
  ['services.*.depends_on', names],
  ['services.*.networks', names],
  ['services.*.volumes', byTarget(volumeTarget)],
  ['services.*.secrets', byTarget(mountTarget)],
  ['services.*.configs', byTarget(mountTarget)],
  ['services.*.devices', byTarget(deviceTarget)],
  ['services.*.profiles', union],
  ['services.*.dns', union],
  ['services.*.dns_search', union],
  ['services.*.dns_opt', union],
  ['services.*.expose', union],
  ['services.*.ports', union],
  ['services.*.links', union],
  ['services.*.external_links', union],
  ['services.*.cap_add', union],
  ['services.*.cap_drop', union],
  ['services.*.security_opt', union],
  ['services.*.group_add', union],
  ['services.*.env_file', union],
  ['services.*.tmpfs', union],
  ['services.*.volumes_from', union],
]);

/** Merges `over` onto `base` following compose's rules; neither input is modified. */
export function mergeValues(base: Json, over: Json, path: string[] = []): Json {
  const rule = RULES.lookup(path);
  if (rule) return rule(base, over, path);
  if (isObject(base) && isObject(over)) return mergeMaps(base, over, path);
  // Any other sequence (ulimits lists, x- fields, …) and any scalar: the override wins.
  return over;
}

function mergeMaps(base: Json, over: Json, path: string[]): Json {
  if (!isObject(base) || !isObject(over)) return over;
  const out = newMap(selfLoc(base) ?? selfLoc(over));
  for (const k of Object.keys(base)) copyKey(out, base, k);
  for (const k of Object.keys(over)) {
    if (Object.hasOwn(base, k) && base[k] !== null && over[k] !== null) {
      copyKey(out, over, k, mergeValues(base[k] as Json, over[k] as Json, [...path, k]));
    } else if (Object.hasOwn(base, k) && over[k] === null && base[k] !== null && isObject(base[k])) {
      // `web:` with no body in an override keeps the base definition.
      continue;
    } else {
      copyKey(out, over, k);
    }
  }
  return out;
}

function asMap(v: Json, sep: '=' | ':'): Json {
  if (!Array.isArray(v)) return v;
  const out = newMap(selfLoc(v));
  v.forEach((item, i) => {
    const s = String(item);
    // extra_hosts accepts both `host:ip` and `host=ip`; IPv6 addresses contain ':' so split once.
    const at = sep === ':' && s.includes('=') ? s.indexOf('=') : s.indexOf(sep);
    const key = at < 0 ? s : s.slice(0, at);
    const value = at < 0 ? null : s.slice(at + 1);
    out[key] = value;
    const p = itemLoc(v, i);
    if (p) copyKeyAt(out, key, p);
  });
  return out;
}

function namesAsMap(v: Json): Json {
  if (!Array.isArray(v)) return v;
  const out = newMap(selfLoc(v));
  v.forEach((item, i) => {
    const key = String(item);
    out[key] = null;
    const p = itemLoc(v, i);
    if (p) copyKeyAt(out, key, p);
  });
  return out;
}

function copyKeyAt(obj: JsonObject, key: string, p: Pos): void {
  setKeyLoc(obj, key, p, p);
}
