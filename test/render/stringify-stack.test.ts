// The stack's YAML is written in pieces and mostly by a small emitter (src/render/stringify-
// stack.ts) for speed and bounded memory; these properties check, on generated stacks full of
// strings YAML treats specially, that the text is the yaml library's own, byte for byte.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import type { Json, JsonObject } from '../../src/load/located.js';
import { __TEST, stringifyStack } from '../../src/render/stringify-stack.js';

const RUNS = process.env['WG_COMPOSE_LONG_TESTS'] === '1' ? 3000 : 300;

/** Strings YAML 1.1 or 1.2 read as something else, or that need quoting, folding or blocks. */
const special = fc.constantFrom(
  '', ' ', 'yes', 'No', 'ON', 'off', 'y', 'n', 'Y', 'true', 'False', 'null', 'Null', '~', '1', '-1', '+1', '0o17', '017', '0x1F', '1_000',
  '1e3', '.5', '1.', '.inf', '-.Inf', '.NaN', '10.150.0.1', '10.150.0.1/32', '22:22', '1:20:30', '2001-12-14', '2001-12-14t21:59:43.10-05:00',
  '---', '--- x', '...', '%YAML', '# c', 'a #b', 'a# b', 'a: b', 'a:b', ':a', 'a:', '-', '- a', '?', '? a', '[a]', '{a}', '*a', '&a', '!a', '|', '>', "'a'", '"a"',
  '@a', '`a', ',a', 'a,b', 'x ', ' x', 'a\nb', 'a\n', '\n', 'a\n\nb\n', '  lead\nx', 'tab\there', '\u0001', '\u007f', '\u0085', 'é', '😀', '<<', '=', 'a$b', '$$HOME',
  'service:web-wgns', 'web-wg-conf', 'a'.repeat(70), 'k'.repeat(1100),
  // Every Unicode line break and the controls PyYAML reads as one or refuses (safe-string.ts).
  '\u2028', '\u2029', 'x\u2028    privileged:\u2028      true', 'a\rb', 'a\r\nb', '\ufeffa', 'a\u000bb', 'a\u001bb', 'a\u00a0b', 'a\tb', ' \n', 'a\n \nb', '\ud800',
);
const scalar: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: special },
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', ' ', ':', '#', '-', '\n', '.', '1', "'", '"', '$', 'é', '\u2028', '\u0085', '\r', '\t', '\u0000') }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constant(-0)) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);
const key = fc.oneof(special, fc.stringMatching(/^[a-z_][a-z0-9_.-]{0,10}$/));

function nullProto(entries: [string, Json][]): JsonObject {
  const o = Object.create(null) as JsonObject;
  for (const [k, v] of entries) o[k] = v;
  return o;
}

const value: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('v')), { maxLength: 4 }).map(nullProto),
  ),
})).v;

/** A stack: services (names from the same alphabet) of attributes, then other top-level keys. */
const stack = fc
  .record({
    services: fc.array(fc.tuple(key, fc.oneof({ weight: 5, arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom('image', 'command', 'environment', 'labels', 'ports', 'x-a'), key), value), { maxLength: 6 }).map(nullProto) }, { weight: 1, arbitrary: value })), { maxLength: 6 }),
    rest: fc.array(fc.tuple(fc.constantFrom('networks', 'volumes', 'secrets', 'x-wireguard', 'x-other'), value), { maxLength: 3 }),
  })
  .map(({ services, rest }) => nullProto([['services', nullProto(services)], ...rest]));

const COMMENT = ' Rendered by a test.\n Second line.';

test('property: the stack in pieces is the yaml library\'s text of the whole, byte for byte', () => {
  let runs = 0;
  fc.assert(
    fc.property(stack, (out) => {
      runs++;
      const whole = __TEST.whole(out, COMMENT);
      assert.fixture(stringifyStack(out, COMMENT, (v) => v), whole);
      let pieces = '';
      stringifyStack(out, COMMENT, (v) => v, (p) => (pieces += p));
      assert.is(pieces, whole, 'the streamed pieces differ');
    }),
    { numRuns: RUNS },
  );
  assert.is(runs, RUNS);
});

test('property: a large map after the services (a topology, the secrets) is written an entry at a time, byte for byte as the library writes it whole', () => {
  // More entries than the streaming threshold (64), some of them large maps themselves.
  const entry = fc.oneof({ weight: 4, arbitrary: value }, { weight: 1, arbitrary: fc.array(fc.tuple(key, value), { minLength: 65, maxLength: 70 }).map(nullProto) });
  const big = fc.array(fc.tuple(fc.oneof(key, fc.stringMatching(/^[a-z]{1,8}$/)), entry), { minLength: 65, maxLength: 90 }).map(nullProto);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('secrets', 'x-wireguard', 'x-other', 'networks'), fc.oneof(big, value)), { minLength: 1, maxLength: 3 }), (rest) => {
      const out = nullProto([['services', nullProto([['a', nullProto([['image', 'x']])], ['b', nullProto([['image', 'y']])]])], ...rest]);
      fc.pre(Object.values(out).some((v) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 64));
      const whole = __TEST.whole(out, COMMENT);
      assert.fixture(stringifyStack(out, COMMENT, (v) => v), whole);
      let streamed = '';
      stringifyStack(out, COMMENT, (v) => v, (p) => (streamed += p));
      assert.is(streamed, whole, 'the streamed pieces differ');
      // And the large maps were written an entry at a time, each entry the library's text at its depth.
      for (const [k, v] of rest) {
        const pieces = __TEST.pairPieces(k, v);
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 64) assert.ok(pieces.length > 65, `${k}: ${pieces.length} pieces`);
        assert.fixture(pieces.join(''), __TEST.whole(nullProto([[k, v]]), undefined));
      }
    }),
    // Each case is a few hundred values through the library: a tenth of the runs of the others.
    { numRuns: RUNS / 10 },
  );
});

