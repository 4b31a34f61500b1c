// The typed view of a validated compose model that the link stages work on. The raw model
// stays the source of everything that is not a link (it is rendered back out untouched);
// this view holds only what linking needs, each piece with its position.
import type { Pos } from '../diagnostics.js';
import { isObject, itemLoc, keyLoc, valueLoc, type Json, type JsonObject } from '../load/located.js';
import { canonicalService, type CanonicalService } from './canonical/service.js';
import { linkedPairs, type LinkedPair } from './linked-pairs.js';
import type { ServiceSlot } from './replicas.js';

export interface Link {
  /** The service linked to. */
  readonly target: string;
  /** The name the linking service uses for it: the alias, or the target's own name. */
  readonly name: string;
  readonly alias: string | undefined;
  readonly pos: Pos | undefined;
}

export interface ExternalLink {
  readonly text: string;
  readonly pos: Pos | undefined;
}

export interface ServiceView {
  readonly name: string;
  readonly pos: Pos | undefined;
  readonly links: readonly Link[];
  readonly externalLinks: readonly ExternalLink[];
  readonly networkMode: { readonly value: string; readonly pos: Pos | undefined } | undefined;
  /** Names of the networks the service is attached to; `default` when none is named. */
  readonly networks: readonly string[];
  readonly replicas: { readonly count: number; readonly pos: Pos | undefined } | undefined;
  readonly wireguard: JsonObject | undefined;
  /** The long forms of the attributes compose also accepts short: what every stage reads. */
  readonly canonical: CanonicalService;
  /** The service as written (merged and interpolated): what is rendered back. */
  readonly raw: JsonObject;
}

export interface ModelView {
  readonly services: ReadonlyMap<string, ServiceView>;
  /** Services that exist but are disabled by the active profiles. */
  readonly disabled: ReadonlySet<string>;
  readonly settings: JsonObject | undefined;
  readonly model: JsonObject;
  /** Services that hold one replica of a replicated linked service (src/model/replicas.ts). */
  readonly slots: ReadonlyMap<string, ServiceSlot>;
  /** Who peers with whom: computed once, here, for the link checks, the topology and check's lockfile drift. */
  readonly pairs: ReadonlyMap<string, LinkedPair>;
}

/** `SERVICE` or `SERVICE:ALIAS` (https://github.com/compose-spec/compose-spec/blob/main/05-services.md#links). */
export function parseLink(text: string): { target: string; alias: string | undefined } {
  const i = text.indexOf(':');
  return i < 0 ? { target: text, alias: undefined } : { target: text.slice(0, i), alias: text.slice(i + 1) };
}

export function viewOf(model: JsonObject, disabled: ReadonlySet<string>, slots: ReadonlyMap<string, ServiceSlot> = new Map()): ModelView {
  const services = new Map<string, ServiceView>();
  const raw = isObject(model['services']) ? model['services'] : ({} as JsonObject);
  for (const name of Object.keys(raw).sort()) {
    const svc = raw[name];
    if (!isObject(svc)) continue;
    services.set(name, serviceView(name, svc, keyLoc(raw, name)));
  }
  const settings = model['x-wireguard'];
  return { services, disabled, settings: isObject(settings) ? settings : undefined, model, slots, pairs: linkedPairs(services) };
}

/** The view of one service (its long forms included); `pos` is where its name is. */
export function serviceView(name: string, svc: JsonObject, pos: Pos | undefined = undefined): ServiceView {
  const linksRaw = svc['links'];
  const links: Link[] = Array.isArray(linksRaw)
    ? linksRaw.map((l, i) => {
        const { target, alias } = parseLink(String(l));
        return { target, alias, name: alias ?? target, pos: itemLoc(linksRaw, i) };
      })
    : [];
  const extRaw = svc['external_links'];
  const externalLinks = Array.isArray(extRaw) ? extRaw.map((l, i) => ({ text: String(l), pos: itemLoc(extRaw, i) })) : [];
  const canonical = canonicalService(svc);
  const nm = svc['network_mode'];
  const networkMode = typeof nm === 'string' ? { value: nm, pos: valueLoc(svc, 'network_mode') } : undefined;
  return {
    name,
    pos,
    links,
    externalLinks,
    networkMode,
    networks: canonical.networks.map((n) => n.name),
    replicas: replicasOf(svc),
    wireguard: isObject(svc['x-wireguard']) ? svc['x-wireguard'] : undefined,
    canonical,
    raw: svc,
  };
}

function replicasOf(svc: JsonObject): ServiceView['replicas'] {
  const deploy = svc['deploy'];
  const fromDeploy: Json | undefined = isObject(deploy) ? deploy['replicas'] : undefined;
  if (typeof fromDeploy === 'number') return { count: fromDeploy, pos: valueLoc(deploy, 'replicas') };
  const scale = svc['scale'];
  if (typeof scale === 'number') return { count: scale, pos: valueLoc(svc, 'scale') };
  return undefined;
}
