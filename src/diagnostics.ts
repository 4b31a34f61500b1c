// Diagnostics are data, not exceptions: every stage returns the problems it found with a
// position in the user's file, and only the CLI shell turns them into text and exit codes.

/** Where a problem is, 1-based like every editor and `file:line:col` consumer expects. */
export interface Pos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export type Severity = 'error' | 'warning' | 'note';

/**
 * The closed set of diagnostic codes. Codes are stable: tools, tests and users grep for them,
 * so a code is never reused for another meaning.
 */
export const CODES = {
  // reading and parsing
  WGC001: 'file cannot be read',
  WGC002: 'YAML syntax error',
  WGC003: 'YAML document too large, too deep or an alias bomb',
  WGC004: 'not a compose file (top level is not a mapping)',
  WGC005: 'no compose file found',
  WGC006: 'a file system operation failed',
  // interpolation and env files
  WGC010: 'required variable is not set',
  WGC011: 'invalid interpolation syntax',
  WGC012: 'variable is not set, defaulting to an empty string',
  WGC013: 'invalid env file line',
  // merge, extends, profiles
  WGC020: 'extends: file not found',
  WGC021: 'extends: service not found',
  WGC022: 'extends: cycle',
  WGC023: 'extends: a service with links cannot be extended',
  WGC024: 'service disabled by profiles is linked to',
  // validation
  WGC030: 'compose schema violation',
  WGC031: 'x-wireguard schema violation',
  WGC032: 'invalid project name',
  WGC033: 'v1 volume_driver that cannot be carried over, dropped',
  // links
  WGC040: 'link to a service that does not exist',
  WGC041: 'service links to itself',
  WGC042: 'duplicate or colliding link alias',
  WGC043: 'link impossible with this network_mode',
  WGC044: 'linked services share no network',
  WGC045: 'external_links cannot get a WireGuard pair',
  WGC046: 'generated name collides with a user-defined one',
  WGC047: 'link alias is not a valid host name',
  WGC048: 'a replicated linked service names one instance (container_name, x-wireguard address/endpoint/host)',
  WGC049: 'links form a start-order cycle',
  // addressing
  WGC050: 'address pool exhausted',
  WGC051: 'address outside the pool or in use',
  WGC052: 'listen port in use by another service',
  WGC053: 'invalid address pool',
  WGC054: 'a service uses the secret wg-compose generates for another service\'s sidecar',
  WGC055: 'a user secret file under the state directory',
  WGC056: 'an extra_hosts entry shadows a link name',
  // state
  WGC060: 'master secret missing, unreadable or unsafe',
  WGC061: 'lockfile cannot be read',
  WGC062: 'keys differ from the lockfile at the same epoch (another master secret)',
  // check: the repository around a project
  WGC063: 'lockfile out of date with the compose files',
  WGC064: 'no lockfile yet',
  WGC065: 'state directory or key file tracked by git or not ignored',
  WGC066: 'secret file readable by others',
  WGC067: 'unsafe state path: a symbolic link, not a regular file or directory, or not yours alone',
  WGC068: 'the lockfile is older than the keys this state directory made (a rollback), or the epoch record is unreadable',
  // moby: the LinuxKit image spec
  WGC070: 'compose feature not supported in the LinuxKit output',
  WGC071: 'a build-only service runs the image compose names PROJECT-SERVICE',
  WGC084: 'linuxkit cannot build a compose service',
  WGC072: 'private keys embedded in the LinuxKit image',
  // build: the image builders
  WGC080: 'no image builder found',
  WGC081: 'the image builder failed',
  WGC082: 'unknown image builder named',
  WGC083: 'build staging directory is not safe',
  // up/down: the compose engine
  WGC090: 'no compose engine found',
  WGC091: 'the compose engine failed',
  WGC092: 'tunnels not ready before the timeout',
  WGC093: 'sidecar image not present',
  WGC094: 'tunnel readiness cannot be checked',
  // key lifecycle: the state lock, rotate, import
  WGC100: 'the state is locked by another wg-compose process',
  WGC101: 'no such linked service or link to rotate or import',
  WGC102: 'imported private key is invalid or missing',
  WGC103: 'private key not given on stdin or in a file',
  // swarm: render --target swarm, deploy, rm
  WGC110: 'attribute not in the stack file format, left out of the swarm stack',
  WGC111: 'attribute ignored by swarm',
  WGC112: 'no docker CLI found',
  WGC113: 'a docker command failed (stack deploy, stack rm)',
  WGC114: 'swarm tunnels not ready before the timeout',
  WGC115: 'no container CLI to ask the engine for the sidecars',
  WGC116: 'a rotated key could not be staged with the agents before the rollout',
} as const;

export type Code = keyof typeof CODES;

export interface Diagnostic {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  /** Absent only for problems that belong to no file (e.g. no compose file at all). */
  readonly pos?: Pos;
  readonly hint?: string;
}

export function diag(
  code: Code,
  severity: Severity,
  message: string,
  pos?: Pos,
  hint?: string,
): Diagnostic {
  return { code, severity, message, ...(pos ? { pos } : {}), ...(hint ? { hint } : {}) };
}

export const error = (code: Code, message: string, pos?: Pos, hint?: string): Diagnostic =>
  diag(code, 'error', message, pos, hint);
export const warning = (code: Code, message: string, pos?: Pos, hint?: string): Diagnostic =>
  diag(code, 'warning', message, pos, hint);

export const hasErrors = (ds: readonly Diagnostic[]): boolean => ds.some((d) => d.severity === 'error');

/** Sort by file, line, column, then code: output order must not depend on stage order. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => {
    const fa = a.pos?.file ?? '';
    const fb = b.pos?.file ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    const la = a.pos?.line ?? 0;
    const lb = b.pos?.line ?? 0;
    if (la !== lb) return la - lb;
    const ca = a.pos?.col ?? 0;
    const cb = b.pos?.col ?? 0;
    if (ca !== cb) return ca - cb;
    return a.code < b.code ? -1 : a.code > b.code ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
  });
}

/** `file:line:col: severity CODE: message` — the format editors and CI annotators parse. */
export function formatDiagnostic(d: Diagnostic, relativeTo?: (file: string) => string): string {
  const where = d.pos
    ? `${relativeTo ? relativeTo(d.pos.file) : d.pos.file}:${d.pos.line}:${d.pos.col}: `
    : 'wg-compose: ';
  const hint = d.hint ? `\n  hint: ${d.hint}` : '';
  return `${where}${d.severity} ${d.code}: ${d.message}${hint}`;
}

/** Removes exact repeats (the same problem reached through two paths, e.g. an anchor). */
export function dedupe(ds: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of ds) {
    const k = `${d.code}|${d.pos?.file}|${d.pos?.line}|${d.pos?.col}|${d.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(d);
    }
  }
  return out;
}
