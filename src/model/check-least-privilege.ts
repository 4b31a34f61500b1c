// Least privilege inside the stack: what a compose file could do to reach past the tunnels
// wg-compose makes, reported at the user's line.
// - A service that names a secret wg-compose generates for a sidecar (`api-wg-conf`) would get
//   that service's private key mounted: only the sidecar that owns it may use it.
// - A user secret whose file is under a state directory (`.wg-compose/`) hands key material to
//   whatever mounts it.
// - An `extra_hosts` entry for a link name (in any case: host names are not case-sensitive)
//   would shadow the tunnel address the link name must resolve to.
import { error, type Diagnostic } from '../diagnostics.js';
import { isObject, itemLoc, keyLoc, valueLoc } from '../load/located.js';
import { STATE_DIR } from '../state/paths.js';
import type { ModelView } from './model.js';
import { secretName } from './names.js';
import { slotName } from './replicas.js';

export function checkLeastPrivilege(view: ModelView, linked: readonly string[]): Diagnostic[] {
  const ds: Diagnostic[] = [];
  // Every secret wg-compose will generate, replica slots included, and whose it is.
  const generated = new Map<string, string>();
  for (const name of linked) {
    const count = view.services.get(name)?.replicas?.count ?? 1;
    for (let slot = 1; slot <= Math.max(1, count); slot++) generated.set(secretName(slotName(name, slot)), name);
  }
  for (const s of view.services.values()) {
    const refs = s.raw['secrets'];
    if (Array.isArray(refs)) {
      refs.forEach((r, i) => {
        const source = typeof r === 'string' ? r : isObject(r) && typeof r['source'] === 'string' ? r['source'] : undefined;
        const owner = source === undefined ? undefined : generated.get(source);
        if (owner === undefined) return;
        ds.push(
          error('WGC054', `service "${s.name}" uses the secret "${source}", which wg-compose generates for the WireGuard sidecar of "${owner}": it holds that service's private key`, itemLoc(refs, i), 'only the sidecar may mount it; remove the reference'),
        );
      });
    }
    const names = new Set(s.links.map((l) => l.name.toLowerCase()));
    if (names.size === 0) continue;
    for (const e of s.canonical.extraHosts.entries) {
      if (names.has(e.host.toLowerCase())) {
        ds.push(error('WGC056', `extra_hosts entry "${e.host}" in service "${s.name}" shadows the link name "${e.host.toLowerCase()}", which must resolve to its tunnel address`, e.pos, 'remove the entry, or link under another alias'));
      }
    }
  }
  const secrets = view.model['secrets'];
  if (isObject(secrets)) {
    for (const name of Object.keys(secrets)) {
      const def = secrets[name];
      const file = isObject(def) && typeof def['file'] === 'string' ? def['file'] : undefined;
      if (file !== undefined && file.split(/[\\/]+/).includes(STATE_DIR)) {
        ds.push(error('WGC055', `secret "${name}" is a file under a ${STATE_DIR} state directory, where wg-compose keeps keys`, valueLoc(def, 'file') ?? keyLoc(secrets, name), 'keep your own secrets outside the state directory'));
      }
    }
  }
  return ds;
}
