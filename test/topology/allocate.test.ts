// Address and port allocation: pins first, then what the lockfile remembers, then newcomers
// in name order from the start of the pool, so no render ever renumbers an existing service.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Diagnostic, Pos } from '../../src/diagnostics.js';
import { allocate, type Allocation, type Pin, type Previous } from '../../src/topology/allocate.js';
import { parsePrefix, type Prefix } from '../../src/topology/cidr.js';

function prefix(text: string): Prefix {
  const p = parsePrefix(text);
  if ('error' in p) throw new Error(`test setup: ${p.error}`);
  return p;
}

const at = (line: number, col = 14): Pos => ({ file: '/p/compose.yaml', line, col });

interface Opts {
  pins?: Record<string, Pin>;
  previous?: Record<string, Previous>;
  pool4?: string;
  pool6?: string;
  portBase?: number;
}

function run(services: string[], o: Opts = {}): { allocations: Map<string, Allocation>; diagnostics: Diagnostic[] } {
  return allocate({
    services,
    pins: new Map(Object.entries(o.pins ?? {})),
    previous: new Map(Object.entries(o.previous ?? {})),
    pool4: prefix(o.pool4 ?? '10.0.0.0/24'),
    pool6: o.pool6 === undefined ? undefined : prefix(o.pool6),
    portBase: o.portBase ?? 51820,
  });
}

/** Allocation as a plain record, for whole-value comparisons. */
function table(r: { allocations: Map<string, Allocation> }): Record<string, [string, string | undefined, number]> {
  const out: Record<string, [string, string | undefined, number]> = {};
  for (const [s, a] of r.allocations) out[s] = [a.address4, a.address6, a.listenPort];
  return out;
}

/** The lockfile's view of an allocation, fed back in as `previous`. */
function previousOf(r: { allocations: Map<string, Allocation> }): Record<string, Previous> {
  const out: Record<string, Previous> = {};
  for (const [s, a] of r.allocations) out[s] = { addresses: a.address6 ? [a.address4, a.address6] : [a.address4], listenPort: a.listenPort };
  return out;
}

const codes = (ds: Diagnostic[]): string[] => ds.map((d) => d.code);
const pin4 = (text: string, pos: Pos | undefined = at(5)): Pin => ({ addresses: [{ text, pos }] });

// --- fresh allocation -----------------------------------------------------------------------

test('fresh: addresses from the first usable host and ports from the base, in name order', () => {
  const r = run(['api', 'db', 'web']);
  assert.equal(r.diagnostics, []);
  assert.equal(table(r), {
    api: ['10.0.0.1', undefined, 51820],
    db: ['10.0.0.2', undefined, 51821],
    web: ['10.0.0.3', undefined, 51822],
  });
});

test('fresh: the pool network address is never handed out, even for a pool not at .0', () => {
  const r = run(['a', 'b'], { pool4: '172.16.8.0/22' });
  assert.equal(table(r), { a: ['172.16.8.1', undefined, 51820], b: ['172.16.8.2', undefined, 51821] });
});

test('fresh: ports start at the configured base', () => {
  const r = run(['a', 'b', 'c'], { portBase: 40000 });
  assert.equal([...r.allocations.values()].map((a) => a.listenPort), [40000, 40001, 40002]);
});

test('fresh: no services, no allocations, no diagnostics', () => {
  const r = run([]);
  assert.is(r.allocations.size, 0);
  assert.equal(r.diagnostics, []);
});

// --- the lockfile ---------------------------------------------------------------------------

test('previous: entries from the lockfile are kept; newcomers fill the lowest free slots', () => {
  const r = run(['a', 'b', 'c'], { previous: { b: { addresses: ['10.0.0.9'], listenPort: 51900 } } });
  assert.equal(r.diagnostics, []);
  assert.equal(table(r), {
    a: ['10.0.0.1', undefined, 51820],
    b: ['10.0.0.9', undefined, 51900],
    c: ['10.0.0.2', undefined, 51821],
  });
});

test('previous: a remembered slot at the start of the pool is skipped by newcomers', () => {
  const r = run(['a', 'z'], { previous: { z: { addresses: ['10.0.0.1'], listenPort: 51820 } } });
  assert.equal(table(r), { a: ['10.0.0.2', undefined, 51821], z: ['10.0.0.1', undefined, 51820] });
});

