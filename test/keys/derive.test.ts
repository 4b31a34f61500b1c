// Key derivation: X25519 against RFC 7748's own vectors, HKDF (RFC 5869) against values computed
// independently with OpenSSL, the separation the derivation promises, the base64 form wg(8)
// reads, and finally the real `wg pubkey` on derived keys. Assertion messages never contain key
// material, so a failing run prints nothing worth stealing.
import { execFileSync } from 'node:child_process';
import { hkdfSync, randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Derivation,
  clamp,
  fromBase64Key,
  linkPresharedKey,
  publicKeyOf,
  servicePrivateKey,
  toBase64,
} from '../../src/keys/derive.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** Compares keys without ever putting them into the failure message. */
function sameKey(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.ok(equalBytes(actual, expected), `${what}: keys differ`);
}
function differentKey(a: Uint8Array, b: Uint8Array, what: string): void {
  assert.not.ok(equalBytes(a, b), `${what}: keys are equal`);
}

/** A test-only master: 32 bytes of 0x07 (the same one test/helpers/cli.ts uses). */
const MASTER = new Uint8Array(32).fill(7);
const OTHER_MASTER = new Uint8Array(32).fill(8);

// --- X25519: RFC 7748 §6.1 ------------------------------------------------------------------

// RFC 7748 §6.1 "Curve25519": Alice's and Bob's private keys (as random bytes, unclamped)
// and X25519(k, 9), their public keys.
const ALICE_PRIVATE = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
const ALICE_PUBLIC = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const BOB_PRIVATE = '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb';
const BOB_PUBLIC = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';

test('publicKeyOf: RFC 7748 §6.1 Alice', () => {
  sameKey(publicKeyOf(hex(ALICE_PRIVATE)), hex(ALICE_PUBLIC), 'Alice public key');
});

test('publicKeyOf: RFC 7748 §6.1 Bob', () => {
  sameKey(publicKeyOf(hex(BOB_PRIVATE)), hex(BOB_PUBLIC), 'Bob public key');
});

test('publicKeyOf: clamping the private key first does not change the public key (X25519 clamps anyway)', () => {
  sameKey(publicKeyOf(clamp(hex(ALICE_PRIVATE))), hex(ALICE_PUBLIC), 'Alice, clamped');
  sameKey(publicKeyOf(clamp(hex(BOB_PRIVATE))), hex(BOB_PUBLIC), 'Bob, clamped');
});

test('publicKeyOf: 32 bytes out, and different keys for different private keys', () => {
  const a = publicKeyOf(servicePrivateKey(MASTER, 'demo', 'a', 0));
  const b = publicKeyOf(servicePrivateKey(MASTER, 'demo', 'b', 0));
  assert.is(a.length, 32);
  differentKey(a, b, 'public keys of a and b');
});

// --- clamp: RFC 7748 §5 ---------------------------------------------------------------------

test('clamp: clears the 3 low bits and bit 255, sets bit 254', () => {
  const ones = clamp(new Uint8Array(32).fill(0xff));
  assert.is(ones[0], 0xf8);
  assert.is(ones[31], 0x7f);
  for (let i = 1; i < 31; i++) assert.is(ones[i], 0xff, `byte ${i} untouched`);
  const zeros = clamp(new Uint8Array(32));
  assert.is(zeros[0], 0x00);
  assert.is(zeros[31], 0x40);
  for (let i = 1; i < 31; i++) assert.is(zeros[i], 0x00, `byte ${i} untouched`);
});

test('clamp: is idempotent and does not modify its argument', () => {
  const input = new Uint8Array(32).fill(0xff);
  const once = clamp(input);
  assert.ok(input.every((b) => b === 0xff), 'input unchanged');
  assert.ok(equalBytes(clamp(once), once), 'clamp(clamp(k)) = clamp(k)');
});

test('servicePrivateKey: every derived key is clamped', () => {
  for (let i = 0; i < 64; i++) {
    const k = servicePrivateKey(MASTER, 'demo', `svc${i}`, i % 3);
    assert.is(k.length, 32);
    assert.is(k[0]! & 7, 0, `key ${i}: low 3 bits clear`);
    assert.is(k[31]! & 0x80, 0, `key ${i}: bit 255 clear`);
    assert.is(k[31]! & 0x40, 0x40, `key ${i}: bit 254 set`);
  }
});

// --- HKDF (RFC 5869) ------------------------------------------------------------------------

// Known answers computed outside this code base with OpenSSL 3:
//   openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:0707…07 \
//     -kdfopt salt:wg-compose/v1 -kdfopt hexinfo:<info> HKDF
// info = "service-key\0demo\0db\00"  → 2cc5942a…d04069, clamped: first byte 0x2c → 0x28.
// info = "link-psk\0demo\0db\0web\00" → 414ea885…15ba31 (PSKs are not clamped).
// A change here changes every user's keys: it must be a deliberate, versioned change.
const KAT_SERVICE_KEY = '28c5942a55bacb44b533ff7f8f543f74349480af99671e907ae710591bd04069';
const KAT_PSK = '414ea885c2aaf0786837666302bbfe4891f11b36ecffd562bfdb99b66c15ba31';

