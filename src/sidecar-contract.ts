// What the rendered stack and `up`'s watcher (src/engine/watch.ts) must agree on: the file the
// sidecar touches once its interface is configured, and the labels that name a sidecar and its
// service. templates/sidecar.yml.hbs gets these as template data (@readyFile, @roleLabel,
// @serviceLabel), so the values live here only; templates/sidecar.sh, a shell script, defaults
// to the same ready file, which a test compares.

/** Touched by templates/sidecar.sh once `wg-quick up` has configured addresses and routes; the healthcheck tests it too. */
export const READY_FILE = '/run/wg-compose.ready';
/** `namespace` or `sidecar`: which of the two generated containers this is. */
export const ROLE_LABEL = 'dev.wg-compose.role';
/** The service a namespace owner or sidecar belongs to. */
export const SERVICE_LABEL = 'dev.wg-compose.service';

/** The template data the stack template reads (`{{json @readyFile}}`). */
export const SIDECAR_CONTRACT = { readyFile: READY_FILE, roleLabel: ROLE_LABEL, serviceLabel: SERVICE_LABEL } as const;