test('previous: an address outside the (changed) pool is given up, the port is kept', () => {
  const r = run(['a'], { pool4: '10.9.0.0/24', previous: { a: { addresses: ['10.0.0.7'], listenPort: 51830 } } });
  assert.equal(r.diagnostics, []);
  assert.equal(table(r), { a: ['10.9.0.1', undefined, 51830] });
});

test('previous: a corrupt lockfile giving two services one address still yields distinct addresses', () => {
  const r = run(['a', 'b'], {
    previous: { a: { addresses: ['10.0.0.5'], listenPort: 51825 }, b: { addresses: ['10.0.0.5'], listenPort: 51825 } },
  });
  const a = r.allocations.get('a')!;
  const b = r.allocations.get('b')!;
  assert.is.not(a.address4, b.address4);
  assert.is.not(a.listenPort, b.listenPort);
  assert.ok([a.address4, b.address4].includes('10.0.0.5'), 'one of them keeps the remembered address');
});

// --- pins -----------------------------------------------------------------------------------

test('pins: a pinned address wins over the lockfile; the displaced service moves to a free slot', () => {
  const r = run(['a', 'b'], {
    pins: { b: pin4('10.0.0.1') },
    previous: { a: { addresses: ['10.0.0.1'], listenPort: 51820 } },
  });
  assert.equal(r.diagnostics, []);
  assert.is(r.allocations.get('b')!.address4, '10.0.0.1');
  assert.is(r.allocations.get('a')!.address4, '10.0.0.2');
});

test('pins: newcomers skip pinned addresses', () => {
  const r = run(['a', 'b', 'c'], { pins: { c: pin4('10.0.0.1') } });
  assert.equal(r.diagnostics, []);
  assert.equal(
    [...r.allocations].map(([s, a]) => [s, a.address4]),
    [['a', '10.0.0.2'], ['b', '10.0.0.3'], ['c', '10.0.0.1']],
  );
});

test('pins: an address outside the pool is WGC051 at the pin', () => {
  const pos = at(7, 16);
  const r = run(['a'], { pins: { a: pin4('10.1.0.5', pos) } });
  assert.equal(codes(r.diagnostics), ['WGC051']);
  assert.equal(r.diagnostics[0]!.pos, pos);
  assert.is(r.diagnostics[0]!.severity, 'error');
});

test('pins: the network and broadcast addresses of the pool are not usable (WGC051)', () => {
  for (const text of ['10.0.0.0', '10.0.0.255']) {
    const r = run(['a'], { pins: { a: pin4(text) } });
    assert.equal(codes(r.diagnostics), ['WGC051'], text);
  }
  const ok = run(['a'], { pins: { a: pin4('10.0.0.254') } });
  assert.equal(ok.diagnostics, [], 'last usable host is fine');
  assert.is(ok.allocations.get('a')!.address4, '10.0.0.254');
});

test('pins: text that is no IP address is WGC051', () => {
  const r = run(['a'], { pins: { a: pin4('10.0.0.300') } });
  assert.equal(codes(r.diagnostics), ['WGC051']);
});

test('pins: text that is no IP address is reported once, also with an IPv6 pool', () => {
  const r = run(['a'], { pool6: 'fd00:1::/64', pins: { a: pin4('db.local', at(4)) } });
  assert.equal(codes(r.diagnostics), ['WGC051']);
  assert.equal(r.diagnostics[0]!.pos, at(4));
});

test('pins: an IPv6 address without an IPv6 pool is WGC051, not silently dropped', () => {
  const r = run(['a'], { pins: { a: { addresses: [{ text: 'fd00:1::5', pos: at(6) }] } } });
  assert.equal(codes(r.diagnostics), ['WGC051']);
  assert.equal(r.diagnostics[0]!.pos, at(6));
  assert.match(r.diagnostics[0]!.message, /IPv6/);
});

test('pins: two addresses of one family for one service is WGC051 at the second', () => {
  const r = run(['a', 'b'], { pins: { a: { addresses: [{ text: '10.0.0.1', pos: at(3) }, { text: '10.0.0.2', pos: at(4) }] } } });
  assert.equal(codes(r.diagnostics), ['WGC051']);
  assert.equal(r.diagnostics[0]!.pos, at(4));
  // The first pin is the service's address; the second reserves nothing.
  assert.is(r.allocations.get('a')!.address4, '10.0.0.1');
  assert.is(r.allocations.get('b')!.address4, '10.0.0.2');
});