test('servicePrivateKey: known answer (HKDF-SHA256, then clamp)', () => {
  sameKey(servicePrivateKey(MASTER, 'demo', 'db', 0), hex(KAT_SERVICE_KEY), 'demo/db/0');
});

test('linkPresharedKey: known answer (HKDF-SHA256, names sorted)', () => {
  sameKey(linkPresharedKey(MASTER, 'demo', 'db', 'web', 0), hex(KAT_PSK), 'demo/db:web/0');
  sameKey(linkPresharedKey(MASTER, 'demo', 'web', 'db', 0), hex(KAT_PSK), 'demo/web:db/0');
});

test('Derivation (extract once, one HMAC a key) is HKDF-SHA256: the same bytes as node\'s hkdfSync, for any master and info', () => {
  for (let i = 0; i < 300; i++) {
    const master = new Uint8Array(randomBytes(32));
    const info = i % 3 === 0 ? `service-key\0p${i}\0é-😀\0${i}` : randomBytes(i % 97).toString('latin1');
    sameKey(Derivation.of(master).key(info), new Uint8Array(hkdfSync('sha256', master, 'wg-compose/v1', Buffer.from(info, 'utf8'), 32)), `case ${i}`);
  }
  sameKey(servicePrivateKey(Derivation.of(MASTER), 'demo', 'db', 0), hex(KAT_SERVICE_KEY), 'the known answer through a Derivation');
  assert.throws(() => Derivation.of(new Uint8Array(31)), /32 bytes/);
});

test('servicePrivateKey: deterministic', () => {
  sameKey(servicePrivateKey(MASTER, 'demo', 'web', 3), servicePrivateKey(MASTER, 'demo', 'web', 3), 'same inputs');
  // A fresh copy of the master, not the same object.
  sameKey(servicePrivateKey(Uint8Array.from(MASTER), 'demo', 'web', 3), servicePrivateKey(MASTER, 'demo', 'web', 3), 'copied master');
});

test('servicePrivateKey: service, epoch, project and master each change the key', () => {
  const base = servicePrivateKey(MASTER, 'demo', 'web', 0);
  differentKey(base, servicePrivateKey(MASTER, 'demo', 'db', 0), 'other service');
  differentKey(base, servicePrivateKey(MASTER, 'demo', 'web', 1), 'other epoch');
  differentKey(base, servicePrivateKey(MASTER, 'other', 'web', 0), 'other project');
  differentKey(base, servicePrivateKey(OTHER_MASTER, 'demo', 'web', 0), 'other master');
});

test('servicePrivateKey: field boundaries are unambiguous', () => {
  // "ab"+"c" and "a"+"bc" must not share an info string.
  differentKey(servicePrivateKey(MASTER, 'ab', 'c', 0), servicePrivateKey(MASTER, 'a', 'bc', 0), 'project/service split');
  differentKey(servicePrivateKey(MASTER, 'demo', 'web1', 0), servicePrivateKey(MASTER, 'demo', 'web', 10), 'service/epoch split');
});

test('servicePrivateKey: many services give pairwise distinct keys', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(toBase64(servicePrivateKey(MASTER, 'demo', `s${i}`, 0)));
  assert.is(seen.size, 200);
});

test('linkPresharedKey: symmetric in (a, b)', () => {
  for (const [a, b] of [['web', 'db'], ['a', 'b'], ['api-1', 'api_2'], ['x', 'x.y']] as const) {
    sameKey(linkPresharedKey(MASTER, 'demo', a, b, 2), linkPresharedKey(MASTER, 'demo', b, a, 2), `${a}:${b}`);
  }
});

test('linkPresharedKey: pair, epoch, project and master each change the key', () => {
  const base = linkPresharedKey(MASTER, 'demo', 'web', 'db', 0);
  differentKey(base, linkPresharedKey(MASTER, 'demo', 'web', 'cache', 0), 'other pair');
  differentKey(base, linkPresharedKey(MASTER, 'demo', 'api', 'db', 0), 'other pair (same target)');
  differentKey(base, linkPresharedKey(MASTER, 'demo', 'web', 'db', 1), 'other epoch');
  differentKey(base, linkPresharedKey(MASTER, 'prod', 'web', 'db', 0), 'other project');
  differentKey(base, linkPresharedKey(OTHER_MASTER, 'demo', 'web', 'db', 0), 'other master');
  // Pair names split differently: ("a","bc") vs ("ab","c").
  differentKey(linkPresharedKey(MASTER, 'demo', 'a', 'bc', 0), linkPresharedKey(MASTER, 'demo', 'ab', 'c', 0), 'name split');
});

test('linkPresharedKey and servicePrivateKey never coincide (domain separation)', () => {
  const psk = linkPresharedKey(MASTER, 'demo', 'db', 'web', 0);
  for (const s of ['db', 'web']) {
    differentKey(clamp(psk), servicePrivateKey(MASTER, 'demo', s, 0), `psk vs key of ${JSON.stringify(s)}`);
  }
});

