// The key lifecycle through the real CLI (issue #7): `rotate SERVICE` and `rotate A:B` change
// exactly that material and the files that carry it; `show` and `export` tell the live epochs;
// `import` puts a user's own key in place until the next rotate; the lockfile's cached public
// keys spare a re-render every X25519 operation, and are not trusted when tampered with.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { x25519 } from '@noble/curves/ed25519.js';
import { clamp, fromBase64Key, publicKeyOf, toBase64 } from '../../src/keys/derive.js';
import { memoryReader } from '../../src/load/io.js';
import { analyze, compile } from '../../src/pipeline.js';
import { EMPTY_LOCK } from '../../src/state/lockfile.js';
import { masterKeySource, type KeySource } from '../../src/topology/key-source.js';
import { fixedMaster, project, runCli } from '../helpers/cli.js';
import { configPublicKey, readLock, snapshot, stateProblems } from '../helpers/state.js';

const COMPOSE = `name: keys
services:
  web:
    image: web
    links: [api]
  api:
    image: api
    links: ["db:database", cache]
  db:
    image: db
  cache:
    image: cache
`;

interface Show {
  services: { name: string; publicKey: string; epoch: number; imported: boolean; config: string; peers: { service: string; publicKey: string; epoch: number; linkEpoch: number; endpoint: string }[] }[];
}

async function setup(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = project({ 'compose.yaml': COMPOSE });
  const env = fixedMaster(mkdtempSync(join(tmpdir(), 'wgc-keys-')));
  const r = await runCli(['render'], { cwd: dir, env });
  assert.is(r.code, 0, r.stderr);
  return { dir, env };
}

const show = async (dir: string, env: Record<string, string>): Promise<Show> => JSON.parse((await runCli(['show', '--json'], { cwd: dir, env })).stdout) as Show;
const changed = (a: Map<string, string>, b: Map<string, string>) => [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();

test('rotate SERVICE: its key and the configs carrying it change, nothing else', async () => {
  const { dir, env } = await setup();
  const before = snapshot(dir);
  const lock0 = readLock(join(dir, 'wg-compose.lock'))!;
  const r = await runCli(['rotate', 'api'], { cwd: dir, env });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /rotated the key of "api": epoch 0 → 1/);
  // api's own config and each peer's (they carry its public key); db, cache, web all peer with api.
  assert.equal(changed(before, snapshot(dir)), ['.wg-compose/keys/api.conf', '.wg-compose/keys/cache.conf', '.wg-compose/keys/db.conf', '.wg-compose/keys/epochs.json', '.wg-compose/keys/web.conf', 'wg-compose.lock']);
  const lock1 = readLock(join(dir, 'wg-compose.lock'))!;
  for (const [name, s] of lock1.services) {
    const old = lock0.services.get(name)!;
    if (name === 'api') {
      assert.is(s.epoch, 1);
      assert.is.not(s.publicKey, old.publicKey);
    } else assert.equal(s, old, name);
    assert.equal(s.addresses, old.addresses);
    assert.is(s.listenPort, old.listenPort);
  }
  assert.equal(lock1.links, lock0.links, 'no PSK epoch moved');
  // The PSKs in the configs did not change either.
  const psks = (text: string) => [...text.matchAll(/^PresharedKey = (\S+)$/gm)].map((m) => m[1]);
  assert.equal(psks(readFileSync(join(dir, '.wg-compose/keys/db.conf'), 'utf8')), psks(before.get('.wg-compose/keys/db.conf')!));
  // No key on stdout or stderr.
  for (const f of ['api', 'db']) {
    const text = readFileSync(join(dir, `.wg-compose/keys/${f}.conf`), 'utf8');
    for (const m of text.matchAll(/^(?:PrivateKey|PresharedKey) = (\S+)$/gm)) assert.not.ok(r.stderr.includes(m[1]!), 'a secret on stderr');
  }
  assert.equal(stateProblems(dir, 'keys', { lockCommitted: true }), []);
  // show: the live epochs, and the new public key in every peer.
  const s = await show(dir, env);
  const api = s.services.find((x) => x.name === 'api')!;
  assert.is(api.epoch, 1);
  for (const x of s.services) for (const p of x.peers) if (p.service === 'api') assert.ok(p.publicKey === api.publicKey && p.epoch === 1);
  // A render afterwards changes nothing: the rotation is in the lockfile.
  const settled = snapshot(dir);
  assert.is((await runCli(['render'], { cwd: dir, env })).code, 0);
  assert.equal(snapshot(dir), settled);
});