test('pins: the same address pinned twice is WGC051 at the second pin', () => {
  const second = at(12, 16);
  const r = run(['a', 'b'], { pins: { a: pin4('10.0.0.5', at(6, 16)), b: pin4('10.0.0.5', second) } });
  assert.equal(codes(r.diagnostics), ['WGC051']);
  assert.equal(r.diagnostics[0]!.pos, second);
  assert.match(r.diagnostics[0]!.message, /"a"/);
});

test('pins: a pinned port wins; newcomers skip it', () => {
  const r = run(['a', 'b', 'c'], {
    pins: { c: { port: { value: 51820, pos: at(9) } } },
    previous: { a: { addresses: ['10.0.0.1'], listenPort: 51820 } },
  });
  assert.equal(r.diagnostics, []);
  assert.equal([...r.allocations].map(([s, a]) => [s, a.listenPort]), [['a', 51821], ['b', 51822], ['c', 51820]]);
});

test('pins: the same port pinned twice is WGC052 at the second pin', () => {
  const second = at(14, 13);
  const r = run(['a', 'b'], {
    pins: { a: { port: { value: 51999, pos: at(8, 13) } }, b: { port: { value: 51999, pos: second } } },
  });
  assert.equal(codes(r.diagnostics), ['WGC052']);
  assert.equal(r.diagnostics[0]!.pos, second);
  assert.is(r.allocations.get('a')!.listenPort, 51999);
  assert.is.not(r.allocations.get('b')!.listenPort, 51999);
});

// --- exhaustion -----------------------------------------------------------------------------

test('exhaustion: a /30 holds two services; a third is WGC050', () => {
  const two = run(['a', 'b'], { pool4: '10.0.0.0/30' });
  assert.equal(two.diagnostics, []);
  assert.equal([...two.allocations.values()].map((a) => a.address4), ['10.0.0.1', '10.0.0.2']);

  const three = run(['a', 'b', 'c'], { pool4: '10.0.0.0/30' });
  assert.equal(codes(three.diagnostics), ['WGC050']);
  assert.is(three.diagnostics[0]!.severity, 'error');
  assert.match(three.diagnostics[0]!.message, /"c"/);
  assert.not.ok(three.allocations.has('c'), 'no allocation for the service that did not fit');
});

test('exhaustion: pins count against the pool', () => {
  const r = run(['a', 'b'], { pool4: '10.0.0.0/30', pins: { b: pin4('10.0.0.1'), a: pin4('10.0.0.2') } });
  assert.equal(r.diagnostics, []);
  const full = run(['a', 'b', 'c'], { pool4: '10.0.0.0/30', pins: { c: pin4('10.0.0.2') } });
  assert.equal(codes(full.diagnostics), ['WGC050']);
});

test('exhaustion: no port left above the base is WGC050', () => {
  const r = run(['a', 'b'], { portBase: 65535 });
  assert.equal(codes(r.diagnostics), ['WGC050']);
  assert.is(r.allocations.get('a')!.listenPort, 65535);
});

// --- IPv6 -----------------------------------------------------------------------------------

test('IPv6: a pool6 gives every service an IPv6 address too, in the same order', () => {
  const r = run(['api', 'db', 'web'], { pool6: 'fd00:1::/64' });
  assert.equal(r.diagnostics, []);
  assert.equal(table(r), {
    api: ['10.0.0.1', 'fd00:1::1', 51820],
    db: ['10.0.0.2', 'fd00:1::2', 51821],
    web: ['10.0.0.3', 'fd00:1::3', 51822],
  });
});

test('IPv6: previous addresses are kept per family', () => {
  const r = run(['a', 'b'], {
    pool6: 'fd00:1::/64',
    previous: { b: { addresses: ['10.0.0.40', 'fd00:1::40'], listenPort: 51840 } },
  });
  assert.equal(table(r), { a: ['10.0.0.1', 'fd00:1::1', 51820], b: ['10.0.0.40', 'fd00:1::40', 51840] });
});

