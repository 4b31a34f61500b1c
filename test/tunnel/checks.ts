// What the tier proves on a running stack: every linked pair passes traffic both ways through
// a completed handshake, link names resolve to tunnel addresses inside the linking service,
// and no traffic passes between the tunnel addresses of services that are not linked.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { fromStatusFile } from '../../src/status/links.js';
import { Deployment, readStack, type DeployOptions, type StackView } from './engine.js';
import { must, pool } from './netns.js';
import type { Rendered, ShowJson } from './project.js';

type Service = ShowJson['services'][number];
type Family = 4 | 6;
const family = (address: string): Family => (address.includes(':') ? 6 : 4);
const bare = (cidr: string): string => cidr.replace(/\/\d+$/, '');

/**
 * Pings each target (`FAMILY DEST`) from the service's namespace, all at once; a target
 * passes when one of `tries` single pings (each waiting `wait` s) is answered.
 */
async function pingAll(d: Deployment, from: string, targets: readonly { fam: Family; dest: string }[], tries: number, wait: number): Promise<boolean[]> {
  if (targets.length === 0) return [];
  const script = `tries=$1 wait=$2; shift 2; i=0
for t; do
  (
    n=0
    while [ "$n" -lt "$tries" ]; do
      if ping -"\${t%% *}" -n -q -c1 -W"$wait" "\${t#* }" >/dev/null 2>&1; then echo "$i ok"; exit 0; fi
      n=$((n + 1))
    done
    echo "$i fail"
  ) &
  i=$((i + 1))
done
wait`;
  const r = await d.exec(from, ['sh', '-c', script, 'ping-all', String(tries), String(wait), ...targets.map((t) => `${t.fam} ${t.dest}`)]);
  const ok = new Set(
    r.stdout
      .split('\n')
      .filter((l) => l.endsWith(' ok'))
      .map((l) => Number(l.split(' ')[0])),
  );
  return targets.map((_, i) => ok.has(i));
}

/** What each name resolves to inside the service (all addresses, as getaddrinfo returns them). */
async function resolveAll(d: Deployment, from: string, names: readonly string[]): Promise<Map<string, string[]>> {
  if (names.length === 0) return new Map();
  const script = `for n; do printf '%s' "$n"; getent ahosts "$n" | awk '{ print $1 }' | sort -u | awk '{ printf " %s", $1 }'; echo; done`;
  const r = await d.exec(from, ['sh', '-c', script, 'resolve', ...names]);
  return new Map(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [n, ...a] = l.split(' ');
        return [n!, a.sort()];
      }),
  );
}

async function snapshot(d: Deployment, show: ShowJson): Promise<Map<string, Awaited<ReturnType<Deployment['peers']>>>> {
  const out = new Map<string, Awaited<ReturnType<Deployment['peers']>>>();
  await pool(show.services, 8, async (s) => out.set(s.name, await d.peers(s.name)));
  return out;
}

export interface LinkedSummary {
  /** Unordered linked pairs. */
  readonly pairs: number;
  /** Pings that passed (tunnel addresses and link names, both directions, every family). */
  readonly pings: number;
}

/**
 * For every linked pair, both ways: ping every tunnel address of the peer and every name the
 * service links it by (which must resolve to exactly the peer's tunnel addresses); then the
 * peer must show a completed handshake and transfer counters grown both ways.
 */
