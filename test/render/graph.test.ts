// `show --format mermaid|dot`: the picture of the topology. The dot output is read back by
// Graphviz itself (Debian's graphviz, `dot -Tjson`); the Mermaid output is checked against the
// part of Mermaid's flowchart grammar it uses (a structural check: Mermaid's own parser needs a
// browser DOM). The README's picture of the bundled example is the tool's output.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixedMaster, project, runCli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

// web links the replicated api as "backend"; every api replica links db; reports links db;
// cache has no link.
const COMPOSE = `services:
  web: {image: x, links: ["api:backend"]}
  api: {image: x, links: [db], deploy: {replicas: 2}}
  db: {image: x}
  reports: {image: x, links: ["db:store"]}
  cache: {image: x}
`;

async function drawn(format: string): Promise<string> {
  const dir = project({ 'compose.yaml': COMPOSE });
  const env = fixedMaster(dir);
  assert.is((await runCli(['render'], { cwd: dir, env })).code, 0);
  const r = await runCli(['show', '--format', format], { cwd: dir, env });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  return r.stdout;
}

const hasDot = spawnSync('dot', ['-V'], { encoding: 'utf8' }).status === 0;

test('dot: Graphviz reads it; services with their addresses, links labelled, replicas and unlinked services grouped', async () => {
  if (!hasDot) {
    // CI installs graphviz (.ci/run): there the check always runs.
    assert.not.ok(process.env['CI'], 'graphviz (dot) is not installed');
    console.log('  skipped: no Graphviz dot on PATH');
    return;
  }
  const text = await drawn('dot');
  const r = spawnSync('dot', ['-Tjson'], { input: text, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '', 'Graphviz warns about nothing');
  interface Obj {
    name: string;
    label?: string;
    nodes?: number[];
  }
  const g = JSON.parse(r.stdout) as { objects: Obj[]; edges: { tail: number; head: number; label: string; lhead?: string; ltail?: string }[] };
  const nodes = g.objects.filter((o) => !o.name.startsWith('cluster_'));
  const clusters = g.objects.filter((o) => o.name.startsWith('cluster_'));
  assert.equal(nodes.map((n) => n.name).sort(), ['api', 'api-2', 'cache', 'db', 'reports', 'web']);
  for (const n of nodes) {
    if (n.name === 'cache') assert.is(n.label, 'cache');
    else assert.match(n.label!, new RegExp(`^${n.name}\\\\n10\\.\\d+\\.\\d+\\.\\d+$`), n.name);
  }
  const members = (c: Obj) => (c.nodes ?? []).map((i) => g.objects[i]!.name).sort();
  assert.equal(
    clusters.map((c) => [c.label, members(c)]),
    [
      ['api × 2 replicas', ['api', 'api-2']],
      ['not linked (no tunnel)', ['cache']],
    ],
  );
  const edges = g.edges.map((e) => `${g.objects[e.tail]!.name} -> ${g.objects[e.head]!.name} [${e.label}]${e.ltail ? ` from ${e.ltail}` : ''}${e.lhead ? ` to ${e.lhead}` : ''}`).sort();
  assert.equal(edges, ['api -> db [db] from cluster_r0', 'reports -> db [store]', 'web -> api [backend] to cluster_r0']);
});

/**
 * The Mermaid flowchart subset `show` writes: a `graph LR` header, `subgraph ID["…"]`…`end`,
 * nodes `ID["…"]`, edges `ID -->|"…"| ID` between declared nodes or subgraphs, `%%` comments;
 * quoted text without a raw `"`. Returns the nodes' labels, the subgraphs' members and the edges.
 */
function readMermaid(text: string): { nodes: Map<string, string>; groups: Map<string, { label: string; members: string[] }>; edges: string[] } {
  const lines = text.split('\n');
  assert.is(lines.pop(), '', 'ends with a newline');
  const nodes = new Map<string, string>();
  const groups = new Map<string, { label: string; members: string[] }>();
  const raw: [string, string, string][] = [];
  let open: string | undefined;
  let header = false;
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if (/^%%[^\n]*$/.test(line)) continue;
    if (line === 'graph LR') {
      assert.not.ok(header, 'one header');
      header = true;
    } else if ((m = /^ {2}subgraph ([A-Za-z][\w]*)\["([^"]*)"\]$/.exec(line))) {
      assert.is(open, undefined, 'subgraphs are not nested');
      assert.not.ok(groups.has(m[1]!) || nodes.has(m[1]!), `id ${m[1]} declared once`);
      open = m[1]!;
      groups.set(open, { label: m[2]!, members: [] });
    } else if (line === '  end') {
      assert.ok(open, 'end closes a subgraph');
      open = undefined;
    } else if ((m = /^( {2}| {4})([A-Za-z]\w*)\["([^"]*)"\]$/.exec(line))) {
      assert.is(m[1]!.length === 4, open !== undefined, `indentation of ${m[2]}`);
      assert.not.ok(groups.has(m[2]!) || nodes.has(m[2]!), `id ${m[2]} declared once`);
      nodes.set(m[2]!, m[3]!);
      if (open) groups.get(open)!.members.push(m[2]!);
    } else if ((m = /^ {2}([A-Za-z]\w*) -->\|"([^"]*)"\| ([A-Za-z]\w*)$/.exec(line))) {
      raw.push([m[1]!, m[2]!, m[3]!]);
    } else assert.unreachable(`not in the grammar: ${JSON.stringify(line)}`);
  }
  assert.ok(header, 'graph LR header');
  assert.is(open, undefined, 'every subgraph ended');
  const name = (id: string): string => {
    const n = nodes.get(id);
    if (n !== undefined) return n.split('<br/>')[0]!;
    const g = groups.get(id);
    assert.ok(g, `edge end ${id} is declared`);
    return `[${g!.label}]`;
  };
  return { nodes, groups, edges: raw.map(([f, l, t]) => `${name(f)} -> ${name(t)} [${l}]`).sort() };
}