test('rotate A:B: that pair\'s preshared key moves on, in its two configs only', async () => {
  const { dir, env } = await setup();
  const before = snapshot(dir);
  const r = await runCli(['rotate', 'db:api'], { cwd: dir, env });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /rotated the preshared key of api:db: epoch 0 → 1/);
  assert.equal(changed(before, snapshot(dir)), ['.wg-compose/keys/api.conf', '.wg-compose/keys/db.conf', '.wg-compose/keys/epochs.json', 'wg-compose.lock']);
  const lock = readLock(join(dir, 'wg-compose.lock'))!;
  assert.is(lock.links.get('api:db')!.epoch, 1);
  assert.is(lock.links.get('api:cache')!.epoch, 0);
  for (const s of lock.services.values()) assert.is(s.epoch, 0);
  // Both sides hold the same (new) PSK for each other.
  const pskFor = (text: string, peer: string) => new RegExp(`# peer "${peer}"[^\\n]*\\n\\[Peer\\]\\nPublicKey = \\S+\\nPresharedKey = (\\S+)`).exec(text)![1];
  const apiConf = readFileSync(join(dir, '.wg-compose/keys/api.conf'), 'utf8');
  const dbConf = readFileSync(join(dir, '.wg-compose/keys/db.conf'), 'utf8');
  assert.ok(pskFor(apiConf, 'db') === pskFor(dbConf, 'api'), 'the two sides disagree');
  assert.ok(pskFor(apiConf, 'db') !== pskFor(before.get('.wg-compose/keys/api.conf')!, 'db'), 'the PSK did not change');
  const s = await show(dir, env);
  const peer = s.services.find((x) => x.name === 'db')!.peers.find((p) => p.service === 'api')!;
  assert.is(peer.linkEpoch, 1);
  assert.match((await runCli(['show'], { cwd: dir, env })).stdout, /api → api-wgns:51820, link epoch 1/);
});

test('rotate refuses what it cannot rotate, and writes nothing', async () => {
  const { dir, env } = await setup();
  const before = snapshot(dir);
  const cases: [string[], RegExp, number][] = [
    [['rotate', 'nope'], /error WGC101: no service "nope" in this project/, 1],
    [['rotate', 'web:db'], /error WGC101: "web" and "db" are not linked to each other/, 1],
    [['rotate', 'api:api'], /error WGC101: "api:api" is not a pair of linked services/, 1],
    [['rotate'], /missing required argument 'target'/, 2],
  ];
  for (const [args, message, code] of cases) {
    const r = await runCli(args, { cwd: dir, env });
    assert.is(r.code, code, args.join(' '));
    assert.match(r.stderr, message);
  }
  const fresh = project({ 'compose.yaml': COMPOSE });
  const none = await runCli(['rotate', 'api'], { cwd: fresh, env });
  assert.is(none.code, 1);
  assert.match(none.stderr, /has no key in wg-compose\.lock yet/);
  assert.equal(snapshot(dir), before);
});

