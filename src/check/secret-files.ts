// Secret files on disk: the master secret and the wg-quick files in the state directory hold
// every private key of a project. Each must be readable by its owner only (0600), and none may
// be a symbolic link (render refuses to write through one; a link can point anywhere).
import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';
import { stateDir } from '../state/paths.js';

const at = (file: string) => ({ file, line: 1, col: 1 });
const modeText = (st: Stats) => (st.mode & 0o777).toString(8).padStart(3, '0');

function lstat(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function checkFile(path: string, st: Stats, ds: Diagnostic[]): void {
  if (st.isSymbolicLink()) {
    ds.push(error('WGC067', `${path} is a symbolic link; wg-compose refuses to use or write secrets through one`, at(path), 'replace it with a regular file (mode 0600)'));
  } else if (st.isFile() && (st.mode & 0o077) !== 0) {
    ds.push(error('WGC066', `${path} holds private keys and is readable by others (mode ${modeText(st)})`, at(path), `chmod 600 ${path}`));
  }
}

/**
 * How deep below the state directory secrets lie: master.key at 0, PROJECT/*.conf at 1,
 * PROJECT/imported/*.key (wg-compose import) at 2.
 */
const SECRET_DEPTH = 2;

/**
 * The state directory of each project directory (its master secret, every project's wg-quick
 * files and imported private keys), and the master secret named by WG_COMPOSE_MASTER_KEY_FILE.
 */
export function checkSecretFiles(projectDirs: readonly string[], masterFile: string | undefined): Diagnostic[] {
  const ds: Diagnostic[] = [];
  for (const dir of [...new Set(projectDirs)].sort()) {
    const state = stateDir(dir);
    const st = lstat(state);
    if (!st) continue;
    if (st.isSymbolicLink()) {
      ds.push(error('WGC067', `the state directory ${state} is a symbolic link; wg-compose refuses to use it`, at(state), 'replace it with a directory (mode 0700)'));
      continue;
    }
    if (!st.isDirectory()) continue;
    const walk = (d: string, depth: number): void => {
      let names: string[];
      try {
        names = readdirSync(d).sort();
      } catch {
        return;
      }
      for (const name of names) {
        const p = join(d, name);
        const s = lstat(p);
        if (!s) continue;
        if (s.isDirectory()) {
          if (depth < SECRET_DEPTH) walk(p, depth + 1);
        } else checkFile(p, s, ds);
      }
    };
    walk(state, 0);
  }
  if (masterFile) {
    // The user may point at a link (into a secrets mount, say): judge what it points to.
    try {
      const st = statSync(masterFile);
      if (st.isFile() && (st.mode & 0o077) !== 0) {
        ds.push(error('WGC066', `the master secret ${masterFile} (WG_COMPOSE_MASTER_KEY_FILE) is readable by others (mode ${modeText(st)})`, at(masterFile), `chmod 600 ${masterFile}`));
      }
    } catch {
      // A missing file is render's business; check reads no secret.
    }
  }
  return ds;
}
