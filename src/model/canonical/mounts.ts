// Service volumes in their long form (compose-spec 05-services.md#volumes): the short
// `SOURCE:TARGET[:MODE]` string or the long mapping, as {type, source, target, readOnly}.
import type { Pos } from '../../diagnostics.js';
import { isObject, itemLoc, type Json } from '../../load/located.js';

export interface Mount {
  readonly type: string;
  readonly source: string | undefined;
  readonly target: string | undefined;
  readonly readOnly: boolean;
  readonly pos: Pos | undefined;
}

export function mountsOf(v: Json | undefined): Mount[] {
  return Array.isArray(v) ? v.map((m, i) => ({ ...mountOf(m), pos: itemLoc(v, i) })) : [];
}

function mountOf(v: Json): Omit<Mount, 'pos'> {
  if (isObject(v)) {
    const type = typeof v['type'] === 'string' ? v['type'] : 'volume';
    return { type, source: typeof v['source'] === 'string' ? v['source'] : undefined, target: typeof v['target'] === 'string' ? v['target'] : undefined, readOnly: v['read_only'] === true };
  }
  const parts = String(v).split(':');
  // One part is an anonymous volume at that target.
  if (parts.length === 1) return { type: 'volume', source: undefined, target: parts[0], readOnly: false };
  const [source, target, mode] = parts as [string, string, string | undefined];
  // compose-spec: a source that is a path (., / or ~ first) is a bind mount, else a named volume.
  const type = /^[./~]/.test(source) ? 'bind' : 'volume';
  return { type, source, target, readOnly: (mode ?? '').split(',').includes('ro') };
}
