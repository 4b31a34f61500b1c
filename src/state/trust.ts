// State another user could have made or changed is not ours to trust: a world-writable
// `.wg-compose` in which someone planted `master.key` would hand them every private key. As
// ssh refuses a `~/.ssh` that others can write, a state directory or master secret not owned
// by the current user, or writable by group or others, is refused with the fix.
import { lstatSync, statSync, type Stats } from 'node:fs';

/** Why `st` cannot be trusted as state of the current user; undefined when it can. */
export function distrust(st: Stats, checkOwner = true): string | undefined {
  const uid = process.getuid?.();
  if (checkOwner && uid !== undefined && st.uid !== uid) return `is owned by uid ${st.uid}, not by you (uid ${uid})`;
  if ((st.mode & 0o022) !== 0) return `is writable by ${(st.mode & 0o002) !== 0 ? 'others' : 'its group'} (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')})`;
  return undefined;
}

/**
 * The first of `dirs` (state directories, outermost first) that exists and cannot be trusted,
 * with why and what to do; undefined when all that exist can.
 */
export function untrustedDir(dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    let st: Stats;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    const why = st.isSymbolicLink() ? 'is a symbolic link' : distrust(st);
    if (why) return `${dir} ${why}: another user could have put keys there; if it is yours, run chmod 700 ${dir} (and chown it to yourself), else remove it`;
  }
  return undefined;
}

/** The master secret named by WG_COMPOSE_MASTER_KEY_FILE may be a link and another owner's (a mounted secret), but not writable by others. */
export function untrustedNamedMaster(path: string): string | undefined {
  try {
    const why = distrust(statSync(path), false);
    return why && `${path} ${why}: anyone who can write it chooses every key; run chmod 600 ${path}`;
  } catch {
    return undefined;
  }
}
