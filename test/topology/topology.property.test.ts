// Invariants of the whole link → peer-pair transformation (DESIGN.md §4, §7), checked on
// generated projects through the real pipeline: in-memory compose YAML → analyze → compile,
// with a fixed master secret. Failure messages name services, never keys.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasErrors, type Diagnostic } from '../../src/diagnostics.js';
import { fromBase64Key } from '../../src/keys/derive.js';
import { memoryReader } from '../../src/load/io.js';
import { analyze, compile, type Compiled } from '../../src/pipeline.js';
import { EMPTY_LOCK, pairKey, serializeLockfile, type Lockfile } from '../../src/state/lockfile.js';
import { masterKeySource } from '../../src/topology/key-source.js';

const PROJECT = 'prop';
const MASTER = new Uint8Array(32).fill(7);
/**
 * Runs per property. A compile costs a few milliseconds (mostly the stack's YAML and X25519),
 * so properties that compile two or three times per case run half as many cases: each
 * property then costs about the same, and the file stays within a few seconds.
 */
const RUNS = 100;
const RUNS_MULTI_COMPILE = 50;

// --- generated projects ---------------------------------------------------------------------

interface LinkSpec {
  readonly target: string;
  readonly alias: string | undefined;
}
interface ProjectSpec {
  /** Service names, unique; insertion order is the YAML order. */
  readonly services: readonly string[];
  readonly links: ReadonlyMap<string, readonly LinkSpec[]>;
  readonly dual: boolean;
}

/** Letters, digits and "_" only: no "-" so no name can collide with a generated `X-wg`/`X-wgns`. */
const nameArb = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/);

/** The name a link gives its target inside the linking service. */
const linkName = (l: LinkSpec): string => l.alias ?? l.target;

/**
 * Link lists without self-links, without a name used twice in one service (WGC041 / WGC042)
 * and without cycles (WGC049: a link starts its target first, so compose refuses a cycle).
 * Links only point forward in the service list; the list is in generated, not sorted, order,
 * so links still run both ways in name order. Errors are not what these properties are about.
 */
function cleanLinks(services: readonly string[], raw: readonly (readonly [number, string | null])[][]): Map<string, LinkSpec[]> {
  const links = new Map<string, LinkSpec[]>();
  services.forEach((s, i) => {
    const used = new Set<string>();
    const out: LinkSpec[] = [];
    const later = services.length - i - 1;
    for (const [t, alias] of later > 0 ? raw[i] ?? [] : []) {
      const target = services[i + 1 + (t % later)]!;
      const l = { target, alias: alias ?? undefined };
      if (used.has(linkName(l))) continue;
      used.add(linkName(l));
      out.push(l);
    }
    links.set(s, out);
  });
  return links;
}

const projectArb: fc.Arbitrary<ProjectSpec> = fc
  .uniqueArray(nameArb, { minLength: 2, maxLength: 7 })
  .chain((services) =>
    fc.record({
      services: fc.constant(services),
      raw: fc.array(fc.array(fc.tuple(fc.nat(), fc.option(nameArb, { freq: 3 })), { maxLength: 4 }), {
        minLength: services.length,
        maxLength: services.length,
      }),
      dual: fc.boolean(),
    }),
  )
  .map(({ services, raw, dual }) => ({ services, links: cleanLinks(services, raw), dual }));

/**
 * A project plus one more service, linked to at least one existing service. The newcomer
 * sits at position k of the link order: it links to services from k on, and services before
 * k link to it, so the grown project stays acyclic.
 */
const growthArb = fc
  .tuple(projectArb, nameArb, fc.nat(), fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { minLength: 1, maxLength: 3 }))
  .filter(([p, name]) => !p.services.includes(name))
  .map(([p, name, kRaw, out, back]) => {
    const n = p.services.length;
    const k = kRaw % (n + 1);
    const links = new Map([...p.links].map(([s, ls]) => [s, [...ls]]));
    const outLinks: LinkSpec[] = [];
    if (k < n) {
      for (const i of out) {
        const target = p.services[k + (i % (n - k))]!;
        if (!outLinks.some((l) => l.target === target)) outLinks.push({ target, alias: undefined });
      }
    }
    links.set(name, outLinks);
    if (k > 0) {
      for (const i of back) {
        const ls = links.get(p.services[i % k]!)!;
        if (!ls.some((l) => linkName(l) === name)) ls.push({ target: name, alias: undefined });
      }
    }
    const grown: ProjectSpec = { services: [...p.services, name], links, dual: p.dual };
    return { before: p, after: grown, added: name };
  });

