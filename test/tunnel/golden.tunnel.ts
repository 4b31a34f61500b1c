// Tunnel tier: every golden case that renders successfully (expected exit 0) runs in network
// namespaces with the real wg-quick and wireguard-go (checks.ts says what is proven). The
// dual-stack case proves IPv6 tunnel addresses: every linked pair pings over both families.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { proveStack } from './checks.js';
import { cleanup, sweepStale } from './netns.js';
import { renderProject } from './project.js';

const CASES = fileURLToPath(new URL('../../../test/golden/cases/', import.meta.url));

test.before(() => {
  sweepStale();
});
test.after(cleanup);

const cases = readdirSync(CASES)
  .sort()
  .filter((c) => readFileSync(join(CASES, c, 'expected', 'exit'), 'utf8').trim() === '0');

test('tunnels: the golden cases include successful renders, one of them dual-stack', () => {
  assert.ok(cases.length >= 3, cases.join(', '));
  assert.ok(cases.includes('dual-stack'));
});

for (const name of cases) {
  test(`tunnels: golden ${name}`, async () => {
    const spec = JSON.parse(readFileSync(join(CASES, name, 'case.json'), 'utf8')) as { args: string[]; env?: Record<string, string> };
    assert.is(spec.args[0], 'render');
    const rendered = await renderProject(name, join(CASES, name), spec.args.slice(1), spec.env);
    const summary = await proveStack(`golden ${name}`, rendered);
    if (rendered.show.services.some((s) => s.addresses.length > 1)) {
      // Dual stack: each linked pair was pinged at both addresses, by address and by name.
      assert.ok(summary.linked.pings >= 4 * summary.linked.pairs, 'IPv6 tunnel addresses were pinged');
    }
  });
}

test.run();
