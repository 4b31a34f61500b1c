// What the rendered stack and `up`'s watcher (src/engine/watch.ts) must agree on: the file the
// sidecar touches once its interface is configured, and the labels that name a sidecar and its
// service. templates/sidecar.yml.hbs gets these as template data (@readyFile, @roleLabel,
// @serviceLabel), so the values live here only; templates/sidecar.sh, a shell script, defaults
// to the same ready file, which a test compares.

/** Touched by templates/sidecar.sh once `wg-quick up` has configured addresses and routes; the healthcheck tests it too. */
export const READY_FILE = '/run/wg-compose.ready';
/**
 * Where a compose sidecar writes its status file (templates/sidecar.sh, WG_COMPOSE_STATUS): the
 * stack bind-mounts the service's directory of the state directory here (statusPathInStack),
 * and `status` reads the files there instead of asking each sidecar through the engine.
 */
export const STATUS_MOUNT = '/run/wg-compose/status';
/** `namespace` or `sidecar`: which of the two generated containers this is. */
export const ROLE_LABEL = 'dev.wg-compose.role';
/** The service a namespace owner or sidecar belongs to. */
export const SERVICE_LABEL = 'dev.wg-compose.service';

/** Swarm (templates/swarm-agent.sh reads these): the stack's project, on every container wg-compose labels there. */
export const PROJECT_LABEL = 'dev.wg-compose.project';
/**
 * Swarm: on a task that needs a sidecar (role `task`), the name of the swarm secret target
 * holding its wg-quick file. The agent finds that secret's file on the node by this name.
 */
export const SECRET_LABEL = 'dev.wg-compose.secret';

/**
 * Swarm: on a task, its peers (services, space-separated). The agent hands the task's sidecar
 * their public keys, which its secret does not hold (src/render/wg-quick.ts).
 */
export const PEERS_LABEL = 'dev.wg-compose.peers';

/**
 * Swarm: on the node agent, every linked service's public key and tunnel addresses, a line
 * each (`SERVICE KEY ADDRESS…`; src/render/swarm.ts keyTable). Public, as in the lockfile.
 */
export const KEYS_LABEL = 'dev.wg-compose.public-keys';

/** The template data the stack template reads (`{{json @readyFile}}`). */
export const SIDECAR_CONTRACT = { readyFile: READY_FILE, statusMount: STATUS_MOUNT, roleLabel: ROLE_LABEL, serviceLabel: SERVICE_LABEL, projectLabel: PROJECT_LABEL, secretLabel: SECRET_LABEL, keysLabel: KEYS_LABEL } as const;