/** Block-style compose YAML, every scalar double-quoted so no name turns into a bool or null. */
function composeYaml(p: ProjectSpec): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [`name: ${PROJECT}`, 'services:'];
  for (const s of p.services) {
    lines.push(`  ${q(s)}:`, '    image: "busybox"');
    const ls = p.links.get(s) ?? [];
    if (ls.length > 0) {
      lines.push('    links:');
      for (const l of ls) lines.push(`      - ${q(l.alias === undefined ? l.target : `${l.target}:${l.alias}`)}`);
    }
  }
  if (p.dual) lines.push('x-wireguard:', '  pool6: "fd00:77::/64"');
  return `${lines.join('\n')}\n`;
}

const describe = (ds: Diagnostic[]): string => ds.map((d) => `${d.code} ${d.message}`).join('; ');

async function compileSpec(p: ProjectSpec, previous: Lockfile = EMPTY_LOCK): Promise<Compiled> {
  const file = '/p/compose.yaml';
  const envr = { cwd: '/p', env: {}, reader: memoryReader({ [file]: composeYaml(p) }) };
  const { analysis, diagnostics } = analyze({ files: [file], envFiles: [], profiles: [] }, envr);
  if (!analysis || hasErrors(diagnostics)) throw new Error(`generated project rejected: ${describe(diagnostics)}`);
  const compiled = await compile(analysis, previous, masterKeySource(MASTER, analysis.project.name));
  if (hasErrors(compiled.diagnostics)) throw new Error(`compile failed: ${describe(compiled.diagnostics)}`);
  return compiled;
}

/** Unordered linked pairs, as the user wrote them. */
function expectedPairs(p: ProjectSpec): Set<string> {
  const out = new Set<string>();
  for (const [s, ls] of p.links) for (const l of ls) out.add(pairKey(s, l.target));
  return out;
}

// --- wg-quick parsing -----------------------------------------------------------------------

interface Section {
  readonly kind: 'Interface' | 'Peer';
  readonly fields: Map<string, string>;
}

/** wg-quick(8) INI: `[Interface]` / `[Peer]` sections of `Key = Value`, `#` comments. */
function parseWgQuick(text: string): Section[] {
  const sections: Section[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line === '[Interface]' || line === '[Peer]') {
      sections.push({ kind: line === '[Interface]' ? 'Interface' : 'Peer', fields: new Map() });
      continue;
    }
    const m = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
    const current = sections[sections.length - 1];
    if (!m || !current) throw new Error(`unexpected wg-quick line: ${line.split('=')[0]}`);
    current.fields.set(m[1]!, m[2]!);
  }
  return sections;
}

/**
 * X25519 public key by OpenSSL (node:crypto), an implementation independent of the one under
 * test: a raw private key wrapped as PKCS#8 (RFC 8410 §7), public key taken from the SPKI tail.
 */
function nativePublicKey(privateKey: Uint8Array): string {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), privateKey]);
  const spki = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32).toString('base64');
}

/** AllowedIPs for a peer: each of its tunnel addresses as a host route. */
const routes = (addresses: readonly string[]): string[] => addresses.map((a) => (a.includes(':') ? `${a}/128` : `${a}/32`));
const hostRoutes = (addresses: readonly string[]): string => routes(addresses).join(', ');

/** Every PrivateKey and PresharedKey value in the configs. */
function secretsOf(c: Compiled): string[] {
  const out: string[] = [];
  for (const text of c.configs.values()) {
    for (const m of text.matchAll(/^(?:PrivateKey|PresharedKey) = (\S+)$/gm)) out.push(m[1]!);
  }
  return out;
}

const lockJson = (lock: Lockfile): string =>
  JSON.stringify(lock, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v));

// --- properties -----------------------------------------------------------------------------

