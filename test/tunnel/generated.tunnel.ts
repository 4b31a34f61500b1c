// Tunnel tier at scale: a generated dual-stack project of 24 linked services over three
// networks (mixed links and aliases, pinned addresses and ports, keepalive, NAT, plain
// services beside them) runs in network namespaces; every linked pair passes traffic over
// IPv4 and IPv6, by address and by link name, and no unlinked pair does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { proveStack } from './checks.js';
import { generateProject } from './generate.js';
import { cleanup, sweepStale } from './netns.js';
import { renderProject } from './project.js';

test.before(() => {
  sweepStale();
});
test.after(cleanup);

test('tunnels: generated project, 24 linked services, dual stack (seed 20240611)', async () => {
  const gen = generateProject(20240611, 24, 3);
  const rendered = await renderProject('generated', gen.files, ['-f', 'compose.yaml']);

  // The topology render reports is the one the generator wrote: every link a pair, with the
  // link names as aliases, and nothing else (the tier then proves it on the wire).
  const expected = new Map<string, Map<string, string[]>>();
  const add = (a: string, b: string, names: readonly string[]) => {
    const m = expected.get(a) ?? new Map<string, string[]>();
    m.set(b, [...(m.get(b) ?? []), ...names]);
    expected.set(a, m);
  };
  for (const [a, targets] of gen.links) for (const [b, names] of targets) (add(a, b, names), add(b, a, []));
  assert.ok(expected.size >= 20, `${expected.size} services with links`);
  assert.equal(
    rendered.show.services.map((s) => [s.name, s.peers.map((p) => [p.service, [...p.aliases]])]),
    [...expected.keys()].sort().map((a) => [a, [...expected.get(a)!].sort(([x], [y]) => (x < y ? -1 : 1)).map(([b, names]) => [b, [...names].sort()])]),
  );
  assert.ok(rendered.show.services.every((s) => s.addresses.length === 2), 'dual stack');

  const summary = await proveStack('generated', rendered);
  assert.ok(summary.linked.pairs >= 30, `${summary.linked.pairs} linked pairs`);
  assert.ok(summary.unlinked.forged > 0 && summary.unlinked.pairs > summary.unlinked.forged, 'unlinked pairs on shared and on separate networks');
});

test.run();
