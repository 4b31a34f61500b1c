// Merging compose models: several `-f` files, and `extends`. Rules follow the Compose
// Specification's merge document (https://github.com/compose-spec/compose-spec/blob/main/13-merge.md):
// mappings merge key by key, scalars are overridden, and sequences are appended, unique by a
// key for some attributes. Where the document is silent, compose-go's (what `docker compose`
// v2 runs: override/merge.go and override/uncity.go) per-attribute rules decide. As compose-go
// does, the rules are a table keyed by path pattern rather than nested ifs; positions of every
// value survive the merge, and the `!reset`/`!override` tags (./tags.ts) are honoured.
import type { Pos } from '../diagnostics.js';
import { jsonEqual } from '../validate/json-equal.js';
import { copyKey, isObject, itemLoc, newMap, selfLoc, setKeyLoc, valueLoc, type Json, type JsonObject } from './located.js';
import { deviceTarget, envFileKey, exposeKey, keyValueKey, mountTarget, portKey, text, volumeTarget } from './merge-keys.js';
import { append, byTarget, stringOrList, uniqueBy, type At } from './merge-sequences.js';
import { pathTable } from './path-pattern.js';
import { carryTags, replaces } from './tags.js';

type Rule = (base: Json, over: Json, path: string[], at: At) => Json;
const seq =
  (f: (base: Json, over: Json, at: At) => Json): Rule =>
  (base, over, _path, at) =>
    f(base, over, at);

/** The override replaces the base value wholesale. */
const replace: Rule = (_base, over) => over;

/**
 * Attributes written either as a mapping or as a `KEY=VALUE` list (environment, labels…):
 * both are turned into mappings and merged, the override winning per key (compose-go turns
 * both into lists, unique by key: the same model); a single-file model keeps its own form.
 */
const keyValue: Rule = (base, over, path) => mergeMaps(asMap(base, '='), asMap(over, '='), path);
/** extra_hosts lists use `host:ip` (or `host=ip`). */
const hosts: Rule = (base, over, path) => mergeMaps(asMap(base, ':'), asMap(over, ':'), path);
/** Service networks and models: a list of names is a mapping with empty values. */
const names: Rule = (base, over, path) => mergeMaps(namesAsMap(base, () => null), namesAsMap(over, () => null), path);

/**
 * depends_on: a list of names is the long form with compose's defaults, so both sides merge
 * into valid long-form entries (compose-go's mergeDependsOn); a null entry fails the schema.
 * `required: true` is left out: it is the Specification's default, and docker-compose 1.29
 * refuses the key (the differential tier found it).
 */
const dependsOn: Rule = (base, over, path) => mergeMaps(namesAsMap(base, startedAt), namesAsMap(over, startedAt), path);
function startedAt(p: Pos | undefined): JsonObject {
  const entry = newMap(p);
  entry['condition'] = 'service_started';
  if (p) setKeyLoc(entry, 'condition', p, p);
  return entry;
}

/** `build: PATH` is `build: {context: PATH}` (compose-go's mergeBuild). */
const build: Rule = (base, over, path, at) => mergeMaps(buildMap(base, at.base), buildMap(over, at.over), path);
function buildMap(v: Json, p: Pos | undefined): Json {
  if (typeof v !== 'string') return v;
  const out = newMap(p);
  out['context'] = v;
  if (p) setKeyLoc(out, 'context', p, p);
  return out;
}

/** Logging options belong to their driver: another driver's options are replaced, not merged. */
const logging: Rule = (base, over, path) => {
  const other = isObject(base) && isObject(over) && Object.hasOwn(base, 'driver') && Object.hasOwn(over, 'driver') && !jsonEqual(base['driver'], over['driver']);
  return other ? over : mergeMaps(base, over, path);
};

const unique = (key: (item: Json) => string): Rule => seq(uniqueBy(key));
const uniqueList = (key: (item: Json) => string): Rule => seq(stringOrList(uniqueBy(key)));