test('(a) peers are symmetric and carry the other side\'s public key and exact addresses', async () => {
  await fc.assert(
    fc.asyncProperty(projectArb, async (p) => {
      const c = await compileSpec(p);
      const nodes = c.topology.nodes;
      const byKey = new Map<string, string>();
      for (const n of nodes.values()) byKey.set(n.publicKey, n.name);
      assert.is(byKey.size, nodes.size, 'public keys are distinct');

      // On the topology.
      for (const a of nodes.values()) {
        for (const peer of a.peers) {
          const b = nodes.get(peer.service);
          assert.ok(b, `${a.name} has a peer ${peer.service} that is no node`);
          assert.ok(b!.peers.some((x) => x.service === a.name), `${a.name} → ${b!.name} but not back`);
          assert.ok(peer.publicKey === b!.publicKey, `${a.name}'s peer ${b!.name} has the wrong public key`);
          assert.equal(peer.allowedIPs, routes(b!.addresses), `AllowedIPs of ${b!.name} in ${a.name}`);
        }
        assert.is(a.addresses.length, p.dual ? 2 : 1, `${a.name}: one address per family`);
      }

      // On the rendered wg-quick files, which is what WireGuard actually reads.
      const parsed = new Map([...c.configs].map(([s, text]) => [s, parseWgQuick(text)]));
      const pskOf = new Map<string, string>(); // "from→to" → PSK
      for (const [a, sections] of parsed) {
        const iface = sections.filter((x) => x.kind === 'Interface');
        assert.is(iface.length, 1, `${a}: one [Interface]`);
        const priv = fromBase64Key(iface[0]!.fields.get('PrivateKey') ?? '');
        assert.ok(priv, `${a}: PrivateKey is a wg(8) key`);
        assert.ok(nativePublicKey(priv!) === nodes.get(a)!.publicKey, `${a}: PrivateKey does not match its public key`);
        assert.is(iface[0]!.fields.get('Address'), hostRoutes(nodes.get(a)!.addresses), `${a}: Address`);
        for (const peer of sections.filter((x) => x.kind === 'Peer')) {
          const b = byKey.get(peer.fields.get('PublicKey') ?? '');
          assert.ok(b !== undefined && b !== a, `${a}: a [Peer] with an unknown public key`);
          assert.is(peer.fields.get('AllowedIPs'), hostRoutes(nodes.get(b!)!.addresses), `${a}: AllowedIPs of ${b}`);
          const psk = peer.fields.get('PresharedKey') ?? '';
          assert.ok(fromBase64Key(psk), `${a}: PresharedKey of ${b} is a wg(8) key`);
          pskOf.set(`${a}→${b}`, psk);
        }
      }
      for (const [dir, psk] of pskOf) {
        const [a, b] = dir.split('→') as [string, string];
        assert.ok(pskOf.has(`${b}→${a}`), `${a} has a [Peer] ${b} but not back`);
        assert.ok(pskOf.get(`${b}→${a}`) === psk, `PSK of ${a}/${b} differs between the two sides`);
      }
      // A PSK is shared by its pair only.
      const perPair = new Map<string, string>();
      for (const [dir, psk] of pskOf) perPair.set(pairKey(...(dir.split('→') as [string, string])), psk);
      assert.is(new Set(perPair.values()).size, perPair.size, 'each pair has its own PSK');
    }),
    { numRuns: RUNS, includeErrorInReport: true },
  );
});

test('(b) exactly one pair per unordered link; no peers between unlinked services; link names resolve', async () => {
  let withLinks = 0;
  await fc.assert(
    fc.asyncProperty(projectArb, async (p) => {
      const c = await compileSpec(p);
      const pairs = expectedPairs(p);
      const linked = new Set([...pairs].flatMap((k) => k.split(':')));
      assert.equal([...c.topology.nodes.keys()].sort(), [...linked].sort(), 'nodes = linked services');
      assert.equal([...c.configs.keys()].sort(), [...linked].sort(), 'one config per linked service');
      if (linked.size > 0) withLinks++;
      assert.equal([...c.topology.links.keys()].sort(), [...pairs].sort(), 'topology links = user links');
      assert.equal([...c.lock.links.keys()].sort(), [...pairs].sort(), 'lock links = user links');
      let peerEntries = 0;
      for (const n of c.topology.nodes.values()) {
        const names = n.peers.map((x) => x.service);
        assert.is(new Set(names).size, names.length, `${n.name}: a peer listed twice`);
        for (const other of c.topology.nodes.keys()) {
          if (other === n.name) continue;
          assert.is(names.includes(other), pairs.has(pairKey(n.name, other)), `${n.name} peer ${other}`);
        }
        peerEntries += names.length;
      }
      assert.is(peerEntries, 2 * pairs.size, 'two peer entries per pair');
      let peerSections = 0;
      for (const text of c.configs.values()) peerSections += (text.match(/^\[Peer\]$/gm) ?? []).length;
      assert.is(peerSections, 2 * pairs.size, 'two [Peer] sections per pair');
      // Every name a service links by (alias or target) resolves there to exactly the
      // target's tunnel addresses, and no other name is added (DESIGN.md §4, "Names").
      for (const [s, ls] of p.links) {
        const node = c.topology.nodes.get(s);
        const expected = ls.flatMap((l) => c.topology.nodes.get(l.target)!.addresses.map((a) => `${linkName(l)} ${a}`)).sort();
        const actual = (node?.hosts ?? []).map((h) => `${h.name} ${h.address}`).sort();
        assert.equal(actual, expected, `host names inside ${s}`);
      }
    }),
    { numRuns: RUNS, includeErrorInReport: true },
  );
  // The generator must produce linked projects, or every property here is vacuous.
  assert.ok(withLinks > RUNS / 2, `only ${withLinks} of ${RUNS} generated projects had a link`);
});

