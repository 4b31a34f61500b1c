// `show --format mermaid|dot`: a picture of the topology. Services are nodes labelled with
// their tunnel addresses; each link is an edge from the service that declares it to the one it
// names, labelled with the names it uses; the slots of a replicated service are drawn as one
// group; services without a link are drawn apart. Built from the Topology (no secret in it) and
// the names of the project's other services. Pure: text out.
import type { Topology } from '../topology/topology.js';

export type GraphFormat = 'mermaid' | 'dot';

interface Vertex {
  readonly id: string;
  readonly name: string;
  readonly addresses: readonly string[];
}

interface Graph {
  readonly project: string;
  /** Replicated services: the group's name and its slots, in slot order. */
  readonly groups: readonly { readonly name: string; readonly members: readonly Vertex[] }[];
  /** Linked services that are not a slot of a replicated one. */
  readonly single: readonly Vertex[];
  readonly unlinked: readonly Vertex[];
  readonly edges: readonly Edge[];
}

/** An edge's end: one vertex, or a replicated service's whole group (`group` is its index). */
type End = { readonly vertex: string } | { readonly group: number; readonly vertex: string };
interface Edge {
  readonly from: End;
  readonly to: End;
  readonly label: string;
}

function graphOf(topology: Topology, services: readonly string[]): Graph {
  const linked = [...topology.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const ids = new Map<string, string>();
  const vertex = (name: string, addresses: readonly string[] = []): Vertex => {
    let id = ids.get(name);
    if (id === undefined) ids.set(name, (id = `s${ids.size}`));
    return { id, name, addresses };
  };
  const groups = new Map<string, Vertex[]>();
  const single: Vertex[] = [];
  for (const n of linked) {
    const v = vertex(n.name, n.addresses);
    if (n.slot && n.slot.of > 1) {
      const g = groups.get(n.slot.service) ?? [];
      g[n.slot.slot - 1] = v;
      groups.set(n.slot.service, g);
    } else single.push(v);
  }
  const sortedGroups = [...groups].sort(([a], [b]) => (a < b ? -1 : 1));
  const endpoint = (unit: string): End => {
    if (!unit.startsWith('group:')) return { vertex: ids.get(unit)! };
    const i = sortedGroups.findIndex(([name]) => name === unit.slice(6));
    return { group: i, vertex: sortedGroups[i]![1].find(Boolean)!.id };
  };
  // Edges between units (a service, or a replicated service's group): one edge where every
  // slot links every slot of the other unit under the same names, each link drawn otherwise.
  const unitOf = (name: string): string => {
    const slot = topology.nodes.get(name)?.slot;
    return slot && slot.of > 1 ? `group:${slot.service}` : name;
  };
  const size = (unit: string): number => (unit.startsWith('group:') ? groups.get(unit.slice(6))!.filter(Boolean).length : 1);
  const bundles = new Map<string, { from: string; to: string; label: string; links: [string, string][] }>();
  for (const n of linked) {
    for (const p of [...n.peers].sort((a, b) => (a.service < b.service ? -1 : 1))) {
      if (p.aliases.length === 0) continue;
      const label = p.aliases.join(', ');
      const key = JSON.stringify([unitOf(n.name), unitOf(p.service), label]);
      const b = bundles.get(key) ?? { from: unitOf(n.name), to: unitOf(p.service), label, links: [] };
      b.links.push([n.name, p.service]);
      bundles.set(key, b);
    }
  }
  const edges: Edge[] = [];
  for (const b of bundles.values()) {
    if (b.links.length === size(b.from) * size(b.to) && (b.from !== b.to || size(b.from) === 1)) edges.push({ from: endpoint(b.from), to: endpoint(b.to), label: b.label });
    else for (const [f, t] of b.links) edges.push({ from: { vertex: ids.get(f)! }, to: { vertex: ids.get(t)! }, label: b.label });
  }
  const unlinked = [...services].filter((s) => !topology.nodes.has(s)).sort().map((s) => vertex(s));
  return {
    project: topology.project,
    groups: sortedGroups.map(([name, members]) => ({ name, members: members.filter(Boolean) })),
    single,
    unlinked,
    edges,
  };
}

/** The graph of the topology in FORMAT; `services`: every service of the project (linked or not). */
export function showGraph(topology: Topology, services: readonly string[], format: GraphFormat): string {
  const g = graphOf(topology, services);
  return format === 'mermaid' ? mermaid(g) : dot(g);
}

/** Mermaid text in a quoted label: `"` and the characters Mermaid reads as markup, as entity codes. */
const mq = (s: string): string => s.replace(/[#"<>]/g, (c) => `#${c.charCodeAt(0)};`);
const mLabel = (v: Vertex): string => `"${[v.name, ...v.addresses].map(mq).join('<br/>')}"`;

function mermaid(g: Graph): string {
  const out = [`%% wg-compose show --format mermaid: project ${mq(g.project)}`, 'graph LR'];
  g.groups.forEach((grp, i) => {
    out.push(`  subgraph r${i}["${mq(grp.name)} × ${grp.members.length} replicas"]`);
    for (const v of grp.members) out.push(`    ${v.id}[${mLabel(v)}]`);
    out.push('  end');
  });
  for (const v of g.single) out.push(`  ${v.id}[${mLabel(v)}]`);
  const mEnd = (e: End): string => ('group' in e ? `r${e.group}` : e.vertex);
  for (const e of g.edges) out.push(`  ${mEnd(e.from)} -->|"${mq(e.label)}"| ${mEnd(e.to)}`);
  if (g.unlinked.length > 0) {
    out.push('  subgraph unlinked["not linked (no tunnel)"]');
    for (const v of g.unlinked) out.push(`    ${v.id}[${mLabel(v)}]`);
    out.push('  end');
  }
  return `${out.join('\n')}\n`;
}

/** A DOT quoted string (the language's only escape inside quotes is `\"`; `\` is kept as `\\`). */
const dq = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
const dLabel = (v: Vertex): string => `${dq(v.name)} [label=${dq([v.name, ...v.addresses].join('\n'))}]`;

function dot(g: Graph): string {
  const out = [`digraph ${dq(g.project)} {`, '  rankdir=LR;', '  compound=true;', '  node [shape=box, fontname="sans-serif"];', '  edge [fontname="sans-serif"];'];
  const name = new Map<string, string>();
  for (const v of [...g.groups.flatMap((x) => x.members), ...g.single, ...g.unlinked]) name.set(v.id, v.name);
  g.groups.forEach((grp, i) => {
    out.push(`  subgraph cluster_r${i} {`, `    label=${dq(`${grp.name} × ${grp.members.length} replicas`)};`, '    style=rounded;');
    for (const v of grp.members) out.push(`    ${dLabel(v)};`);
    out.push('  }');
  });
  for (const v of g.single) out.push(`  ${dLabel(v)};`);
  // A group's edge goes from or to one of its members, clipped at the group's box (compound).
  for (const e of g.edges) {
    const clip = [...('group' in e.from ? [`ltail=cluster_r${e.from.group}`] : []), ...('group' in e.to ? [`lhead=cluster_r${e.to.group}`] : [])];
    out.push(`  ${dq(name.get(e.from.vertex)!)} -> ${dq(name.get(e.to.vertex)!)} [label=${dq(e.label)}${clip.map((c) => `, ${c}`).join('')}];`);
  }
  if (g.unlinked.length > 0) {
    out.push('  subgraph cluster_unlinked {', `    label=${dq('not linked (no tunnel)')};`, '    style=dashed;');
    for (const v of g.unlinked) out.push(`    ${dLabel(v)};`);
    out.push('  }');
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