export async function checkLinked(d: Deployment, show: ShowJson): Promise<LinkedSummary> {
  const failures: string[] = [];
  const before = await snapshot(d, show);
  let pings = 0;
  // Two rounds: first each pair is opened from the side whose name sorts first, then the
  // other way. If both sides initiate at once, each answers the other's initiation and drops
  // the answer to its own (one handshake state per peer), and both wait REKEY_TIMEOUT (5 s)
  // to retry: WireGuard's normal behaviour, which would only slow the tier down.
  for (const round of [(a: string, b: string) => a < b, (a: string, b: string) => a > b]) {
    await pool(show.services, 6, async (a) => {
      const targets: { fam: Family; dest: string; what: string }[] = [];
      const peers = a.peers.filter((p) => round(a.name, p.service));
      for (const p of peers) {
        const addrs = p.allowedIPs.map(bare);
        for (const addr of addrs) targets.push({ fam: family(addr), dest: addr, what: `${a.name} → ${p.service} at ${addr}` });
        for (const alias of p.aliases) {
          for (const fam of new Set(addrs.map(family))) targets.push({ fam, dest: alias, what: `${a.name} → ${p.service} as "${alias}" (IPv${fam})` });
        }
      }
      // A name resolves to every peer it names: the replicas of a replicated service all answer to it.
      const wantOf = (alias: string) => a.peers.filter((q) => q.aliases.includes(alias)).flatMap((q) => q.allowedIPs.map(bare)).sort();
      const names = peers.flatMap((p) => p.aliases.map((alias) => ({ alias, want: wantOf(alias), peer: a.peers.filter((q) => q.aliases.includes(alias)).map((q) => q.service).join(', ') })));
      // Up to 7 single pings of 1 s: room for one lost handshake (REKEY_TIMEOUT, 5 s).
      const [ok, resolved] = await Promise.all([pingAll(d, a.name, targets, 7, 1), resolveAll(d, a.name, names.map((n) => n.alias))]);
      targets.forEach((t, i) => (ok[i] ? pings++ : failures.push(`no reply: ${t.what}`)));
      for (const n of names) {
        const got = resolved.get(n.alias) ?? [];
        if (got.join(' ') !== n.want.join(' ')) failures.push(`inside ${a.name}, "${n.alias}" resolves to [${got.join(', ')}], not ${n.peer}'s tunnel addresses [${n.want.join(', ')}]`);
      }
    });
  }
  const after = await snapshot(d, show);
  let pairs = 0;
  for (const a of show.services) {
    for (const p of a.peers) {
      if (a.name < p.service) pairs++;
      const was = before.get(a.name)?.get(p.publicKey);
      const now = after.get(a.name)?.get(p.publicKey);
      if (!was || !now) {
        failures.push(`${a.name} has no WireGuard peer for ${p.service}`);
        continue;
      }
      if (!(now.handshake > 0)) failures.push(`${a.name} → ${p.service}: no completed handshake`);
      if (!(now.rx > was.rx && now.tx > was.tx)) failures.push(`${a.name} → ${p.service}: transfer did not grow both ways (rx ${was.rx}→${now.rx}, tx ${was.tx}→${now.tx})`);
    }
  }
  if (failures.length > 0) {
    const logs = [...new Set(failures.map((f) => /^(?:no reply: |inside )?([^ ]+)/.exec(f)?.[1] ?? ''))]
      .filter((s) => d.running.has(s))
      .slice(0, 3)
      .map((s) => `--- sidecar ${s}:\n${d.logOf(s).split('\n').slice(-12).join('\n')}`);
    assert.unreachable(`linked pairs failed:\n  ${failures.join('\n  ')}\n${logs.join('\n')}`);
  }
  return { pairs, pings };
}

export interface UnlinkedSummary {
  /** Ordered pairs of linked services that are not peers. */
  readonly pairs: number;
  /** Of those, pairs tried with a forged peer (they share a network, so the name resolves). */
  readonly forged: number;
}

/** Ordered pairs (a, c) of services with tunnels that are not peers. */
function unlinkedPairs(show: ShowJson): Map<Service, Service[]> {
  const out = new Map<Service, Service[]>();
  for (const a of show.services) {
    const cs = show.services.filter((c) => c !== a && !a.peers.some((p) => p.service === c.name));
    if (cs.length > 0) out.set(a, cs);
  }
  return out;
}

/**
 * For every ordered pair of services that are not linked, that no packet from one arrives at
 * the other's tunnel address, in two ways that each make packets enter WireGuard:
 *
 *  1. a route for the whole tunnel pool through the interface, in the source: the packets are
 *     handed to WireGuard (the source's tx grows), which has no peer for them (cryptokey
 *     routing: AllowedIPs of the linked peers only); the target's interface delivers nothing.
 *  2. a forged peer: the source adds the target's public key (public: it is in the stack) with
 *     the target's endpoint and addresses, as a misconfigured or compromised service could.
 *     The handshake initiations reach the target (the forged peer's tx grows) and the target,
 *     which has no peer with the source's key, never answers: no handshake, nothing delivered.
 *
 * A missing route alone would prove nothing: the packets would never enter WireGuard.
 */
