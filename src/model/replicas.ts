// Replicas of a linked service. A WireGuard peer is one key at one address, so a linked
// service that runs N replicas (`deploy.replicas` or `scale`) becomes N services, one per
// replica slot, each with its own key pair and tunnel address:
// - slot 1 keeps the service's name, so scaling from 1 to N moves no key and no address,
//   and slot k is `NAME-k` (slotName): stable across renders and redeploys, and recorded in
//   the lockfile like any service;
// - every link to the service becomes a link to each slot under the same link name, so the
//   name resolves to every replica's tunnel address, as compose's DNS resolves a scaled
//   service to all its containers, and each slot links what the service links;
// - every slot keeps the service's name as a network alias (see ServiceSlot), so services
//   that reach it without a link still do.
// On swarm each slot is a service of its own for a further reason: swarm attaches secrets to
// a service, not to a task, and a slot's private key must reach only the node that runs it.
import { error, type Diagnostic, type Pos } from '../diagnostics.js';
import { copyKey, isObject, itemLoc, keyLoc, newMap, pushItem, selfLoc, setKeyLoc, valueLoc, type Json, type JsonObject } from '../load/located.js';
import { parseLink, type ModelView } from './model.js';
import { generatedNames } from './names.js';

/** The service that holds replica `slot` (1-based) of `service`. */
export const slotName = (service: string, slot: number): string => (slot === 1 ? service : `${service}-${slot}`);

/** A slot service's origin, carried into the topology so render and `show` can group them. */
export interface ServiceSlot {
  readonly service: string;
  readonly slot: number;
  readonly of: number;
}

/** Linked services that run more than one replica, with the count. */
export function replicated(view: ModelView, linked: readonly string[]): Map<string, { count: number; pos: Pos | undefined }> {
  const out = new Map<string, { count: number; pos: Pos | undefined }>();
  for (const name of linked) {
    const r = view.services.get(name)?.replicas;
    if (r && r.count > 1) out.set(name, { count: r.count, pos: r.pos });
  }
  return out;
}

/**
 * Attributes that name one instance: N replicas cannot all have them. The first found, with
 * its position, and why.
 */
function singleInstance(view: ModelView, name: string): { pos: Pos | undefined; what: string } | undefined {
  const s = view.services.get(name)!;
  if (Object.hasOwn(s.raw, 'container_name')) return { pos: valueLoc(s.raw, 'container_name'), what: 'container_name names one container' };
  for (const key of ['address', 'endpoint', 'host'] as const) {
    if (s.wireguard && Object.hasOwn(s.wireguard, key)) return { pos: valueLoc(s.wireguard, key), what: `x-wireguard.${key} is one ${key === 'address' ? 'address' : 'place to dial'}, and each replica has its own` };
  }
  return undefined;
}

/** What stops a replicated linked service from being split into slots, at its line. */
export function checkReplicas(view: ModelView, linked: readonly string[]): Diagnostic[] {
  const ds: Diagnostic[] = [];
  for (const [name, r] of replicated(view, linked)) {
    const bad = singleInstance(view, name);
    if (bad) ds.push(error('WGC048', `service "${name}" is linked and runs ${r.count} replicas, but ${bad.what}`, bad.pos, 'remove it, or run one replica'));
    for (let slot = 2; slot <= r.count; slot++) {
      const n = slotName(name, slot);
      for (const taken of [n, ...generatedNames(n).services]) {
        if (view.services.has(taken) || view.disabled.has(taken)) {
          ds.push(error('WGC046', `wg-compose adds a service "${taken}" for replica ${slot} of "${name}", but the project already has one`, view.services.get(taken)?.pos ?? r.pos, `rename service "${taken}"`));
        }
      }
    }
  }
  return ds;
}

/**
 * The model with every replicated linked service split into its slots (see the top of this
 * file), and each slot service's origin. The input model is not changed; services that are
 * not touched are shared with it.
 */
export function expandReplicas(model: JsonObject, sets: ReadonlyMap<string, { count: number }>): { model: JsonObject; slots: Map<string, ServiceSlot> } {
  const slots = new Map<string, ServiceSlot>();
  if (sets.size === 0) return { model, slots };
  const services = model['services'] as JsonObject;
  const out = newMap(selfLoc(services));
  for (const name of Object.keys(services)) {
    const svc = services[name]!;
    const set = sets.get(name);
    const base = isObject(svc) ? withLinksToSlots(svc, sets) : svc;
    if (!set || !isObject(base)) {
      copyKey(out, services, name, base);
      continue;
    }
    for (let slot = 1; slot <= set.count; slot++) {
      const n = slotName(name, slot);
      if (n === name) copyKey(out, services, name, oneReplica(base));
      else {
        // Slot k sits after slot k-1, at the service's own position (its diagnostics point there).
        out[n] = oneReplica(base);
        const k = keyLoc(services, name);
        const v = valueLoc(services, name);
        if (k && v) setKeyLoc(out, n, k, v);
      }
      slots.set(n, { service: name, slot, of: set.count });
    }
  }
  const next = newMap(selfLoc(model));
  for (const key of Object.keys(model)) copyKey(next, model, key, key === 'services' ? out : (model[key] as Json));
  return { model: next, slots };
}

/** The service as one replica: without `scale` and `deploy.replicas`. */
function oneReplica(svc: JsonObject): JsonObject {
  const out = newMap(selfLoc(svc));
  for (const key of Object.keys(svc)) {
    if (key === 'scale') continue;
    const v = svc[key] as Json;
    if (key === 'deploy' && isObject(v) && Object.hasOwn(v, 'replicas')) {
      const deploy = newMap(selfLoc(v));
      for (const k of Object.keys(v)) if (k !== 'replicas') copyKey(deploy, v, k);
      if (Object.keys(deploy).length > 0) copyKey(out, svc, key, deploy);
      continue;
    }
    copyKey(out, svc, key, v);
  }
  return out;
}

/** `links` with every link to a replicated service repeated for each of its other slots. */
function withLinksToSlots(svc: JsonObject, sets: ReadonlyMap<string, { count: number }>): JsonObject {
  const links = svc['links'];
  if (!Array.isArray(links) || !links.some((l) => sets.has(parseLink(String(l)).target))) return svc;
  const next: Json[] = [];
  links.forEach((l, i) => {
    const pos = itemLoc(links, i);
    pushItem(next, l, pos);
    const { target, alias } = parseLink(String(l));
    const set = sets.get(target);
    if (!set) return;
    for (let slot = 2; slot <= set.count; slot++) pushItem(next, `${slotName(target, slot)}:${alias ?? target}`, pos);
  });
  const out = newMap(selfLoc(svc));
  for (const key of Object.keys(svc)) copyKey(out, svc, key, key === 'links' ? next : (svc[key] as Json));
  return out;
}
