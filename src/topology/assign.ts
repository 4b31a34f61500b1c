// Addresses and listen ports for a project's linked services, from the pins in `x-wireguard`
// and what the lockfile remembers — and nothing else: no key material. `check` runs this on
// every commit to find pin collisions and an exhausted pool without a master secret;
// `buildTopology` runs it first and derives keys afterwards, so both see one allocation.
import type { Diagnostic, Pos } from '../diagnostics.js';
import { itemLoc, valueLoc } from '../load/located.js';
import type { ModelView } from '../model/model.js';
import type { Settings } from '../model/settings.js';
import type { Lockfile } from '../state/lockfile.js';
import { allocate, type Allocation, type Pin, type Previous } from './allocate.js';

export function assignAddresses(
  view: ModelView,
  linked: readonly string[],
  settings: Settings,
  lock: Lockfile,
): { allocations: Map<string, Allocation>; diagnostics: Diagnostic[] } {
  const pins = new Map<string, Pin>();
  const previous = new Map<string, Previous>();
  for (const s of linked) {
    pins.set(s, pinOf(view, s));
    const l = lock.services.get(s);
    if (l) previous.set(s, { addresses: l.addresses, listenPort: l.listenPort });
  }
  return allocate({
    services: linked,
    pins,
    previous,
    pool4: settings.pool4,
    pool6: settings.pool6,
    portBase: settings.portBase,
  });
}

/** The address(es) and port a service pins in its `x-wireguard`, with their positions. */
export function pinOf(view: ModelView, s: string): Pin {
  const wg = view.services.get(s)?.wireguard;
  if (!wg) return {};
  const addr = wg['address'];
  const addresses: { text: string; pos: Pos | undefined }[] =
    typeof addr === 'string'
      ? [{ text: addr, pos: valueLoc(wg, 'address') }]
      : Array.isArray(addr)
        ? addr.map((a, i) => ({ text: String(a), pos: itemLoc(addr, i) }))
        : [];
  const port = typeof wg['port'] === 'number' ? { value: wg['port'], pos: valueLoc(wg, 'port') } : undefined;
  return { addresses, ...(port ? { port } : {}) };
}
