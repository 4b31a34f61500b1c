// `wg-compose import SERVICE`: use an existing WireGuard private key for a service (a user
// moving an existing setup), instead of one derived from the master. The key is stored in
// the state directory (0600, atomically) and used at the service's current epoch until the
// next `rotate SERVICE`, which returns it to a derived key; the lockfile records its public
// key and that it is imported. The key comes from a file or from stdin, never from the command
// line (where `ps` and shell history would see it), and is never printed.
import { readBounded } from '../system/bounded-read.js';
import { resolve } from 'node:path';
import { error } from '../diagnostics.js';
import { clamp, fromBase64Key, publicKeyOf, toBase64 } from '../keys/derive.js';
import type { ProjectOptions } from '../load/project-options.js';
import { extendPlan } from '../plan/plan.js';
import { retireImportedKeys } from '../plan/state-plan.js';
import { importedDir, importedKeyName, importedKeyPath } from '../state/paths.js';
import { EXIT, type CliIO, type WriteOptions } from './io.js';
import { analyzeProject } from './prepare.js';
import { produce } from './produce.js';
import { displayPath, report } from './report.js';

/** A private key file is 45 bytes; anything much larger is not one. */
const MAX_KEY_FILE = 4096;

export async function runImport(io: CliIO, opts: ProjectOptions, service: string, keyFile: string | undefined, o: WriteOptions = {}): Promise<number> {
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
  const publicKey = toBase64(publicKeyOf(key));
  const done = await produce(io, analysis, {
    command: 'import',
    createState: true,
    changes: { imports: new Map([[service, key]]) },
    dryRun: o.dryRun === true,
    // The key first, under a name of its own (see importedKeyPath): the lockfile, written
    // last, is what makes it the service's key; a key imported before for this service is
    // retired only then.
    extend: (_p, plan) =>
      extendPlan(
        { ...plan, privateDirs: [...plan.privateDirs, importedDir(projectDir, name)] },
        {
          keys: [{ path: importedKeyPath(projectDir, name, service, publicKey), content: `${toBase64(key)}\n`, mode: 0o600, what: `imported private key of ${service}` }],
          removals: [retireImportedKeys(projectDir, name, service, importedKeyName(service, publicKey))],
        },
      ),
  });
  if (typeof done === 'number') return done;
  const written = done.applied.written.filter((f) => f.endsWith('.conf'));
  const node = done.p.compiled.topology.nodes.get(service)!;
  io.stderr(`wg-compose: "${service}" now uses the imported key (public key ${node.publicKey}) at epoch ${node.epoch}, until wg-compose rotate ${service}\n`);
  io.stderr(`wg-compose: rewrote ${written.length} wg-quick file(s): ${written.map((f) => displayPath(io.cwd, f)).join(', ')}\n`);
  if (written.length > 0) {
    io.stderr(`wg-compose: apply them to ${[service, ...node.peers.map((x) => x.service)].map((s) => `"${s}"`).join(', ')} together, and render the stack again\n`);
  }
  return EXIT.ok;
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
  const read = readBounded(path, MAX_KEY_FILE, io.env);
  if (read.ok) return read.text;
  report(io, [error('WGC102', read.message.startsWith('larger') ? `${displayPath(io.cwd, path)} is too large to be a private key` : `cannot read ${displayPath(io.cwd, path)}: ${read.message}`)]);
  return EXIT.input;
}