test('IPv6: pins are checked like IPv4 pins (outside the pool, duplicate)', () => {
  const outside = run(['a'], { pool6: 'fd00:1::/64', pins: { a: { addresses: [{ text: 'fd00:2::5', pos: at(3) }] } } });
  assert.equal(codes(outside.diagnostics), ['WGC051']);
  const dup = run(['a', 'b'], {
    pool6: 'fd00:1::/64',
    pins: { a: { addresses: [{ text: 'fd00:1::5', pos: at(3) }] }, b: { addresses: [{ text: 'fd00:1::5', pos: at(4) }] } },
  });
  assert.equal(codes(dup.diagnostics), ['WGC051']);
  assert.equal(dup.diagnostics[0]!.pos, at(4));
});

test('IPv6: a dual pin sets both families; a v4-only pin leaves the v6 address to the allocator', () => {
  const r = run(['a', 'b'], {
    pool6: 'fd00:1::/64',
    pins: {
      a: { addresses: [{ text: '10.0.0.7', pos: at(3) }, { text: 'fd00:1::7', pos: at(4) }] },
      b: pin4('10.0.0.8'),
    },
  });
  assert.equal(r.diagnostics, []);
  assert.equal(table(r), { a: ['10.0.0.7', 'fd00:1::7', 51820], b: ['10.0.0.8', 'fd00:1::1', 51821] });
});

test('IPv6: the subnet-router anycast address is skipped and a tiny pool6 is exhausted (WGC050)', () => {
  const r = run(['a', 'b'], { pool6: 'fd00:1::/127' });
  assert.equal(codes(r.diagnostics), ['WGC050']);
  assert.is(r.allocations.get('a')?.address6, 'fd00:1::1');
});

// --- stability across renders ---------------------------------------------------------------

test('stability: removing a service frees its slot and renumbers nobody', () => {
  const first = run(['a', 'b', 'c', 'd'], { pool6: 'fd00:1::/64' });
  const second = run(['a', 'c', 'd'], { pool6: 'fd00:1::/64', previous: previousOf(first) });
  assert.equal(second.diagnostics, []);
  for (const s of ['a', 'c', 'd']) assert.equal(table(second)[s], table(first)[s], s);
  // The freed slot is the lowest free one, so the next newcomer takes it.
  const third = run(['a', 'c', 'd', 'e'], { pool6: 'fd00:1::/64', previous: previousOf(second) });
  assert.equal(table(third)['e'], table(first)['b']);
});

test('stability: adding services (even ones sorting first) changes no existing address or port', () => {
  const first = run(['m', 'n'], { pool6: 'fd00:1::/64' });
  const second = run(['a', 'b', 'm', 'n', 'z'], { pool6: 'fd00:1::/64', previous: previousOf(first) });
  assert.equal(second.diagnostics, []);
  for (const s of ['m', 'n']) assert.equal(table(second)[s], table(first)[s], s);
  assert.equal(table(second)['a'], ['10.0.0.3', 'fd00:1::3', 51822]);
});

test('stability (property): any sequence of adds and removes keeps every survivor in place, all distinct', () => {
  const names = fc.constantFrom(...'abcdefghijklmnop'.split(''));
  const step = fc.uniqueArray(names, { maxLength: 10 }).map((xs) => xs.sort());
  let runs = 0;
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), fc.boolean(), (steps, dual) => {
      runs++;
      let previous: Record<string, Previous> = {};
      let before: Record<string, [string, string | undefined, number]> = {};
      for (const services of steps) {
        const r = run(services, { pool4: '10.0.0.0/27', ...(dual ? { pool6: 'fd00::/120' } : {}), previous });
        if (r.diagnostics.length !== 0) return false;
        const now = table(r);
        if (Object.keys(now).length !== services.length) return false;
        for (const s of services) {
          if (before[s] && JSON.stringify(before[s]) !== JSON.stringify(now[s])) return false;
        }
        const values = Object.values(now);
        if (new Set(values.map((v) => v[0])).size !== values.length) return false;
        if (dual && new Set(values.map((v) => v[1])).size !== values.length) return false;
        if (new Set(values.map((v) => v[2])).size !== values.length) return false;
        // The lockfile keeps only present services, as lockOf in pipeline.ts does.
        previous = previousOf(r);
        before = now;
      }
      return true;
    }),
    { numRuns: 100 },
  );
  assert.is(runs, 100);
});

test.run();