export async function checkUnlinked(d: Deployment, show: ShowJson): Promise<UnlinkedSummary> {
  const pairs = unlinkedPairs(show);
  const failures: string[] = [];
  const pools = [d.view.pool4, ...(d.view.pool6 ? [d.view.pool6] : [])];
  const targetsOf = (cs: readonly Service[]) => cs.flatMap((c) => c.addresses.map((addr) => ({ fam: family(addr), dest: addr, to: c })));
  const count = <T>(m: Map<Service, T[]>): number => [...m.values()].reduce((n, v) => n + v.length, 0);

  await pool([...pairs.keys()], 12, async (a) => {
    const r = d.get(a.name);
    for (const p of pools) await must('ip', ['-n', r.netns, `-${family(p)}`, 'route', 'replace', p, 'dev', r.service.iface]);
  });

  // Phase 1: a route, no peer.
  await pingPhase(d, pairs, targetsOf, failures, 'pool route');

  // Phase 2: forged peers for every target whose endpoint resolves in the source. Never both
  // directions of a pair at once: two services forging each other would be a real peering.
  const endpointOf = new Map(show.services.flatMap((s) => s.peers.map((p) => [p.service, p.endpoint] as const)));
  let forgedPairs = 0;
  for (const round of [(a: Service, c: Service) => a.name < c.name, (a: Service, c: Service) => a.name > c.name]) {
    const forged = new Map<Service, Service[]>();
    await pool([...pairs], 12, async ([a, all]) => {
      const cs = all.filter((c) => round(a, c));
      const hosts = cs.map((c) => (endpointOf.get(c.name) ?? '').replace(/:\d+$/, ''));
      const resolved = await resolveAll(d, a.name, [...new Set(hosts)]);
      const peers: string[] = [];
      const mine: Service[] = [];
      cs.forEach((c, i) => {
        const addr = resolved.get(hosts[i]!)?.find((x) => family(x) === 4);
        if (!addr) return; // no shared network: the target's name does not resolve, it cannot be reached
        mine.push(c);
        peers.push('peer', c.publicKey, 'endpoint', `${addr}:${c.listenPort}`, 'allowed-ips', c.addresses.map((x) => `${x}/${family(x) === 4 ? 32 : 128}`).join(','));
      });
      if (mine.length === 0) return;
      forged.set(a, mine);
      await d.wg(a.name, ['set', d.get(a.name).service.iface, ...peers]);
    });
    await pingPhase(d, forged, targetsOf, failures, 'forged peer');
    await pool([...forged], 12, async ([a, cs]) => {
      const state = await d.peers(a.name);
      for (const c of cs) {
        const s = state.get(c.publicKey);
        if (!s || !(s.tx > 0)) failures.push(`${a.name} → ${c.name} (forged peer): no handshake initiation was sent, the check proves nothing`);
        else if (s.handshake !== 0) failures.push(`${a.name} → ${c.name} (forged peer): a handshake completed with a service that is not linked`);
      }
      await d.wg(a.name, ['set', d.get(a.name).service.iface, ...cs.flatMap((c) => ['peer', c.publicKey, 'remove'])]);
    });
    forgedPairs += count(forged);
  }

  if (failures.length > 0) assert.unreachable(`unlinked pairs failed:\n  ${failures.join('\n  ')}`);
  return { pairs: count(pairs), forged: forgedPairs };
}

