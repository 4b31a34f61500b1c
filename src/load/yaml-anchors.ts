// The anchors of one parsed YAML document, indexed once, and aliases resolved against them.
// src/load/yaml-convert.ts looks up every alias it converts (and the tag an alias carries)
// here; this module knows nothing of values, positions or limits.
import { visit, type Alias, type Document, type Node } from 'yaml';

export class Anchors {
  /**
   * Anchor name → its nodes in document order, made once: the yaml library's Alias.resolve
   * walks the whole document for every alias (100,000 values and a few thousand aliases took
   * tens of seconds).
   */
  private readonly anchors = new Map<string, { at: number; node: Node }[]>();

  constructor(doc: Document.Parsed) {
    visit(doc, {
      Node: (_key, node) => {
        const anchor = (node as { anchor?: string }).anchor;
        if (anchor === undefined) return;
        const list = this.anchors.get(anchor) ?? [];
        list.push({ at: (node as Node).range?.[0] ?? 0, node: node as Node });
        this.anchors.set(anchor, list);
      },
    });
  }

  /** As YAML defines an alias: the last node before it with that anchor. */
  resolve(alias: Alias): Node | undefined {
    const list = this.anchors.get(alias.source);
    const at = alias.range?.[0] ?? Infinity;
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.at < at) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? list[lo - 1]!.node : undefined;
  }
}
