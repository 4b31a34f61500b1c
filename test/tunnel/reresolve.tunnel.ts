// Tunnel tier: endpoint re-resolution. A peer's endpoint is a name (`b-wgns:PORT`); wg(8)
// resolves it once. When the peer's container restarts with a new address, or was not up
// yet when the sidecar started, the sidecar must find it again by itself, within a bound.
//
// The moved peer stays silent: WireGuard roaming (a peer's endpoint follows the source of its
// authenticated packets) would repair the tunnel as soon as the moved peer spoke first, and
// hide a broken re-resolution. Only `a` initiates. A control run with re-resolution off shows
// the same scenario does NOT recover: the recovery is the sidecar's doing.
//
// A peer that starts late is not silent (its sidecar shakes hands with every peer at start),
// so that test proves the other half: one absent peer keeps none of the other tunnels down,
// and the late one is reached once it is up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Deployment, readStack } from './engine.js';
import { cleanup, sweepStale } from './netns.js';
import { renderProject, type Rendered } from './project.js';

/** Seconds between re-resolutions in these tests (the stack's default is 10). */
const INTERVAL = 2;
/**
 * Recovery bound: one interval until the sidecar notices, one REKEY_TIMEOUT (5 s, WireGuard)
 * in case a handshake attempt must be retransmitted to the new endpoint, and 3 s of slack
 * for 1-s ping granularity and a loaded machine.
 */
const BOUND_MS = (INTERVAL + 5 + 3) * 1000;

const COMPOSE = `services:
  a:
    image: example/a
    links: [b, "c:see"]
  b:
    image: example/b
  c:
    image: example/c
`;

let rendered: Rendered;

test.before(async () => {
  sweepStale();
  rendered = await renderProject('reresolve', { 'compose.yaml': COMPOSE }, ['-f', 'compose.yaml']);
});
test.after(cleanup);

const tunnelAddress = (name: string): string => rendered.show.services.find((s) => s.name === name)!.addresses[0]!;
const publicKey = (name: string): string => rendered.show.services.find((s) => s.name === name)!.publicKey;

/** Pings `dest` from `from` once a second until a reply; the time to it, or undefined past `boundMs`. */
async function timeToReply(d: Deployment, from: string, dest: string, boundMs: number): Promise<number | undefined> {
  const t0 = Date.now();
  while (Date.now() - t0 <= boundMs) {
    if ((await d.exec(from, ['ping', '-n', '-q', '-c1', '-W1', dest])).code === 0) return Date.now() - t0;
  }
  return undefined;
}

async function moveB(reresolve: number): Promise<{ recovered: number | undefined; endpoint: string; moved: { from: string; to: string }; log: string }> {
  const d = await Deployment.up(readStack(rendered.stack, rendered.dir), { env: { WG_COMPOSE_RERESOLVE: String(reresolve) } });
  try {
    assert.ok((await timeToReply(d, 'a', tunnelAddress('b'), 10_000)) !== undefined, 'a reaches b before the move');
    const port = rendered.show.services.find((s) => s.name === 'b')!.listenPort;
    const moved = await d.moveAddress('b', 'default');
    assert.is((await d.peers('a')).get(publicKey('b'))?.endpoint, `${moved.from}:${port}`, "a's endpoint for b is b's old address");
    const recovered = await timeToReply(d, 'a', tunnelAddress('b'), BOUND_MS);
    return { recovered, endpoint: (await d.peers('a')).get(publicKey('b'))?.endpoint ?? '', moved, log: d.logOf('a') };
  } finally {
    await d.down();
  }
}

test(`re-resolution: a peer moved to a new underlay address is reached again within ${BOUND_MS / 1000} s`, async () => {
  const r = await moveB(INTERVAL);
  const port = rendered.show.services.find((s) => s.name === 'b')!.listenPort;
  assert.ok(r.recovered !== undefined, `a did not reach b within ${BOUND_MS / 1000} s after b moved ${r.moved.from} → ${r.moved.to}; a's sidecar:\n${r.log}`);
  assert.is(r.endpoint, `${r.moved.to}:${port}`, "a's endpoint for b follows b's new address");
  assert.match(r.log, `peer endpoint b-wgns now ${r.moved.to}:${port}`);
  process.stdout.write(`\n  b moved ${r.moved.from} → ${r.moved.to}: a reached it again after ${(r.recovered! / 1000).toFixed(1)} s (interval ${INTERVAL} s, bound ${BOUND_MS / 1000} s)\n`);
});

test('re-resolution (control): with it off, the same move is not recovered, so the recovery above is not roaming', async () => {
  const r = await moveB(0);
  assert.is(r.recovered, undefined, 'a reached the moved b without re-resolution: b was not silent, the test above proves nothing');
  assert.is(r.endpoint, `${r.moved.from}:${rendered.show.services.find((s) => s.name === 'b')!.listenPort}`);
});

test('re-resolution: a peer that is not up when the sidecar starts does not keep the others down, and is reached once up', async () => {
  // b's namespace owner has not started: no namespace, and its name does not resolve (an
  // engine's DNS answers only for running containers).
  const d = await Deployment.up(readStack(rendered.stack, rendered.dir), { env: { WG_COMPOSE_RERESOLVE: String(INTERVAL) }, defer: ['b'] });
  try {
    assert.ok((await timeToReply(d, 'a', 'see', 10_000)) !== undefined, 'a reaches c (as "see") while b is down');
    await d.start('b');
    const recovered = await timeToReply(d, 'a', tunnelAddress('b'), BOUND_MS);
    assert.ok(recovered !== undefined, `a did not reach b within ${BOUND_MS / 1000} s after b started; a's sidecar:\n${d.logOf('a')}`);
    process.stdout.write(`\n  b started after a: a reached it after ${(recovered / 1000).toFixed(1)} s (interval ${INTERVAL} s, bound ${BOUND_MS / 1000} s)\n`);
  } finally {
    await d.down();
  }
});

test.run();