test('property: a repeated attribute (the sidecar script) is written once and reused, identically', () => {
  const script = '#!/bin/sh\nset -eu\necho "$$x"\n\n  indented\nlast\n';
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), fc.constantFrom('unless-stopped', 'no')), { minLength: 1, maxLength: 8 }), (names) => {
      const services = nullProto(
        names.map(([n, restart]) => [n, nullProto([['image', 'x'], ['command', [script]], ['restart', restart], ['labels', nullProto([['dev.wg-compose.service', n]])]])]),
      );
      const out = nullProto([['services', services]]);
      assert.fixture(stringifyStack(out, COMMENT, (v) => v), __TEST.whole(out, COMMENT));
    }),
    { numRuns: Math.min(RUNS, 200) },
  );
});

test('property: a shared value is written in full at most twice, and reads back as the same stack', () => {
  const script = 'set -eu\necho "$$x"\n\n  indented\nlast\n';
  const shared = { key: 'command', anchor: 'the-script', is: (v: Json) => Array.isArray(v) && v.length === 1 && v[0] === script };
  const read = (text: string): unknown => parse(text, { version: '1.1', merge: false, maxAliasCount: -1 });
  const command = fc.constantFrom<Json>([script], ['other'], script, [script, 'x']);
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), command), { selector: ([n]) => n, minLength: 1, maxLength: 8 }), (entries) => {
      const services = nullProto(entries.map(([n, c]) => [n, nullProto([['image', 'x'], ['command', c], ['restart', 'no']])]));
      const out = nullProto([['services', services]]);
      let text = '';
      stringifyStack(out, COMMENT, (v) => v, (p) => (text += p), shared);
      assert.equal(read(text), read(__TEST.whole(out, COMMENT)));
      // The first service is the library's whole (it carries the comment), so it writes the value
      // in full; the first after it that has the value anchors it, and the rest are aliases.
      const using = entries.map(([, c]) => shared.is(c));
      const anchored = using.slice(1).filter(Boolean).length;
      assert.is(text.split('    command: &the-script\n').length - 1, anchored > 0 ? 1 : 0);
      assert.is(text.split('    command: *the-script\n').length - 1, Math.max(0, anchored - 1));
      // Other values that hold the script ("x" after it, or not in a list) are theirs to write.
      const others = entries.filter(([, c]) => !shared.is(c) && c !== null && JSON.stringify(c).includes('indented')).length;
      assert.ok(text.split('echo "$$x"').length - 1 <= 2 + others);
    }),
    { numRuns: Math.min(RUNS, 200) },
  );
});

test('the emitter gives up, rather than guess, where the form depends on the place', () => {
  assert.is(__TEST.emitPair('k', 'a\nb', '    '), undefined, 'multi-line');
  assert.is(__TEST.emitPair('k', '--- x', '    '), undefined, 'document marker');
  assert.is(__TEST.emitPair('k'.repeat(1001), 'x', '    '), undefined, 'long key');
  assert.is(__TEST.emitPair('k', 'yes', ''), 'k: "yes"\n');
  assert.ok(__TEST.plainOk('web-wgns'));
  assert.not.ok(__TEST.plainOk('1.5'), 'a YAML 1.1 float');
  assert.not.ok(__TEST.plainOk('22:22'), 'a YAML 1.1 base-60 number');
  // And what it writes reads back as what it was given.
  const v = nullProto([['a', ['1', 1, null, true, 'yes', '', nullProto([]), []]]]);
  assert.equal(parse(__TEST.emitPair('x', v, '')!, { version: '1.1' }), { x: { a: ['1', 1, null, true, 'yes', '', {}, []] } });
});

// The emitter's own rules (block-emitter.ts) are checked above against the library's text; this
// checks them against meaning: our text, read back by the library (YAML 1.1, as compose v1
// reads it), is the value that was written, wherever the library's own text is. Where the
// library's is not, it is a library limit and ours is its text anyway (above): it writes a
// `<<` key plain and reads it back as a merge key, and writes " \n" as a block scalar that
// reads back as "\n".
test('property: the stack text reads back as the intended value', () => {
  const read = (text: string): unknown => parse(text, { version: '1.1', merge: false });
  const readJson = (text: string): string | undefined => {
    try {
      return JSON.stringify(read(text));
    } catch {
      return undefined;
    }
  };
  let checked = 0;
  fc.assert(
    fc.property(stack, (out) => {
      const intended = JSON.stringify(out);
      const library = __TEST.whole(out, COMMENT);
      fc.pre(readJson(library) === intended);
      checked++;
      // Compared with what the library's own text reads back as, not with JSON: JSON writes
      // -Infinity (YAML's -.inf) as null, which made a correct emitter look wrong.
      assert.equal(read(stringifyStack(out, COMMENT, (v) => v)), read(library));
    }),
    { numRuns: RUNS },
  );
  assert.ok(checked > RUNS / 2, `only ${checked} of ${RUNS} cases round-trip through the library`);
});

test.run();
