// Splitting one command line into argv the way a POSIX shell splits words (POSIX.1-2017
// XCU 2.2 "Quoting" and 2.6.5 "Field Splitting"), without expanding anything: there is no
// shell in between. Used for compose's string `command:`/`entrypoint:` (compose-go splits
// them with shellwords) and for an engine named on the command line (--engine "docker compose").
// Pure: no I/O, so the model-side stages may import it.

/**
 * Words separated by blanks. '…' keeps everything literally; "…" keeps everything but a
 * backslash before one of `$ \` " \\` or a newline (XCU 2.2.3); outside quotes a backslash
 * keeps the next character (XCU 2.2.1), and backslash-newline joins lines. `''` is an empty
 * word. Nothing is expanded: `$HOME` stays `$HOME`.
 */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    const next = line[i + 1];
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && next !== undefined && '$`"\\\n'.includes(next)) {
        i++;
        if (next !== '\n') word += next;
      } else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && next !== undefined) {
      i++;
      if (next === '\n') continue;
      word += next;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(word);
  return out;
}
