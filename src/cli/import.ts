// `wg-compose import SERVICE`: use an existing WireGuard private key for a service (a user
// moving an existing setup), instead of one derived from the master. The key is stored in
// the state directory (0600, atomically) and used at the service's current epoch until the
// next `rotate SERVICE`, which returns it to a derived key; the lockfile records its public
// key and that it is imported. The key comes from a file or from stdin, never from the command
// line (where `ps` and shell history would see it), and is never printed.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { error } from '../diagnostics.js';
import { clamp, fromBase64Key, publicKeyOf, toBase64 } from '../keys/derive.js';
import type { ProjectOptions } from '../load/project-options.js';
import { removeImportedKeys, writeImportedKey } from '../state/store.js';
import { EXIT, type CliIO, type WriteOptions } from './io.js';
import { underStateLock } from './locked.js';
import { analyzeProject, prepareAnalyzed } from './prepare.js';
import { writeRenderState } from './render.js';
import { displayPath, report } from './report.js';

/** A private key file is 45 bytes; anything much larger is not one. */
const MAX_KEY_FILE = 4096;

// `write.dryRun` is accepted here for the plan/apply change, which makes it print the plan.
export async function runImport(io: CliIO, opts: ProjectOptions, service: string, keyFile: string | undefined, write: WriteOptions = {}): Promise<number> {
  const text = await readKeyText(io, keyFile);
  if (typeof text === 'number') return text;
  const raw = fromBase64Key(text.trim());
  if (!raw) {
    report(io, [error('WGC102', `${keyFile && keyFile !== '-' ? displayPath(io.cwd, resolve(io.cwd, keyFile)) : 'stdin'} does not hold a WireGuard private key`, undefined, 'give the key as `wg genkey` prints it: 44 characters of base64 (32 bytes) on one line')]);
    return EXIT.input;
  }
  const key = clamp(raw);
  const analysis = analyzeProject(io, opts);
  if (typeof analysis === 'number') return analysis;
  if (!analysis.linked.includes(service)) {
    const why = analysis.view.services.has(service) ? `service "${service}" takes part in no link, so it has no WireGuard key` : `no service "${service}" in this project`;
    report(io, [error('WGC101', why, undefined, 'import a key for a linked service (wg-compose show lists them)')]);
    return EXIT.input;
  }
  const { projectDir, name } = analysis.project;
  const keyBase64 = toBase64(key);
  const publicKey = toBase64(publicKeyOf(key));
  return underStateLock(io, projectDir, 'import', () => {
    // The key first, under a name of its own (see importedKeyPath): the lockfile, written
    // last, is what makes it the service's key.
    writeImportedKey(projectDir, name, service, keyBase64, publicKey);
    const p = prepareAnalyzed(io, analysis, true, { imports: new Map([[service, key]]) });
    if (typeof p === 'number') return p;
    const { written } = writeRenderState(p);
    // A key imported before for this service is retired now that the lockfile names this one.
    removeImportedKeys(projectDir, name, service, publicKey);
    const node = p.compiled.topology.nodes.get(service)!;
    io.stderr(`wg-compose: "${service}" now uses the imported key (public key ${node.publicKey}) at epoch ${node.epoch}, until wg-compose rotate ${service}\n`);
    io.stderr(`wg-compose: rewrote ${written.length} wg-quick file(s): ${written.map((f) => displayPath(io.cwd, f)).join(', ')}\n`);
    if (written.length > 0) {
      io.stderr(`wg-compose: apply them to ${[service, ...node.peers.map((x) => x.service)].map((s) => `"${s}"`).join(', ')} together, and render the stack again\n`);
    }
    return EXIT.ok;
  });
}

async function readKeyText(io: CliIO, keyFile: string | undefined): Promise<string | number> {
  if (keyFile === undefined || keyFile === '-') {
    const text = io.readStdin ? await io.readStdin() : undefined;
    if (text === undefined) {
      report(io, [error('WGC103', 'give the private key on stdin (wg-compose import SERVICE < key) or with --private-key-file FILE; it is never read from a terminal or the command line')]);
      return EXIT.usage;
    }
    return text.slice(0, MAX_KEY_FILE);
  }
  const path = resolve(io.cwd, keyFile);
  try {
    if (statSync(path).size > MAX_KEY_FILE) {
      report(io, [error('WGC102', `${displayPath(io.cwd, path)} is too large to be a private key`)]);
      return EXIT.input;
    }
    return readFileSync(path, 'utf8');
  } catch (e) {
    report(io, [error('WGC102', `cannot read ${displayPath(io.cwd, path)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`)]);
    return EXIT.input;
  }
}
