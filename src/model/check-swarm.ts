// What a stack for Docker Swarm (`render --target swarm`, `deploy`) cannot keep, reported at
// the user's line before anything is written: attributes the stack file format does not have
// (left out of the rendered stack), and attributes `docker stack deploy` accepts but swarm
// ignores (kept, as docker/cli keeps them, but the user should know they do nothing there).
import { warning, type Diagnostic } from '../diagnostics.js';
import { keyLoc } from '../load/located.js';
import type { ModelView } from './model.js';

/**
 * Service attributes of the compose file format 3.8 (docker/cli's config_schema_v3.8.json),
 * the only ones `docker stack deploy` accepts; `x-` keys are allowed too.
 */
export const SWARM_KEYS: ReadonlySet<string> = new Set([
  'build', 'cap_add', 'cap_drop', 'cgroup_parent', 'command', 'configs', 'container_name', 'credential_spec', 'depends_on', 'deploy', 'devices', 'dns',
  'dns_search', 'domainname', 'entrypoint', 'env_file', 'environment', 'expose', 'external_links', 'extra_hosts', 'healthcheck', 'hostname', 'image', 'init',
  'ipc', 'isolation', 'labels', 'links', 'logging', 'mac_address', 'network_mode', 'networks', 'pid', 'ports', 'privileged', 'read_only', 'restart',
  'secrets', 'security_opt', 'shm_size', 'stdin_open', 'stop_grace_period', 'stop_signal', 'sysctls', 'tmpfs', 'tty', 'ulimits', 'user', 'userns_mode',
  'volumes', 'working_dir',
]);

/**
 * Attributes swarm ignores (docker/cli's stack loader names them "unsupported" and deploys
 * without them), with what to do instead. `links` is not here: wg-compose carries it.
 */
const IGNORED: Readonly<Record<string, string>> = {
  build: 'swarm runs images only: build and load the image on every node (no registry is needed with --resolve-image never)',
  container_name: 'swarm names the tasks itself',
  depends_on: 'swarm starts services in no order; tunnels come up as their peers appear',
  devices: 'swarm does not pass devices',
  network_mode: 'swarm attaches services to networks only',
  privileged: 'swarm runs no privileged task',
  restart: 'use deploy.restart_policy',
  cgroup_parent: 'swarm sets the cgroup itself',
  security_opt: 'swarm does not apply security_opt',
  userns_mode: 'swarm does not apply userns_mode',
};

export function checkSwarm(view: ModelView): Diagnostic[] {
  const ds: Diagnostic[] = [];
  for (const s of view.services.values()) {
    // Replica slots repeat their service's attributes: report them once, on the service.
    const slot = view.slots.get(s.name);
    if (slot && slot.service !== s.name) continue;
    for (const key of Object.keys(s.raw)) {
      // scale becomes deploy.replicas; links become tunnels; profiles were applied already.
      if (key === 'scale' || key === 'links' || key === 'profiles' || key.startsWith('x-')) continue;
      const pos = keyLoc(s.raw, key);
      if (!SWARM_KEYS.has(key)) {
        ds.push(warning('WGC110', `"${key}" of service "${s.name}" is not in the stack file format docker stack deploy reads (3.8): it is left out`, pos, 'remove it, or render for one host'));
      } else if (Object.hasOwn(IGNORED, key)) {
        ds.push(warning('WGC111', `"${key}" of service "${s.name}" is ignored by swarm: ${IGNORED[key]}`, pos));
      }
    }
  }
  return ds;
}
