// The canonical step (as compose-go's transform.Canonical): every attribute that compose
// accepts in a short and a long form is turned into its long form once, here, with source
// positions, right after schema validation. Every later stage reads these shapes; none
// branches on "list or mapping" again. The raw service stays beside them, untouched, because
// the rendered stack writes the user's own text back (see withHosts, partitionKeys).
import type { JsonObject } from '../../load/located.js';
import { argvOf } from './argv.js';
import { dependsOnOf, type Dependency } from './depends-on.js';
import { extraHostsOf, type ExtraHosts } from './extra-hosts.js';
import { keyValuesOf, type KeyValues } from './key-values.js';
import { mountsOf, type Mount } from './mounts.js';
import { networksOf, type NetworkAttachment } from './networks.js';

export interface CanonicalService {
  readonly dependsOn: readonly Dependency[];
  /** At least `default` when the service names no network (and no network_mode says otherwise). */
  readonly networks: readonly NetworkAttachment[];
  readonly extraHosts: ExtraHosts;
  readonly volumes: readonly Mount[];
  readonly tmpfs: readonly string[] | undefined;
  readonly command: readonly string[] | undefined;
  readonly entrypoint: readonly string[] | undefined;
  readonly capAdd: readonly string[] | undefined;
  readonly environment: KeyValues;
  readonly labels: KeyValues;
  readonly sysctls: KeyValues;
}

/** The long forms of one validated service. */
export function canonicalService(svc: JsonObject): CanonicalService {
  return {
    dependsOn: dependsOnOf(svc['depends_on']),
    networks: networksOf(svc['networks']),
    extraHosts: extraHostsOf(svc['extra_hosts']),
    volumes: mountsOf(svc['volumes']),
    tmpfs: argvOf(svc['tmpfs']),
    command: argvOf(svc['command']),
    entrypoint: argvOf(svc['entrypoint']),
    capAdd: argvOf(svc['cap_add']),
    environment: keyValuesOf(svc['environment']),
    labels: keyValuesOf(svc['labels']),
    sysctls: keyValuesOf(svc['sysctls']),
  };
}