/** Pings every target from every source once, and checks nothing arrived and packets did enter WireGuard. */
async function pingPhase(
  d: Deployment,
  pairs: Map<Service, Service[]>,
  targetsOf: (cs: readonly Service[]) => { fam: Family; dest: string; to: Service }[],
  failures: string[],
  how: string,
): Promise<void> {
  const all = [...new Set([...pairs.keys(), ...[...pairs.values()].flat()])];
  const counters = async () => new Map(await Promise.all(all.map(async (s) => [s.name, await d.interfaceCounters(s.name)] as const)));
  const before = await counters();
  const sentBy = new Map<string, number>();
  // Every source at once: these pings wait out their second, they cost no CPU.
  await pool([...pairs], 32, async ([a, cs]) => {
    const targets = targetsOf(cs);
    sentBy.set(a.name, targets.length);
    const ok = await pingAll(d, a.name, targets, 1, 1);
    targets.forEach((t, i) => {
      if (ok[i]) failures.push(`${how}: ${a.name} reached ${t.to.name} at ${t.dest}, which it does not link`);
    });
  });
  const after = await counters();
  for (const [a, cs] of pairs) {
    const tx = after.get(a.name)!.tx - before.get(a.name)!.tx;
    if (tx < sentBy.get(a.name)!) failures.push(`${how}: only ${tx} of ${sentBy.get(a.name)} packets from ${a.name} entered WireGuard, the check proves nothing`);
    for (const c of cs) {
      const rx = after.get(c.name)!.rx - before.get(c.name)!.rx;
      if (rx !== 0) failures.push(`${how}: ${c.name}'s interface delivered ${rx} packets while only unlinked services sent`);
    }
  }
}

export interface StackSummary {
  readonly services: number;
  readonly linked: LinkedSummary;
  readonly unlinked: UnlinkedSummary;
  readonly seconds: number;
}

/**
 * The whole proof for one rendered project: the stack and `show` agree on which services
 * have a tunnel, every one comes up as the stack says, linked pairs pass traffic, unlinked
 * pairs do not. Everything it created is removed whatever happens.
 */
export async function proveStack(label: string, rendered: Rendered, opts: DeployOptions = {}): Promise<StackSummary> {
  const t0 = Date.now();
  const view = readStack(rendered.stack, rendered.dir);
  assert.equal(view.services.map((s) => s.name).sort(), rendered.show.services.map((s) => s.name).sort(), 'the stack runs a sidecar for exactly the services show lists');
  const d = await Deployment.up(view, opts);
  try {
    const linked = await checkLinked(d, rendered.show);
    const unlinked = await checkUnlinked(d, rendered.show);
    await checkStatusFiles(view, rendered);
    const seconds = (Date.now() - t0) / 1000;
    process.stdout.write(
      `\n  ${label}: ${view.services.length} services, ${linked.pairs} linked pairs (${linked.pings} pings), ` +
        `${unlinked.pairs} unlinked directions (${unlinked.forged} with a forged peer), ${seconds.toFixed(1)} s\n`,
    );
    return { services: view.services.length, linked, unlinked, seconds };
  } finally {
    await d.down();
  }
}

/**
 * The status file each sidecar writes (templates/sidecar.sh, `report`), as `wg-compose status`
 * reads it: after the linked checks every peer has shaken hands, and a sidecar writes every
 * 10 s (2 s after it starts), so within 15 s every file is fresh and shows a handshake with
 * every peer, and none holds a private or preshared key of the stack.
 */
export async function checkStatusFiles(view: StackView, rendered: Rendered): Promise<void> {
  const secrets = new Set<string>();
  for (const s of view.services) for (const f of s.secrets) for (const m of readFileSync(f.file, 'utf8').matchAll(/^(?:PrivateKey|PresharedKey) = (\S+)$/gm)) secrets.add(m[1]!);
  for (const s of view.services) {
    const file = join(s.volumes[0]!.source, s.iface);
    const want = rendered.show.services.find((x) => x.name === s.name)!;
    const t0 = Date.now();
    for (;;) {
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
      for (const k of secrets) assert.not.ok(text.includes(k), `a secret in ${file}`);
      const seen = fromStatusFile(text, Math.floor(Date.now() / 1000));
      if (seen && seen.publicKey === want.publicKey && want.peers.every((p) => (seen.peers.get(p.publicKey)?.handshake ?? 0) > 0)) break;
      if (Date.now() - t0 > 15_000) assert.unreachable(`${file}: no fresh status with a handshake from every peer of ${s.name} after 15 s:\n${text}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