test('derivation refuses a master that is not 32 bytes', () => {
  for (const n of [0, 16, 31, 33, 64]) {
    assert.throws(() => servicePrivateKey(new Uint8Array(n), 'demo', 'web', 0), (e: unknown) => e instanceof RangeError, `${n} bytes`);
    assert.throws(() => linkPresharedKey(new Uint8Array(n), 'demo', 'a', 'b', 0), (e: unknown) => e instanceof RangeError, `${n} bytes`);
  }
});

// --- base64 ---------------------------------------------------------------------------------

test('toBase64: 44 characters with exactly one "=", standard alphabet', () => {
  for (let i = 0; i < 50; i++) {
    const text = toBase64(servicePrivateKey(MASTER, 'demo', `b${i}`, 0));
    assert.is(text.length, 44);
    assert.ok(text.endsWith('=') && !text.endsWith('=='), 'one "=" of padding');
    assert.ok(/^[A-Za-z0-9+/]{43}=$/.test(text), 'standard base64 alphabet');
  }
});

test('toBase64: known form', () => {
  assert.is(toBase64(new Uint8Array(32)), 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
  assert.is(toBase64(new Uint8Array(32).fill(0xff)), '//////////////////////////////////////////8=');
});

test('fromBase64Key: round-trips toBase64', () => {
  for (let i = 0; i < 50; i++) {
    const k = servicePrivateKey(MASTER, 'demo', `r${i}`, 0);
    const back = fromBase64Key(toBase64(k));
    assert.ok(back !== undefined, `key ${i} parses`);
    sameKey(back!, k, `key ${i}`);
    const pub = publicKeyOf(k);
    sameKey(fromBase64Key(toBase64(pub))!, pub, `public key ${i}`);
  }
});

test('fromBase64Key: rejects anything but 32 bytes of canonical standard base64', () => {
  const good = toBase64(new Uint8Array(32).fill(0x5a));
  assert.ok(fromBase64Key(good) !== undefined, 'control: the good key parses');
  const bad: [string, string][] = [
    ['', 'empty'],
    [good.slice(0, -1), 'missing padding'],
    [`${good.slice(0, -1)}==`, 'two "="'],
    [`${good}=`, 'extra padding'],
    [good.slice(1), 'too short'],
    [`A${good}`, 'too long'],
    [toBase64(new Uint8Array(31)), '31 bytes'],
    [toBase64(new Uint8Array(33)), '33 bytes'],
    [toBase64(new Uint8Array(64)), '64 bytes'],
    [` ${good}`, 'leading space'],
    [`${good}\n`, 'trailing newline'],
    [`${good.slice(0, 20)} ${good.slice(21)}`, 'inner space'],
    [`${good.slice(0, 10)}-${good.slice(11)}`, 'URL-safe "-"'],
    [`${good.slice(0, 10)}_${good.slice(11)}`, 'URL-safe "_"'],
    [`${good.slice(0, 10)}*${good.slice(11)}`, 'not base64'],
    [`${good.slice(0, 42)}B=`, 'non-canonical last character (stray low bits)'],
    [`${good.slice(0, 42)}/=`, 'non-canonical last character "/"'],
    ['A'.repeat(44), 'no padding at all'],
    [Buffer.from(new Uint8Array(32)).toString('hex'), 'hex'],
  ];
  for (const [text, why] of bad) assert.is(fromBase64Key(text), undefined, why);
});

// --- the real wg(8) -------------------------------------------------------------------------

const WG = '/usr/bin/wg';

/** `wg pubkey`: private key on stdin, public key on stdout (wg(8)). */
const wgPubkey = (privateKey: string): string => execFileSync(WG, ['pubkey'], { input: `${privateKey}\n`, encoding: 'utf8' }).trim();

test('wg pubkey agrees with publicKeyOf on derived keys', () => {
  let checked = 0;
  for (let i = 0; i < 20; i++) {
    const priv = servicePrivateKey(MASTER, `proj${i % 4}`, `service-${i}`, i % 5);
    const ours = toBase64(publicKeyOf(priv));
    const theirs = wgPubkey(toBase64(priv));
    assert.ok(ours === theirs, `derived key #${i}: wg pubkey and publicKeyOf disagree`);
    checked++;
  }
  assert.is(checked, 20);
});

test('wg pubkey agrees with the RFC 7748 vectors (it clamps like X25519)', () => {
  assert.ok(wgPubkey(toBase64(hex(ALICE_PRIVATE))) === toBase64(hex(ALICE_PUBLIC)), 'Alice');
  assert.ok(wgPubkey(toBase64(hex(BOB_PRIVATE))) === toBase64(hex(BOB_PUBLIC)), 'Bob');
});

test('wg genkey output is read by fromBase64Key and is already clamped', () => {
  for (let i = 0; i < 5; i++) {
    const text = execFileSync(WG, ['genkey'], { encoding: 'utf8' }).trim();
    const k = fromBase64Key(text);
    assert.ok(k !== undefined, `wg genkey #${i} parses`);
    assert.ok(equalBytes(clamp(k!), k!), `wg genkey #${i} is clamped as ours are`);
    assert.ok(toBase64(publicKeyOf(k!)) === wgPubkey(text), `wg genkey #${i}: public keys agree`);
  }
});

test.run();
