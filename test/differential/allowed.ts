// The known differences between a stack rendered by wg-compose and docker-compose 1.29.2's
// reading of the same input, each with its reason; each is a rule of the README's "Compose
// compatibility" section. Not a test file.
import type { Difference } from './compare.js';

export interface Allowed {
  readonly id: string;
  readonly reason: string;
  readonly matches: (caseName: string, d: Difference) => boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const keys = (v: unknown): string[] => (isObj(v) ? Object.keys(v) : []);
const isV1 = (caseName: string): boolean => caseName.startsWith('v1 ');
const PAIR = /^v1-link-/;

export const ALLOWED: readonly Allowed[] = [
  {
    id: 'v1-pair-networks',
    reason: 'a linked v1 service joins one network per linked pair (v1-link-A-B) instead of the default bridge, so its tunnel endpoint is reachable by its peers only (issue 14, bug 11)',
    matches: (c, d) =>
      isV1(c) &&
      ((/^services\.[^.]+\.network_mode$/.test(d.path) && d.compose === 'bridge' && d.rendered === undefined) ||
        (/^services\.[^.]+\.networks$/.test(d.path) && d.compose === undefined && keys(d.rendered).length > 0 && keys(d.rendered).every((k) => PAIR.test(k))) ||
        (d.path === 'networks' && d.compose === undefined && keys(d.rendered).length > 0 && keys(d.rendered).every((k) => PAIR.test(k)))),
  },
  {
    id: 'v1-volumes-declared',
    reason: 'a v1 named volume is declared with name: (the same Docker volume, no project prefix), as the Specification format requires (issue 14, bug 9)',
    matches: (c, d) => isV1(c) && d.path === 'volumes' && d.compose === undefined && keys(d.rendered).every((k) => isObj((d.rendered as Obj)[k]) && ((d.rendered as Obj)[k] as Obj)['name'] === k),
  },
  {
    id: 'profiles-applied',
    reason: 'render applies the active profiles: a service they disable is not in the rendered stack (docker-compose config prints every service)',
    matches: (_c, d) => /^services\.[^.]+$/.test(d.path) && d.rendered === undefined && isObj(d.compose) && Array.isArray(d.compose['profiles']),
  },
];

export const allowedFor = (caseName: string, d: Difference): Allowed | undefined => ALLOWED.find((a) => a.matches(caseName, d));
