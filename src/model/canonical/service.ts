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

/** How each long form is made from the service as written. */
const MAKERS: { readonly [K in keyof CanonicalService]: (svc: JsonObject) => CanonicalService[K] } = {
  dependsOn: (svc) => dependsOnOf(svc['depends_on']),
  networks: (svc) => networksOf(svc['networks']),
  extraHosts: (svc) => extraHostsOf(svc['extra_hosts']),
  volumes: (svc) => mountsOf(svc['volumes']),
  tmpfs: (svc) => argvOf(svc['tmpfs']),
  command: (svc) => argvOf(svc['command']),
  entrypoint: (svc) => argvOf(svc['entrypoint']),
  capAdd: (svc) => argvOf(svc['cap_add']),
  environment: (svc) => keyValuesOf(svc['environment']),
  labels: (svc) => keyValuesOf(svc['labels']),
  sysctls: (svc) => keyValuesOf(svc['sysctls']),
};

/**
 * The long forms of one validated service, each made when first read and then kept (as a
 * property of its own, over the prototype's getter). The analysis holds a view of every
 * service for the whole run and most stages read two or three of these, so making them all
 * up front kept tens of thousands nobody reads in a 10,000-service project (bench/scale.mjs).
 */
export function canonicalService(svc: JsonObject): CanonicalService {
  return new LazyCanonical(svc) as unknown as CanonicalService;
}

class LazyCanonical {
  constructor(readonly svc: JsonObject) {}
}
for (const key of Object.keys(MAKERS) as (keyof CanonicalService)[]) {
  Object.defineProperty(LazyCanonical.prototype, key, {
    get(this: LazyCanonical) {
      const value = MAKERS[key](this.svc);
      Object.defineProperty(this, key, { value, enumerable: true });
      return value;
    },
  });
}