/** Path patterns (`*` matches one segment) to the rule for that attribute. First match wins. */
const RULES = pathTable<Rule>([
  ['services.*.command', replace],
  ['services.*.entrypoint', replace],
  ['services.*.healthcheck.test', replace],
  // compose-go's mergeUlimit keeps the override's value whole.
  ['services.*.ulimits.*', replace],
  ['services.*.build', build],
  ['services.*.logging', logging],
  ['services.*.depends_on', dependsOn],
  ['services.*.networks', names],
  ['services.*.models', names],
  ['services.*.environment', keyValue],
  ['services.*.labels', keyValue],
  ['services.*.annotations', keyValue],
  ['services.*.sysctls', keyValue],
  ['services.*.build.args', keyValue],
  ['services.*.build.labels', keyValue],
  ['services.*.build.additional_contexts', keyValue],
  ['services.*.deploy.labels', keyValue],
  ['services.*.volumes.*.volume.labels', keyValue],
  ['networks.*.labels', keyValue],
  ['volumes.*.labels', keyValue],
  ['services.*.extra_hosts', hosts],
  ['services.*.build.extra_hosts', hosts],
  ['services.*.volumes', seq(byTarget(volumeTarget))],
  ['services.*.secrets', seq(byTarget(mountTarget('/run/secrets')))],
  ['services.*.configs', seq(byTarget(mountTarget('')))],
  ['services.*.devices', seq(byTarget(deviceTarget))],
  ['services.*.ports', unique(portKey)],
  ['services.*.expose', unique(exposeKey)],
  ['services.*.env_file', uniqueList(envFileKey)],
  ['services.*.dns', uniqueList(keyValueKey)],
  ['services.*.dns_search', uniqueList(keyValueKey)],
  ['services.*.tmpfs', uniqueList(keyValueKey)],
  ['services.*.label_file', seq(stringOrList(append))],
  ['services.*.dns_opt', unique(keyValueKey)],
  ['services.*.profiles', unique(keyValueKey)],
  ['services.*.links', unique(keyValueKey)],
  ['services.*.cap_add', unique(keyValueKey)],
  ['services.*.cap_drop', unique(keyValueKey)],
  ['services.*.build.tags', unique(keyValueKey)],
  ['services.*.networks.*.aliases', unique(keyValueKey)],
  ['services.*.networks.*.link_local_ips', unique(keyValueKey)],
]);

/** Merges `over` onto `base` following compose's rules; neither input is modified. */
export function mergeValues(base: Json, over: Json, path: string[] = [], at: At = { base: undefined, over: undefined }): Json {
  const rule = RULES.lookup(path);
  if (rule) return rule(base, over, path, at);
  if (isObject(base) && isObject(over)) return mergeMaps(base, over, path);
  // Every other sequence (security_opt, device_cgroup_rules, deploy.placement.constraints,
  // x- fields…) is appended, as 13-merge.md and compose-go do; a scalar is overridden.
  if (Array.isArray(base) && Array.isArray(over)) return append(base, over);
  return over;
}

function mergeMaps(base: Json, over: Json, path: string[]): Json {
  if (!isObject(base) || !isObject(over)) return over;
  const out = newMap(selfLoc(base) ?? selfLoc(over));
  // `KEY: !reset` or `KEY: !override` in the override: the base's KEY takes no part.
  for (const k of Object.keys(base)) if (!replaces(over, k)) copyKey(out, base, k);
  for (const k of Object.keys(over)) {
    const both = Object.hasOwn(base, k) && !replaces(over, k);
    if (both && base[k] !== null && over[k] !== null) {
      const at = { base: valueLoc(base, k), over: valueLoc(over, k) };
      copyKey(out, over, k, mergeValues(base[k] as Json, over[k] as Json, [...path, k], at));
    } else if (both && over[k] === null && isObject(base[k])) {
      // `web:` with no body in an override keeps the base definition.
      continue;
    } else {
      copyKey(out, over, k);
    }
  }
  carryTags(out, base);
  carryTags(out, over);
  return out;
}

function asMap(v: Json, sep: '=' | ':'): Json {
  if (!Array.isArray(v)) return v;
  const out = newMap(selfLoc(v));
  v.forEach((item, i) => {
    const s = text(item);
    // extra_hosts accepts both `host:ip` and `host=ip`; IPv6 addresses contain ':' so split once.
    const at = sep === ':' && s.includes('=') ? s.indexOf('=') : s.indexOf(sep);
    const key = at < 0 ? s : s.slice(0, at);
    out[key] = at < 0 ? null : s.slice(at + 1);
    const p = itemLoc(v, i);
    if (p) setKeyLoc(out, key, p, p);
  });
  return out;
}

function namesAsMap(v: Json, entry: (p: Pos | undefined) => Json): Json {
  if (!Array.isArray(v)) return v;
  const out = newMap(selfLoc(v));
  v.forEach((item, i) => {
    const key = text(item);
    const p = itemLoc(v, i);
    out[key] = entry(p);
    if (p) setKeyLoc(out, key, p, p);
  });
  return out;
}