test('export: show --json plus settings, links with epochs and the master fingerprint; no secret', async () => {
  const { dir, env } = await setup();
  await runCli(['rotate', 'api:cache'], { cwd: dir, env });
  const r = await runCli(['export'], { cwd: dir, env });
  assert.is(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout) as Show & { exportVersion: number; masterFingerprint: string; settings: Record<string, unknown>; links: { services: string[]; epoch: number }[] };
  assert.is(e.exportVersion, 1);
  assert.is(e.masterFingerprint, readLock(join(dir, 'wg-compose.lock'))!.masterFingerprint);
  assert.equal(e.settings, { pool: '10.150.0.0/16', port: 51820, mtu: 1420, keepalive: 0, interface: 'wg0', image: 'localhost/wg-compose/tools:latest' });
  assert.equal(e.links, [
    { services: ['api', 'cache'], epoch: 1 },
    { services: ['api', 'db'], epoch: 0 },
    { services: ['api', 'web'], epoch: 0 },
  ]);
  const s = await show(dir, env);
  assert.equal(e.services, s.services, 'the services are show --json');
  const yaml = await runCli(['export', '--format', 'yaml'], { cwd: dir, env });
  assert.equal(parse(yaml.stdout), e);
  for (const f of readdirSync(join(dir, '.wg-compose/keys')).filter((n) => n.endsWith('.conf'))) {
    for (const m of readFileSync(join(dir, '.wg-compose/keys', f), 'utf8').matchAll(/^(?:PrivateKey|PresharedKey) = (\S+)$/gm)) {
      assert.not.ok(r.stdout.includes(m[1]!) || yaml.stdout.includes(m[1]!), 'a secret in the export');
    }
  }
});

test('import: the service uses the user\'s key until rotate, which retires it', async () => {
  const { dir, env } = await setup();
  const key = execFileSync('wg', ['genkey'], { encoding: 'utf8' }).trim();
  const pub = execFileSync('wg', ['pubkey'], { input: `${key}\n`, encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'db.key'), `${key}\n`, { mode: 0o600 });
  const before = snapshot(dir);
  const r = await runCli(['import', 'db', '--private-key-file', 'db.key'], { cwd: dir, env });
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(r.stderr.includes(key), 'the private key on stderr');
  assert.match(r.stderr, new RegExp(`"db" now uses the imported key \\(public key ${pub.replace(/[+/]/g, '\\$&')}\\) at epoch 0`));
  const after = snapshot(dir);
  // db's config, api's (its only peer), the lockfile, and the stored key.
  const stored = changed(before, after).filter((p) => p.includes('/imported/'));
  assert.is(stored.length, 1);
  assert.equal(changed(before, after).filter((p) => !p.includes('/imported/')), ['.wg-compose/keys/api.conf', '.wg-compose/keys/db.conf', 'wg-compose.lock']);
  assert.is(after.get(stored[0]!), `${key}\n`);
  assert.is(configPublicKey(after.get('.wg-compose/keys/db.conf')!), pub, 'db uses the imported key');
  const lock = readLock(join(dir, 'wg-compose.lock'))!;
  assert.equal(lock.services.get('db'), { ...lock.services.get('db')!, epoch: 0, imported: true, publicKey: pub });
  const s = await show(dir, env);
  assert.ok(s.services.find((x) => x.name === 'db')!.imported);
  assert.match((await runCli(['show'], { cwd: dir, env })).stdout, /db +10\.150\.0\.\d+ +\d+ +0 \(imported\)/);
  assert.equal(stateProblems(dir, 'keys', { lockCommitted: true }), []);
  // Re-rendering keeps it (and does nothing).
  assert.is((await runCli(['render'], { cwd: dir, env })).code, 0);
  assert.equal(snapshot(dir), after);

  // From stdin, another key: the first file is retired once the lockfile names the second.
  const key2 = toBase64(clamp(new Uint8Array(32).fill(3)));
  const viaStdin = await runCli(['import', 'db'], { cwd: dir, env, stdin: `${key2}\n` });
  assert.is(viaStdin.code, 0, viaStdin.stderr);
  const imported = readdirSync(join(dir, '.wg-compose/keys/imported'));
  assert.is(imported.length, 1);
  assert.is(readFileSync(join(dir, '.wg-compose/keys/imported', imported[0]!), 'utf8'), `${key2}\n`);

  // rotate: back to a derived key at the next epoch, the imported key removed.
  const rot = await runCli(['rotate', 'db'], { cwd: dir, env });
  assert.is(rot.code, 0, rot.stderr);
  assert.match(rot.stderr, /epoch 0 → 1 \(the imported key is retired\)/);
  assert.equal(readdirSync(join(dir, '.wg-compose/keys/imported')), []);
  const db = readLock(join(dir, 'wg-compose.lock'))!.services.get('db')!;
  assert.is(db.epoch, 1);
  assert.is(db.imported, undefined);
  assert.equal(stateProblems(dir, 'keys', { lockCommitted: true }), []);
});

