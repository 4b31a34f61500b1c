// The rendered stack means what the input meant, whatever characters its strings hold: every
// C0 and C1 control, every Unicode line break (U+0085, U+2028, U+2029), byte order marks,
// noncharacters and lone surrogates, in label values, environment values, mapping keys and
// the image name, read back by the yaml library and by PyYAML (what docker-compose v1 reads
// with) and compared with what was written in. The attack this holds off: a label
// "x\u2028    privileged:\u2028      true" written plain, which PyYAML read as
// `privileged: true` on the service (issue #13).
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { memoryReader } from '../../src/load/io.js';
import { analyze, compile } from '../../src/pipeline.js';
import { EMPTY_LOCK } from '../../src/state/lockfile.js';
import { masterKeySource } from '../../src/topology/key-source.js';
import { project, runCli } from '../helpers/cli.js';

const CODES = [
  ...Array.from({ length: 0x20 }, (_, i) => i),
  ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
  0xa0, 0x2028, 0x2029, 0xfeff, 0xfffe, 0xffff, 0xd800, 0xdfff,
];
/** One string per character, with text around it, and the attack itself. */
const VALUES = [...CODES.map((c) => `a${String.fromCharCode(c)}b`), 'x\u2028    privileged:\u2028      true', 'y\u0085  cap_add:\u0085    - ALL', 'z\r\n  user: root', '\u2028', ' \n', 'a\u2028\nb'];

/** A YAML double-quoted string with every character outside printable ASCII escaped, so the input file itself is plain ASCII. */
const q = (s: string): string => `"${[...s].map((ch) => (/[ -~]/.test(ch) && ch !== '"' && ch !== '\\' ? ch : ch.length === 1 ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : ch)).join('')}"`;

function compose(): string {
  const labels = VALUES.map((v, i) => `      l${i}: ${q(v)}\n`).join('');
  const env = VALUES.map((v, i) => `      ${q(`E${i}${v}`)}: ${q(v)}\n`).join('');
  return `services:\n  app:\n    image: ${q('img\u2028name')}\n    labels:\n${labels}    environment:\n${env}    links: [db]\n  db:\n    image: db\n`;
}

test('every control character and Unicode line break round-trips through the yaml library and PyYAML', async () => {
  const { analysis, diagnostics } = analyze({ files: ['/p/compose.yaml'], envFiles: [], profiles: [], projectName: 'p' }, { cwd: '/p', env: {}, reader: memoryReader({ '/p/compose.yaml': compose() }) });
  assert.ok(analysis, JSON.stringify(diagnostics.map((d) => d.message)));
  const c = await compile(analysis, EMPTY_LOCK, masterKeySource(new Uint8Array(32).fill(3), 'p'));
  const want = {
    image: 'img\u2028name',
    labels: Object.fromEntries(VALUES.map((v, i) => [`l${i}`, v])),
    environment: Object.fromEntries(VALUES.map((v, i) => [`E${i}${v}`, v])),
  };
  const check = (app: Record<string, unknown>, reader: string) => {
    assert.equal(Object.keys(app).sort(), ['depends_on', 'environment', 'image', 'labels', 'network_mode'], `${reader}: no attribute came from a string`);
    assert.is(app['image'], want.image, reader);
    assert.equal(app['labels'], want.labels, reader);
    assert.equal(app['environment'], want.environment, reader);
  };
  check((parse(c.stack) as { services: Record<string, Record<string, unknown>> }).services['app']!, 'yaml');
  const py = spawnSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())["services"]["app"]))'], { input: c.stack, encoding: 'utf8' });
  if (py.error) throw new Error(`python3 with PyYAML is required for this test: ${py.error.message}`);
  assert.is(py.status, 0, py.stderr);
  check(JSON.parse(py.stdout) as Record<string, unknown>, 'PyYAML');
});

test('the LinuxKit spec too: an environment value with line breaks stays one value (moby)', async () => {
  const dir = project({ 'compose.yaml': `services:\n  app:\n    image: alpine\n    environment:\n      E: ${q('x\u2028  privileged:\u2028    true\u0085y')}\n    links: [db]\n  db:\n    image: db\n` });
  const r = await runCli(['moby', '--stock'], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  const py = spawnSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps([s for s in yaml.safe_load(sys.stdin.read())["services"] if s["name"] == "app"][0]))'], { input: r.stdout, encoding: 'utf8' });
  assert.is(py.status, 0, py.stderr);
  const app = JSON.parse(py.stdout) as { env?: string[]; capabilities?: unknown; privileged?: unknown };
  assert.ok(app.env?.includes('E=x\u2028  privileged:\u2028    true\u0085y'), JSON.stringify(app.env));
  assert.is(app.privileged, undefined);
});

test.run();