test('mermaid: in the flowchart grammar; services with addresses, links labelled, groups for replicas and for unlinked services', async () => {
  const m = readMermaid(await drawn('mermaid'));
  const labels = [...m.nodes.values()].sort();
  assert.is(labels.length, 6);
  for (const l of labels) assert.match(l, /^(cache|[a-z-2]+<br\/>10\.\d+\.\d+\.\d+)$/);
  const groups = [...m.groups.values()].map((g) => [g.label, g.members.map((id) => m.nodes.get(id)!.split('<br/>')[0])]);
  assert.equal(groups, [
    ['api × 2 replicas', ['api', 'api-2']],
    ['not linked (no tunnel)', ['cache']],
  ]);
  assert.equal(m.edges, ['[api × 2 replicas] -> db [db]', 'reports -> db [store]', 'web -> [api × 2 replicas] [backend]']);
});

test('between two replicated services, one edge from group to group', async () => {
  const dir = project({ 'compose.yaml': 'services:\n  w: {image: x, links: ["d:back"], scale: 3}\n  d: {image: x, deploy: {replicas: 2}}\n' });
  const env = fixedMaster(dir);
  assert.is((await runCli(['render'], { cwd: dir, env })).code, 0);
  const r = await runCli(['show', '--format', 'mermaid'], { cwd: dir, env });
  const m = readMermaid(r.stdout);
  assert.equal(m.edges, ['[w × 3 replicas] -> [d × 2 replicas] [back]']);
  assert.equal([...m.groups.values()].map((g) => g.members.length), [2, 3]);
});

test('the README shows the bundled example as the tool draws it', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'wgc-readme-')), 'webapp');
  cpSync(join(ROOT, 'examples/webapp'), dir, { recursive: true });
  assert.is((await runCli(['render'], { cwd: dir, env: {} })).code, 0);
  const r = await runCli(['show', '--format', 'mermaid'], { cwd: dir, env: {} });
  assert.is(r.code, 0, r.stderr);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.is(block, r.stdout, 'README.md: replace the mermaid block with `wg-compose show --format mermaid` of examples/webapp');
});

test('show --format takes table, json, mermaid and dot; anything else is a usage error', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const r = await runCli(['show', '--format', 'svg'], { cwd: dir, env: {} });
  assert.is(r.code, 2);
  assert.match(r.stderr, /argument 'svg' is invalid\. Allowed choices are table, json, mermaid, dot/);
  const env = fixedMaster(dir);
  await runCli(['render'], { cwd: dir, env });
  const json = await runCli(['show', '--json'], { cwd: dir, env });
  assert.equal(json.stdout, (await runCli(['show', '--format', 'json'], { cwd: dir, env })).stdout);
  assert.match((await runCli(['show'], { cwd: dir, env })).stdout, /^project /);
});

test.run();
