// Lockfile drift: would `render` rewrite wg-compose.lock? The lockfile is committed beside the
// compose file so that a review shows what a change does to the topology; a compose change
// committed without its lockfile change hides that, and the next render on another machine
// allocates on its own. Compared: the linked services, the linked pairs, and each service's
// addresses and listen port as render would allocate them now. Public keys are not compared:
// deriving them needs the master secret, and check needs none.
import type { Analysis } from '../pipeline.js';
import { error, type Diagnostic, type Pos } from '../diagnostics.js';
import { LOCKFILE_NAME, type Lockfile } from '../state/lockfile.js';
import type { Allocation } from '../topology/allocate.js';
import { pinOf } from '../topology/assign.js';

const HINT = `run wg-compose render and commit ${LOCKFILE_NAME} with the compose change`;

export function checkLockDrift(
  a: Analysis,
  allocations: ReadonlyMap<string, Allocation>,
  lock: Lockfile,
  lockPath: string,
  lockText: string,
): Diagnostic[] {
  const ds: Diagnostic[] = [];
  const lines = lockLines(lockText, lockPath);
  const linked = new Set(a.linked);
  for (const s of a.linked) {
    const locked = lock.services.get(s);
    if (!locked) {
      ds.push(error('WGC063', `service "${s}" is linked, but ${LOCKFILE_NAME} has no entry for it`, a.view.services.get(s)?.pos, HINT));
      continue;
    }
    const alloc = allocations.get(s);
    if (!alloc) continue;
    const now = alloc.address6 ? [alloc.address4, alloc.address6] : [alloc.address4];
    const same = now.length === locked.addresses.length && now.every((x, i) => x === locked.addresses[i]) && alloc.listenPort === locked.listenPort;
    if (!same) {
      const pin = pinOf(a.view, s);
      const pos = pin.addresses?.[0]?.pos ?? pin.port?.pos ?? a.view.services.get(s)?.pos;
      ds.push(
        error(
          'WGC063',
          `service "${s}" has ${locked.addresses.join(', ') || 'no address'} port ${locked.listenPort} in ${LOCKFILE_NAME}, but render would give it ${now.join(', ')} port ${alloc.listenPort}`,
          pos,
          HINT,
        ),
      );
    }
  }
  for (const s of [...lock.services.keys()].sort()) {
    if (!linked.has(s)) {
      const why = a.view.services.has(s) ? 'which is no longer linked' : 'which is no longer a service';
      ds.push(error('WGC063', `${LOCKFILE_NAME} has an entry for "${s}", ${why}`, lines.services.get(s) ?? lines.top, HINT));
    }
  }
  const pairs = a.view.pairs;
  for (const [k, { pos }] of pairs) {
    if (!lock.links.has(k)) {
      ds.push(error('WGC063', `the link ${k.replace(':', ' <-> ')} has no entry in ${LOCKFILE_NAME}`, pos, HINT));
    }
  }
  for (const k of [...lock.links.keys()].sort()) {
    if (!pairs.has(k)) {
      ds.push(error('WGC063', `${LOCKFILE_NAME} has the link ${k.replace(':', ' <-> ')}, which the compose files no longer make`, lines.links.get(k) ?? lines.top, HINT));
    }
  }
  return ds;
}

/**
 * Where each entry of a lockfile is, for pointing at a stale one. The lockfile is written by
 * serializeLockfile (two-space JSON, one key per line), so entries are found by their
 * indentation; a hand-edited file still gets its first line.
 */
function lockLines(text: string, file: string): { top: Pos; services: Map<string, Pos>; links: Map<string, Pos> } {
  const services = new Map<string, Pos>();
  const links = new Map<string, Pos>();
  let section: Map<string, Pos> | undefined;
  text.split('\n').forEach((line, i) => {
    if (/^ {2}"services": \{/.test(line)) section = services;
    else if (/^ {2}"links": \{/.test(line)) section = links;
    else if (/^ {2}\S/.test(line)) section = undefined;
    else if (section) {
      const m = /^ {4}("(?:[^"\\]|\\.)*"):/.exec(line);
      if (m) {
        try {
          section.set(JSON.parse(m[1]!) as string, { file, line: i + 1, col: 5 });
        } catch {
          // not a JSON string after all: leave it unplaced
        }
      }
    }
  });
  return { top: { file, line: 1, col: 1 }, services, links };
}