test('(c) determinism: same input and state give identical stack, configs and lock', async () => {
  await fc.assert(
    fc.asyncProperty(projectArb, async (p) => {
      const one = await compileSpec(p);
      const two = await compileSpec(p);
      assert.is(two.stack, one.stack, 'stack');
      assert.equal([...two.configs.keys()], [...one.configs.keys()], 'config names');
      for (const [s, text] of one.configs) assert.ok(two.configs.get(s) === text, `config of ${s} differs`);
      assert.is(serializeLockfile(two.lock), serializeLockfile(one.lock), 'lock');
      // Re-rendering with the lock just written changes nothing either (idempotence).
      const again = await compileSpec(p, one.lock);
      assert.is(again.stack, one.stack, 'stack after re-render with its own lock');
      for (const [s, text] of one.configs) assert.ok(again.configs.get(s) === text, `config of ${s} changed on re-render`);
      assert.is(serializeLockfile(again.lock), serializeLockfile(one.lock), 'lock after re-render');
    }),
    { numRuns: RUNS_MULTI_COMPILE, includeErrorInReport: true },
  );
});

test('(d) stability: adding a linked service moves no existing address, port or key', async () => {
  await fc.assert(
    fc.asyncProperty(growthArb, async ({ before, after, added }) => {
      const first = await compileSpec(before);
      const second = await compileSpec(after, first.lock);
      assert.ok(second.topology.nodes.has(added), `${added} is linked`);
      for (const [s, old] of first.topology.nodes) {
        const now = second.topology.nodes.get(s);
        assert.ok(now, `${s} lost its node`);
        assert.equal(now!.addresses, old.addresses, `${s}: addresses`);
        assert.is(now!.listenPort, old.listenPort, `${s}: listen port`);
        assert.ok(now!.publicKey === old.publicKey, `${s}: public key changed`);
      }
      // And the newcomer takes nothing already in use.
      const taken = new Set([...first.topology.nodes.values()].flatMap((n) => [...n.addresses, `port ${n.listenPort}`]));
      const fresh = second.topology.nodes.get(added)!;
      for (const x of [...fresh.addresses, `port ${fresh.listenPort}`]) assert.not.ok(taken.has(x), `${added} reuses ${x}`);
    }),
    { numRuns: RUNS_MULTI_COMPILE, includeErrorInReport: true },
  );
});

test('(e) no private key or PSK appears in the stack or the lock', async () => {
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(projectArb, async (p) => {
      const c = await compileSpec(p);
      const secrets = secretsOf(c);
      const pairs = expectedPairs(p).size;
      assert.is(secrets.length, c.configs.size + 2 * pairs, 'one PrivateKey per config, one PresharedKey per peer');
      const lockText = serializeLockfile(c.lock);
      const lockObj = lockJson(c.lock);
      // Control: public keys do reach both, so the searches below look at the real text.
      for (const n of c.topology.nodes.values()) {
        assert.ok(lockText.includes(n.publicKey) && lockObj.includes(n.publicKey), `${n.name}: public key missing from the lock`);
        assert.ok(c.stack.includes(n.publicKey), `${n.name}: public key missing from the stack`);
      }
      for (const [i, secret] of secrets.entries()) {
        assert.not.ok(c.stack.includes(secret), `secret #${i} appears in the stack`);
        assert.not.ok(lockText.includes(secret), `secret #${i} appears in the serialized lock`);
        assert.not.ok(lockObj.includes(secret), `secret #${i} appears in JSON.stringify(lock)`);
        checked++;
      }
    }),
    { numRuns: RUNS, includeErrorInReport: true },
  );
  assert.ok(checked > 0, 'no secret was ever checked');
});

test.run();