test('import refuses bad keys and unknown services, never echoing the input', async () => {
  const { dir, env } = await setup();
  const secretish = 'not-a-key-but-maybe-secret';
  writeFileSync(join(dir, 'bad.key'), `${secretish}\n`);
  const before = snapshot(dir);
  const bad = await runCli(['import', 'db', '--private-key-file', 'bad.key'], { cwd: dir, env });
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /error WGC102: bad\.key does not hold a WireGuard private key/);
  assert.not.ok(bad.stderr.includes(secretish));
  const noStdin = await runCli(['import', 'db'], { cwd: dir, env });
  assert.is(noStdin.code, 2);
  assert.match(noStdin.stderr, /give the private key on stdin/);
  const missing = await runCli(['import', 'db', '--private-key-file', 'nope.key'], { cwd: dir, env });
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /error WGC102: cannot read nope\.key: no such file/);
  const unknown = await runCli(['import', 'nope'], { cwd: dir, env, stdin: toBase64(new Uint8Array(32)) });
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /error WGC101: no service "nope" in this project/);
  assert.equal(snapshot(dir), before);
});

test('an imported key the lockfile names but the state lacks is an error, not a silent re-key', async () => {
  const { dir, env } = await setup();
  const imp = await runCli(['import', 'db'], { cwd: dir, env, stdin: toBase64(clamp(new Uint8Array(32).fill(5))) });
  assert.is(imp.code, 0, imp.stderr);
  const dirImported = join(dir, '.wg-compose/keys/imported');
  const f = readdirSync(dirImported)[0]!;
  // Replaced by another key: refused as well.
  writeFileSync(join(dirImported, f), `${toBase64(clamp(new Uint8Array(32).fill(6)))}\n`, { mode: 0o600 });
  const wrong = await runCli(['render'], { cwd: dir, env });
  assert.is(wrong.code, 1);
  assert.match(wrong.stderr, /error WGC102: .* does not hold the key whose public key wg-compose\.lock records for "db"/);
  execFileSync('rm', [join(dirImported, f)]);
  const gone = await runCli(['render'], { cwd: dir, env });
  assert.is(gone.code, 1);
  assert.match(gone.stderr, /error WGC102: wg-compose\.lock says "db" uses an imported key, but the state directory does not have it/);
  assert.match(gone.stderr, /hint: import it again .* or give "db" a derived key with wg-compose rotate db/);
  // rotate gets out of it.
  assert.is((await runCli(['rotate', 'db'], { cwd: dir, env })).code, 0);
  assert.is((await runCli(['render'], { cwd: dir, env })).code, 0);
});

// --- the public-key cache ---------------------------------------------------------------------

const PROJECT_FILES = { '/p/compose.yaml': COMPOSE };
const MASTER = new Uint8Array(32).fill(7);

function counting(base: KeySource): { keys: KeySource; count: () => number } {
  let n = 0;
  return {
    keys: {
      ...base,
      publicKey: (k) => {
        n++;
        // The native X25519 against @noble/curves, on every key the pipeline makes.
        const ours = publicKeyOf(k);
        assert.ok(Buffer.from(ours).equals(Buffer.from(x25519.getPublicKey(k))), 'node and @noble/curves disagree');
        return ours;
      },
    },
    count: () => n,
  };
}

