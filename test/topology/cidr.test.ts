import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatAddress, parseAddress } from '../../src/topology/address.js';
import {
  contains,
  formatPrefix,
  hostAt,
  hostIndex,
  overlaps,
  parsePrefix,
  prefixSize,
  usableHosts,
  type Prefix,
} from '../../src/topology/cidr.js';

function prefix(text: string): Prefix {
  const p = parsePrefix(text);
  if ('error' in p) throw new Error(`test setup: ${p.error}`);
  return p;
}

function addr(text: string): bigint {
  const a = parseAddress(text);
  if (a === undefined) throw new Error(`test setup: bad address ${text}`);
  return a.value;
}

function roundTrip(text: string): string | undefined {
  const a = parseAddress(text);
  return a === undefined ? undefined : formatAddress(a.family, a.value);
}

// --- parseAddress / formatAddress: IPv4 -------------------------------------

test('parseAddress: IPv4 values', () => {
  assert.equal(parseAddress('0.0.0.0'), { family: 4, value: 0n });
  assert.equal(parseAddress('10.0.0.1'), { family: 4, value: 0x0a000001n });
  assert.equal(parseAddress('192.168.1.254'), { family: 4, value: 0xc0a801fen });
  assert.equal(parseAddress('255.255.255.255'), { family: 4, value: 0xffffffffn });
});

test('formatAddress: IPv4 round trips', () => {
  for (const text of ['0.0.0.0', '10.0.0.1', '172.16.254.3', '255.255.255.255', '1.2.3.4']) {
    assert.is(roundTrip(text), text);
  }
  assert.is(formatAddress(4, 0x7f000001n), '127.0.0.1');
});

test('parseAddress: invalid IPv4', () => {
  for (const bad of [
    '256.0.0.1', '1.2.3.256', '10.0.0', '10.0.0.', '10.0.0.0.1', '10..0.1', '',
    '010.0.0.1', '10.00.0.1', '1.2.3.04', ' 10.0.0.1', '10.0.0.1 ', '10.0.0.-1',
    '10.0.0.1a', '0x0a.0.0.1', '+1.2.3.4', '1.2.3.4/32', 'localhost',
  ]) {
    assert.is(parseAddress(bad), undefined, bad);
  }
});

// --- parseAddress / formatAddress: IPv6 -------------------------------------

