// `--dry-run`: a Plan as text, one line per step in the order apply takes them. File steps
// are shell comments and commands are shell lines, so what is printed can be read as a script
// of what a real run executes. Paths and modes only: content (keys) is never printed.
import { shellQuote } from '../system/shell-quote.js';
import type { FileWrite, Plan } from './plan.js';

export interface DescribeContext {
  /** How a path is shown (relative to the working directory where that is shorter). */
  readonly display: (path: string) => string;
  /** Whether the file already holds exactly this (apply leaves it alone). */
  readonly unchanged: (f: FileWrite) => boolean;
  /** The files a removal would take now. */
  readonly removes: (r: Plan['removals'][number]) => string[];
}

const mode = (m: number): string => m.toString(8).padStart(4, '0');

export function describePlan(plan: Plan, cx: DescribeContext): string {
  const lines: string[] = [];
  const file = (verb: string, f: FileWrite) => {
    const same = verb === 'write' && cx.unchanged(f);
    lines.push(`# ${same ? 'keep  ' : verb.padEnd(6)} ${cx.display(f.path)} (${mode(f.mode)}) ${f.what}${same ? ', unchanged' : ''}`);
  };
  if (plan.master) file('create', plan.master);
  for (const k of plan.keys) file('write', k);
  for (const f of plan.files) file('write', f);
  if (plan.commit) file('write', plan.commit);
  if (plan.record) file('write', plan.record);
  for (const r of plan.removals) for (const p of cx.removes(r)) lines.push(`# remove ${cx.display(p)} (${r.what})`);
  const changes = lines.filter((l) => !l.startsWith('# keep')).length;
  lines.unshift(`# dry run: ${changes === 0 ? 'no state would change' : `${changes} state change${changes === 1 ? '' : 's'}`}; nothing is written`);
  for (const c of plan.commands) lines.push(shellQuote(c));
  return `${lines.join('\n')}\n`;
}
