// The addressing rules `check` runs without any key: the pools and the port range must hold
// every linked service, and pins must not collide. The allocation is render's own
// (assignAddresses, with the lockfile render would read), so check fails where render would.
import type { Analysis } from '../pipeline.js';
import { error, type Diagnostic } from '../diagnostics.js';
import { keyLoc, valueLoc } from '../load/located.js';
import type { Lockfile } from '../state/lockfile.js';
import type { Allocation } from '../topology/allocate.js';
import { assignAddresses, pinOf } from '../topology/assign.js';
import { formatPrefix, usableHosts, type Prefix } from '../topology/cidr.js';

export function checkAddressing(a: Analysis, lock: Lockfile): { allocations: Map<string, Allocation>; diagnostics: Diagnostic[] } {
  const capacity = checkCapacity(a);
  const { allocations, diagnostics } = assignAddresses(a.view, a.linked, a.settings, lock);
  // The capacity rule says what the allocator's exhaustion error says, at the setting's line
  // and with the count, so the allocator's own (unplaced) report would only repeat it.
  const rest = capacity.length > 0 ? diagnostics.filter((d) => d.code !== 'WGC050') : diagnostics;
  return { allocations, diagnostics: [...capacity, ...rest] };
}

/**
 * Every linked service takes one address of each pool and one listen port. Pins take their
 * slot inside the pool like anyone else, so the count alone decides, whatever the lockfile
 * says; ports pinned by a service leave the range to the others.
 */
export function checkCapacity(a: Analysis): Diagnostic[] {
  const ds: Diagnostic[] = [];
  const n = a.linked.length;
  if (n === 0) return ds;
  const x = a.view.settings;
  const where = (key: string) => valueLoc(x, key) ?? keyLoc(a.view.model, 'x-wireguard');
  const pool = (key: 'pool' | 'pool6', p: Prefix | undefined) => {
    if (p === undefined) return;
    const hosts = usableHosts(p);
    if (hosts < BigInt(n)) {
      ds.push(
        error('WGC050', `x-wireguard.${key} ${formatPrefix(p)} has ${hosts} usable address${hosts === 1n ? '' : 'es'}, but ${n} services are linked`, where(key), `choose a larger x-wireguard.${key}`),
      );
    }
  };
  pool('pool', a.settings.pool4);
  pool('pool6', a.settings.pool6);

  const base = a.settings.portBase;
  const pinned = new Set<number>();
  let unpinned = 0;
  for (const s of a.linked) {
    const port = pinOf(a.view, s).port?.value;
    if (port === undefined) unpinned++;
    else pinned.add(port);
  }
  const free = 65535 - base + 1 - [...pinned].filter((p) => p >= base && p <= 65535).length;
  if (unpinned > free) {
    ds.push(error('WGC050', `x-wireguard.port ${base} leaves ${Math.max(free, 0)} listen ports, but ${unpinned} services need one`, where('port'), 'lower x-wireguard.port'));
  }
  return ds;
}
