#!/usr/bin/env node
// The wg-compose command: a thin shell over main() (src/cli/main.ts), built into dist/ by `npm run build`.
// `check` (commit hooks) first tries its quick way in, which loads neither commander nor main.
import { writeSync } from 'node:fs';
import { quickCheck } from '../dist/src/cli/check-entry.js';
import { readBounded } from '../dist/src/system/bounded-read.js';

// stdout is written synchronously, even to a pipe: node would queue in memory whatever a slower
// reader has not taken yet, and a rendered stack of 10,000 services is 50 MB.
// A reader that went away (`| head`) ends the output quietly, as it would a shell tool.
const pause = new Int32Array(new SharedArrayBuffer(4));
let readerGone = false;
function writeOut(text) {
  const buf = Buffer.from(text, 'utf8');
  for (let off = 0; off < buf.length && !readerGone; ) {
    try {
      off += writeSync(1, buf, off);
    } catch (e) {
      if (e.code === 'EPIPE') readerGone = true;
      else if (e.code === 'EAGAIN') Atomics.wait(pause, 0, 0, 2); // a full non-blocking pipe: let the reader catch up
      else throw e;
    }
  }
}

const argv = process.argv.slice(2);
const io = {
  stdout: writeOut,
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  cwd: process.cwd(),
  stderrIsTTY: process.stderr.isTTY === true,
  stdoutIsTTY: process.stdout.isTTY === true,
  readStdin: async () => {
    if (process.stdin.isTTY) return undefined;
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text;
  },
  // For the source line under a diagnostic, read as the loader reads input: bounded, a regular
  // file, never a state file (so no excerpt can quote a key).
  readSource: (path) => {
    const r = readBounded(path, 8 * 1024 * 1024, process.env);
    return r.ok ? r.text : undefined;
  },
};
process.exitCode = (await quickCheck(argv, io)) ?? (await (await import('../dist/src/cli/main.js')).main(argv, io));
