// Attributes that are a list of words or one string of them (command, entrypoint, and as
// compose accepts them tmpfs and cap_add): the long form is the list. A string is split as a
// shell splits words, without expanding anything (compose-go uses shellwords the same way).
import type { Json } from '../../load/located.js';
import { splitCommand } from '../../system/shell-words.js';

/** undefined when the attribute is absent (or of another type, which the schema refuses). */
export function argvOf(v: Json | undefined): string[] | undefined {
  if (typeof v === 'string') return splitCommand(v);
  return Array.isArray(v) ? v.map((x) => String(x)) : undefined;
}
