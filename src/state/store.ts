// Reading the state directory: the master secret and imported keys, never through a symlink.
// Where its files are is src/state/paths.ts; writing them is src/plan/apply.ts's alone.
import { randomBytes } from 'node:crypto';
import { lstatSync, readFileSync, type Stats } from 'node:fs';
import { readRegularFile } from './files.js';
import { EMPTY_RECORD, parseEpochRecord, type EpochRecord } from './epochs.js';
import { configDir, epochsPath, importedDir, importedKeyPath, MASTER_ENV, masterPath, stateDir } from './paths.js';
import { distrust, untrustedDir, untrustedNamedMaster } from './trust.js';

export type MasterResult =
  | {
      ok: true;
      secret: Uint8Array;
      /** Set when there was none: the file to create (exclusively) before anything derived from it. */
      create: { path: string; content: string } | undefined;
      source: string;
      warnings: string[];
    }
  | { ok: false; message: string };

function decodeMaster(buf: Buffer): Uint8Array | undefined {
  if (buf.length === 32) return new Uint8Array(buf);
  const text = buf.toString('utf8').trim();
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) return new Uint8Array(Buffer.from(text, 'base64'));
  return undefined;
}

function readMaster(path: string, allowLink: boolean): MasterResult {
  let buf: Buffer;
  const warnings: string[] = [];
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink() && !allowLink) return { ok: false, message: `${path} is a symbolic link; refusing to use it` };
    const why = allowLink ? untrustedNamedMaster(path) : ownMasterDistrust(path, st);
    if (why) return { ok: false, message: why };
    if ((st.mode & 0o077) !== 0) warnings.push(`${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 ${path}`);
    buf = readFileSync(path);
  } catch (e) {
    return { ok: false, message: `cannot read master secret ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  const secret = decodeMaster(buf);
  if (!secret) return { ok: false, message: `${path} is not a master secret (32 bytes, raw or base64)` };
  return { ok: true, secret, create: undefined, source: path, warnings };
}

function ownMasterDistrust(path: string, st: Stats): string | undefined {
  const why = distrust(st);
  return why && `${path} ${why}: another user could have chosen it; if it is yours, run chmod 600 ${path}, else remove it`;
}

/**
 * Reads the master secret. When there is none and `create` is set, draws a new one and says
 * which file to create: the plan creates it, first (src/plan/plan.ts), so a dry run draws a
 * secret it never writes and nothing derived is ever on disk without its master.
 */
export function loadMaster(projectDir: string, project: string, env: Readonly<Record<string, string | undefined>>, create: boolean): MasterResult {
  // The directories the keys and configs live in, whoever holds the master.
  const untrusted = untrustedDir([stateDir(projectDir), configDir(projectDir, project), importedDir(projectDir, project)]);
  if (untrusted) return { ok: false, message: untrusted };
  const fromEnv = env[MASTER_ENV];
  // A file the user names may be a link (into a secrets mount, say); ours may not.
  if (fromEnv) return readMaster(fromEnv, true);
  const path = masterPath(projectDir);
  try {
    lstatSync(path);
    return readMaster(path, false);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return { ok: false, message: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code}` };
  }
  if (!create) return { ok: false, message: `no master secret yet (${path}); run wg-compose render first` };
  const secret = new Uint8Array(randomBytes(32));
  return { ok: true, secret, create: { path, content: `${Buffer.from(secret).toString('base64')}\n` }, source: path, warnings: [] };
}

/** Reads the imported key with this public key, never through a symlink; undefined when absent. */
/** The epoch record (src/state/epochs.ts): empty when there is none, 'invalid' when it is not one. */
export function readEpochRecord(projectDir: string, project: string): EpochRecord | 'invalid' {
  const read = readRegularFile(epochsPath(projectDir, project), 'the epoch record');
  if (!read) return EMPTY_RECORD;
  return parseEpochRecord(read.text) ?? 'invalid';
}

export function readImportedKey(
  projectDir: string,
  project: string,
  service: string,
  publicKey: string,
): { text: string; path: string; loose: boolean } | undefined {
  const path = importedKeyPath(projectDir, project, service, publicKey);
  const read = readRegularFile(path, 'an imported key');
  return read && { text: read.text, path, loose: (read.mode & 0o077) !== 0 };
}