test('parseAddress: IPv6 values', () => {
  assert.equal(parseAddress('::'), { family: 6, value: 0n });
  assert.equal(parseAddress('::1'), { family: 6, value: 1n });
  assert.equal(parseAddress('fd00::1'), { family: 6, value: (0xfd00n << 112n) | 1n });
  assert.equal(parseAddress('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), { family: 6, value: (1n << 128n) - 1n });
  assert.equal(parseAddress('1::'), { family: 6, value: 1n << 112n });
});

test('parseAddress: full and compressed IPv6 forms agree', () => {
  const full = addr('2001:0db8:0000:0000:0000:0000:0000:0001');
  assert.is(addr('2001:db8::1'), full);
  assert.is(addr('2001:DB8:0:0:0:0:0:1'), full);
  assert.is(addr('2001:db8:0::0:1'), full);
  assert.is(full, 0x20010db8000000000000000000000001n);
});

test('parseAddress: embedded IPv4 tail (RFC 4291 §2.2)', () => {
  assert.equal(parseAddress('::ffff:192.0.2.1'), { family: 6, value: 0xffffc0000201n });
  assert.is(addr('0:0:0:0:0:ffff:192.0.2.1'), 0xffffc0000201n);
  assert.is(parseAddress('::ffff:192.0.2.256'), undefined);
  assert.is(parseAddress('::ffff:192.0.02.1'), undefined);
  assert.is(parseAddress('1.2.3.4::'), undefined);
  assert.is(parseAddress('1:2:3:4:5:6:7:1.2.3.4'), undefined);
  // Output never uses the dotted form.
  assert.is(roundTrip('::ffff:192.0.2.1'), '::ffff:c000:201');
});

test('formatAddress: RFC 5952 canonical form', () => {
  const cases: Array<[string, string]> = [
    ['2001:db8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3: first of equal runs
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: single 0 not compressed
    ['2001:db8:0000:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3: longest run wins
    ['2001:db8::aaaa:0:0:1', '2001:db8::aaaa:0:0:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['0:0:1:0:0:0:0:0', '0:0:1::'],
    ['2001:DB8::ABCD:EF', '2001:db8::abcd:ef'], // §4.3: lowercase
    ['2001:db8::0001', '2001:db8::1'], // §4.1: leading zeros dropped
    ['2001:db8:00aa::0bc', '2001:db8:aa::bc'],
    ['fd00:0:0:0:0:0:0:1', 'fd00::1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ];
  for (const [input, canonical] of cases) {
    assert.is(roundTrip(input), canonical, input);
    assert.is(roundTrip(canonical), canonical, `idempotent ${canonical}`);
  }
});

test('parseAddress: invalid IPv6', () => {
  for (const bad of [
    ':::', '1::2::3', '::1::', ':', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8', '1:2:3:4::5:6:7:8', ':1::2', '1::2:', '1:2:3:4:5:6:7:', ':1:2:3:4:5:6:7',
    '12345::1', 'g::1', 'fe80::1%eth0', 'fe80::1%1', ' ::1', '::1 ', '[::1]', '::1/128', '1:2:3:4:5:6:7::8:9',
  ]) {
    assert.is(parseAddress(bad), undefined, bad);
  }
});

test('parseAddress: "::" may stand for a single zero group on input', () => {
  assert.is(addr('1:2:3::5:6:7:8'), addr('1:2:3:0:5:6:7:8'));
  assert.is(roundTrip('1:2:3::5:6:7:8'), '1:2:3:0:5:6:7:8');
});

test('formatAddress: rejects out-of-range values', () => {
  assert.throws(() => formatAddress(4, 1n << 32n), RangeError);
  assert.throws(() => formatAddress(4, -1n), RangeError);
  assert.throws(() => formatAddress(6, 1n << 128n), RangeError);
});

// --- parsePrefix / formatPrefix ---------------------------------------------

test('parsePrefix: valid prefixes', () => {
  assert.equal(parsePrefix('10.0.0.0/8'), { family: 4, network: 0x0a000000n, bits: 8 });
  assert.equal(parsePrefix('0.0.0.0/0'), { family: 4, network: 0n, bits: 0 });
  assert.equal(parsePrefix('10.1.2.3/32'), { family: 4, network: 0x0a010203n, bits: 32 });
  assert.equal(parsePrefix('fd00::/8'), { family: 6, network: 0xfdn << 120n, bits: 8 });
  assert.equal(parsePrefix('::/0'), { family: 6, network: 0n, bits: 0 });
  assert.equal(parsePrefix('::1/128'), { family: 6, network: 1n, bits: 128 });
});

test('formatPrefix: round trips to canonical text', () => {
  for (const text of ['10.0.0.0/8', '192.168.0.0/16', '10.9.8.0/24', '0.0.0.0/0', '10.1.2.3/32', 'fd00::/8', '2001:db8::/32', '::/0', '::1/128', 'fd00:0:0:1::/64']) {
    assert.is(formatPrefix(prefix(text)), text, text);
  }
  assert.is(formatPrefix(prefix('2001:0DB8:0000::/48')), '2001:db8::/48');
});

test('parsePrefix: host bits set names the network', () => {
  const r = parsePrefix('10.0.0.1/16');
  assert.ok('error' in r);
  if ('error' in r) {
    assert.match(r.error, '10.0.0.0/16');
    assert.match(r.error, '10.0.0.1/16');
  }
  const r6 = parsePrefix('fd00::1/64');
  assert.ok('error' in r6 && r6.error.includes('fd00::/64'));
  const r31 = parsePrefix('192.168.0.1/31');
  assert.ok('error' in r31 && r31.error.includes('192.168.0.0/31'));
});

test('parsePrefix: malformed input is an error', () => {
  for (const bad of [
    '10.0.0.0/33', '::/129', '10.0.0.0', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/08', '10.0.0.0/8/8',
    '10.0.0.0/ 8', '10.0.0.0/8 ', '/8', '256.0.0.0/8', '10.0.0/8', ':::/64', '1::2::3/64', 'fe80::%eth0/64',
    '10.0.0.0/1e1', '10.0.0.0/0x8', '', '/',
  ]) {
    const r = parsePrefix(bad);
    assert.ok('error' in r, bad);
    if ('error' in r) assert.type(r.error, 'string');
  }
  const r = parsePrefix('10.0.0.0/33');
  assert.ok('error' in r && r.error.includes('0-32'));
  const r6 = parsePrefix('::/129');
  assert.ok('error' in r6 && r6.error.includes('0-128'));
});

// --- prefixSize / usableHosts ------------------------------------------------

test('prefixSize', () => {
  assert.is(prefixSize(prefix('0.0.0.0/0')), 1n << 32n);
  assert.is(prefixSize(prefix('10.0.0.0/8')), 16777216n);
  assert.is(prefixSize(prefix('10.0.0.0/24')), 256n);
  assert.is(prefixSize(prefix('10.0.0.0/31')), 2n);
  assert.is(prefixSize(prefix('10.0.0.0/32')), 1n);
  assert.is(prefixSize(prefix('::/0')), 1n << 128n);
  assert.is(prefixSize(prefix('fd00::/64')), 1n << 64n);
  assert.is(prefixSize(prefix('fd00::/127')), 2n);
  assert.is(prefixSize(prefix('fd00::/128')), 1n);
});

test('usableHosts', () => {
  assert.is(usableHosts(prefix('0.0.0.0/0')), (1n << 32n) - 2n);
  assert.is(usableHosts(prefix('10.0.0.0/16')), 65534n);
  assert.is(usableHosts(prefix('10.0.0.0/24')), 254n);
  assert.is(usableHosts(prefix('10.0.0.0/29')), 6n);
  assert.is(usableHosts(prefix('10.0.0.0/30')), 2n);
  assert.is(usableHosts(prefix('10.0.0.0/31')), 2n);
  assert.is(usableHosts(prefix('10.0.0.0/32')), 1n);
  assert.is(usableHosts(prefix('::/0')), (1n << 128n) - 1n);
  assert.is(usableHosts(prefix('fd00::/64')), (1n << 64n) - 1n);
  assert.is(usableHosts(prefix('fd00::/126')), 3n);
  assert.is(usableHosts(prefix('fd00::/127')), 1n);
  assert.is(usableHosts(prefix('fd00::/128')), 1n);
});

// --- hostAt / hostIndex -------------------------------------------------------

function checkHost(p: Prefix, index: bigint, text: string): void {
  const value = addr(text);
  assert.is(hostAt(p, index), value, `hostAt(${formatPrefix(p)}, ${index})`);
  assert.is(hostIndex(p, value), index, `hostIndex(${formatPrefix(p)}, ${text})`);
}

function checkNotHost(p: Prefix, text: string): void {
  assert.is(hostIndex(p, addr(text)), undefined, `hostIndex(${formatPrefix(p)}, ${text})`);
}

test('hostAt/hostIndex: IPv4 /16', () => {
  const p = prefix('10.20.0.0/16');
  checkHost(p, 0n, '10.20.0.1');
  checkHost(p, 254n, '10.20.0.255');
  checkHost(p, 255n, '10.20.1.0');
  checkHost(p, 65533n, '10.20.255.254');
  assert.is(hostAt(p, 65534n), undefined);
  assert.is(hostAt(p, -1n), undefined);
  checkNotHost(p, '10.20.0.0');
  checkNotHost(p, '10.20.255.255');
  checkNotHost(p, '10.21.0.1');
  checkNotHost(p, '10.19.255.254');
});

test('hostAt/hostIndex: IPv4 /24', () => {
  const p = prefix('192.168.7.0/24');
  checkHost(p, 0n, '192.168.7.1');
  checkHost(p, 99n, '192.168.7.100');
  checkHost(p, 253n, '192.168.7.254');
  assert.is(hostAt(p, 254n), undefined);
  checkNotHost(p, '192.168.7.0');
  checkNotHost(p, '192.168.7.255');
  checkNotHost(p, '192.168.8.1');
});

test('hostAt/hostIndex: IPv4 /30', () => {
  const p = prefix('10.0.0.4/30');
  checkHost(p, 0n, '10.0.0.5');
  checkHost(p, 1n, '10.0.0.6');
  assert.is(hostAt(p, 2n), undefined);
  checkNotHost(p, '10.0.0.4');
  checkNotHost(p, '10.0.0.7');
  checkNotHost(p, '10.0.0.8');
});

test('hostAt/hostIndex: IPv4 /31 uses both addresses (RFC 3021)', () => {
  const p = prefix('10.0.0.6/31');
  checkHost(p, 0n, '10.0.0.6');
  checkHost(p, 1n, '10.0.0.7');
  assert.is(hostAt(p, 2n), undefined);
  checkNotHost(p, '10.0.0.5');
  checkNotHost(p, '10.0.0.8');
});

test('hostAt/hostIndex: IPv4 /32', () => {
  const p = prefix('10.0.0.9/32');
  checkHost(p, 0n, '10.0.0.9');
  assert.is(hostAt(p, 1n), undefined);
  checkNotHost(p, '10.0.0.8');
  checkNotHost(p, '10.0.0.10');
});

test('hostAt/hostIndex: IPv4 /0 edges', () => {
  const p = prefix('0.0.0.0/0');
  checkHost(p, 0n, '0.0.0.1');
  checkHost(p, (1n << 32n) - 3n, '255.255.255.254');
  checkNotHost(p, '0.0.0.0');
  checkNotHost(p, '255.255.255.255');
});

test('hostAt/hostIndex: IPv6 /64 skips the Subnet-Router anycast address', () => {
  const p = prefix('fd00:0:0:1::/64');
  checkHost(p, 0n, 'fd00:0:0:1::1');
  checkHost(p, 0xfffen, 'fd00:0:0:1::ffff');
  checkHost(p, 0xffffn, 'fd00:0:0:1::1:0');
  checkHost(p, (1n << 64n) - 2n, 'fd00:0:0:1:ffff:ffff:ffff:ffff');
  assert.is(hostAt(p, (1n << 64n) - 1n), undefined);
  checkNotHost(p, 'fd00:0:0:1::');
  checkNotHost(p, 'fd00:0:0:2::1');
  checkNotHost(p, 'fd00::ffff:ffff:ffff:ffff');
});

test('hostAt/hostIndex: IPv6 /127', () => {
  const p = prefix('fd00::a/127');
  checkHost(p, 0n, 'fd00::b');
  assert.is(hostAt(p, 1n), undefined);
  checkNotHost(p, 'fd00::a');
  checkNotHost(p, 'fd00::c');
});

test('hostAt/hostIndex: IPv6 /128', () => {
  const p = prefix('fd00::5/128');
  checkHost(p, 0n, 'fd00::5');
  assert.is(hostAt(p, 1n), undefined);
  checkNotHost(p, 'fd00::4');
  checkNotHost(p, 'fd00::6');
});

test('hostAt/hostIndex: round trip over a small prefix', () => {
  for (const text of ['10.0.0.0/28', 'fd00::/124']) {
    const p = prefix(text);
    for (let i = 0n; i < usableHosts(p); i++) {
      const v = hostAt(p, i);
      assert.ok(v !== undefined && contains(p, p.family, v));
      assert.is(hostIndex(p, v ?? -1n), i);
    }
  }
});

// --- contains / overlaps ------------------------------------------------------

test('contains', () => {
  const p = prefix('10.1.0.0/16');
  assert.ok(contains(p, 4, addr('10.1.0.0')));
  assert.ok(contains(p, 4, addr('10.1.255.255')));
  assert.not.ok(contains(p, 4, addr('10.0.255.255')));
  assert.not.ok(contains(p, 4, addr('10.2.0.0')));
  assert.not.ok(contains(p, 6, addr('10.1.0.0')), 'family mismatch');
  assert.ok(contains(prefix('0.0.0.0/0'), 4, addr('255.255.255.255')));
  assert.not.ok(contains(prefix('0.0.0.0/0'), 4, 1n << 32n), 'out of range');
  assert.not.ok(contains(prefix('0.0.0.0/0'), 4, -1n), 'negative');
  const q = prefix('2001:db8::/32');
  assert.ok(contains(q, 6, addr('2001:db8:ffff::1')));
  assert.not.ok(contains(q, 6, addr('2001:db9::')));
  assert.not.ok(contains(q, 4, 0x20010db8n));
  assert.ok(contains(prefix('::1/128'), 6, 1n));
  assert.not.ok(contains(prefix('::1/128'), 6, 0n));
});

test('overlaps', () => {
  const cases: Array<[string, string, boolean]> = [
    ['10.0.0.0/8', '10.1.0.0/16', true],
    ['10.1.0.0/16', '10.0.0.0/8', true],
    ['10.0.0.0/24', '10.0.0.0/24', true],
    ['10.0.0.0/24', '10.0.1.0/24', false],
    ['10.0.0.0/23', '10.0.1.0/24', true],
    ['10.0.0.0/31', '10.0.0.2/31', false],
    ['10.0.0.5/32', '10.0.0.4/30', true],
    ['0.0.0.0/0', '192.168.0.0/16', true],
    ['172.16.0.0/12', '172.32.0.0/12', false],
    ['fd00::/8', 'fd12:3456::/32', true],
    ['fd00::/64', 'fd00:0:0:1::/64', false],
    ['fd00::/127', 'fd00::1/128', true],
    ['::/0', '0.0.0.0/0', false],
    ['::/96', '0.0.0.0/0', false],
  ];
  for (const [a, b, expected] of cases) {
    assert.is(overlaps(prefix(a), prefix(b)), expected, `${a} vs ${b}`);
  }
});

test.run();