async function compileWith(lock: typeof EMPTY_LOCK, keys: KeySource, changes = {}) {
  const { analysis } = analyze({ files: ['/p/compose.yaml'], projectName: undefined, projectDirectory: undefined, envFiles: [], profiles: [] }, { cwd: '/p', env: {}, reader: memoryReader(PROJECT_FILES) });
  return compile(analysis!, lock, keys, changes);
}

test('a re-render does no X25519 work for unchanged services; a rotation does one', async () => {
  const cold = counting(masterKeySource(MASTER, 'keys'));
  const first = await compileWith(EMPTY_LOCK, cold.keys);
  assert.is(cold.count(), 4, 'one per service, cold');
  assert.is(first.x25519, 4);
  const warm = counting(masterKeySource(MASTER, 'keys'));
  const second = await compileWith(first.lock, warm.keys);
  assert.is(warm.count(), 0, 'none with a sealed lockfile');
  assert.equal([...second.configs], [...first.configs], 'the same configs from the cache');
  const rot = counting(masterKeySource(MASTER, 'keys'));
  const third = await compileWith(second.lock, rot.keys, { rotateServices: new Set(['api']) });
  assert.is(rot.count(), 1, 'only the rotated service');
  assert.is(third.lock.services.get('api')!.epoch, 1);
});

test('the cache trusts nothing it cannot verify: another master, a tampered or unsealed lockfile', async () => {
  const first = await compileWith(EMPTY_LOCK, masterKeySource(MASTER, 'keys'));
  const db = first.lock.services.get('db')!;
  const attacker = toBase64(publicKeyOf(clamp(new Uint8Array(32).fill(9))));
  const tampered = { ...first.lock, services: new Map([...first.lock.services, ['db', { ...db, publicKey: attacker }]]) };
  const cases: [string, typeof EMPTY_LOCK, Uint8Array][] = [
    ['tampered public key', tampered, MASTER],
    ['no seal', { project: first.lock.project, services: first.lock.services, links: first.lock.links }, MASTER],
    ['another master', first.lock, new Uint8Array(32).fill(8)],
  ];
  for (const [why, lock, master] of cases) {
    const c = counting(masterKeySource(master, 'keys'));
    const out = await compileWith(lock, c.keys);
    assert.is(c.count(), 4, `${why}: every key recomputed`);
    assert.not.ok([...out.topology.nodes.values()].some((n) => n.publicKey === attacker), `${why}: the edited key was used`);
    if (why !== 'no seal') assert.ok(out.diagnostics.some((d) => d.code === 'WGC062'), `${why}: the mismatch is reported`);
  }
  // Derived keys agree with `wg pubkey`, cached or not.
  const conf = first.configs.get('db')!;
  const priv = /^PrivateKey = (\S+)$/m.exec(conf)![1]!;
  assert.ok(fromBase64Key(priv));
  assert.is(execFileSync('wg', ['pubkey'], { input: `${priv}\n`, encoding: 'utf8' }).trim(), db.publicKey);
});

test('a hand-edited lockfile through the CLI: warned, recomputed, resealed', async () => {
  const { dir, env } = await setup();
  const path = join(dir, 'wg-compose.lock');
  const text = readFileSync(path, 'utf8');
  const db = readLock(path)!.services.get('db')!.publicKey;
  const attacker = toBase64(publicKeyOf(clamp(new Uint8Array(32).fill(9))));
  writeFileSync(path, text.replace(db, attacker));
  const r = await runCli(['render'], { cwd: dir, env });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning WGC062: the keys of "db" differ from wg-compose\.lock at the same epoch: the lockfile was made with this master secret, so its public keys were edited/);
  assert.not.ok(r.stdout.includes(attacker), 'the edited key reached the stack');
  assert.is(readFileSync(path, 'utf8'), text, 'the lockfile is back to the truth');
  assert.ok(existsSync(join(dir, '.wg-compose/keys/db.conf')));
});

test.run();
