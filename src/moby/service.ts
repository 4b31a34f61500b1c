// One compose service as a LinuxKit `services:` entry. LinuxKit runs OCI containers straight
// from containerd, without compose's engine features, so each compose attribute is either
// carried over (table below), handled by the WireGuard wiring (links, networks, the hosts
// file), or reported as not supported at its own line: never dropped silently.
import { diag, warning, type Diagnostic } from '../diagnostics.js';
import { builtImageName } from '../build/services.js';
import { isObject, keyLoc, type JsonObject } from '../load/located.js';
import type { KeyValues } from '../model/canonical/key-values.js';
import type { CanonicalService } from '../model/canonical/service.js';

/** Root of the named volumes on the node (LinuxKit's /var is where persistent disks mount). */
export const VOLUME_ROOT = '/var/lib/wg-compose/volumes';

export interface ServiceContext {
  /** The project's name: a `build:` service without `image:` runs the image built as PROJECT-NAME. */
  readonly project: string;
  readonly name: string;
  readonly svc: JsonObject;
  /** The long forms of its attributes. */
  readonly canonical: CanonicalService;
  /** /run/netns/IFACE when the service is linked; undefined = the node's root namespace. */
  readonly net: string | undefined;
  /** Network namespaces of linked services, for `network_mode: service:X`. */
  readonly netnsOf: ReadonlyMap<string, string>;
  /** The hosts file of a linked service on the node (bound over /etc/hosts). */
  readonly hostsFile: string | undefined;
  /** Top-level volumes (to refuse ones with a driver or external). */
  readonly volumes: JsonObject;
}

export interface ServiceResult {
  readonly entry: JsonObject | undefined;
  readonly mkdirs: readonly string[];
  readonly diagnostics: Diagnostic[];
}

/** Keys with nothing to carry: wg-compose or the loader dealt with them, or they only document. */
const HANDLED_ELSEWHERE = new Set(['links', 'external_links', 'networks', 'profiles', 'container_name', 'expose', 'extends']);

type Handler = (c: ServiceContext, out: JsonObject, report: (key: string, why: string) => void, extra: { mkdirs: string[] }) => void;

/** `key=value` pairs, a value-less key as undefined (environment, labels, sysctls). */
const pairs = (kv: KeyValues): [string, string | undefined][] => kv.entries.map((e) => [e.key, e.value]);

const HANDLERS: Record<string, Handler> = {
  image: (c, out) => {
    out['image'] = String(c.svc['image']);
  },
  build: (c, _out, report) => {
    if (typeof c.svc['image'] === 'string') report('build', 'LinuxKit does not build images: the image named by image: is used; `wg-compose build services` builds it under that name');
  },
  entrypoint: () => {
    // Folded into command (below): LinuxKit has one argv.
  },
  command: (c, _out, report) => {
    if (c.svc['entrypoint'] === undefined) {
      report('command', "LinuxKit's command replaces the image's entrypoint too; if the image has one, add entrypoint: so it is kept");
    }
  },
  environment: (c, out, report) => {
    const env: string[] = [];
    for (const [k, v] of pairs(c.canonical.environment)) {
      if (v === undefined) report('environment', `${k} takes its value from the engine's environment, which a LinuxKit node does not have; give it a value`);
      else env.push(`${k}=${v}`);
    }
    if (env.length) out['env'] = env;
  },
  cap_add: (c, out) => {
    const caps = (c.canonical.capAdd ?? []).map((x) => (x.toUpperCase() === 'ALL' ? 'all' : x.toUpperCase().startsWith('CAP_') ? x.toUpperCase() : `CAP_${x.toUpperCase()}`));
    if (caps.length) out['capabilities.add'] = caps;
  },
  privileged: (c, out) => {
    if (c.svc['privileged'] === true) out['capabilities'] = ['all'];
  },
  hostname: (c, out) => {
    out['hostname'] = String(c.svc['hostname']);
  },
  working_dir: (c, out) => {
    out['cwd'] = String(c.svc['working_dir']);
  },
  read_only: (c, out) => {
    out['readonly'] = c.svc['read_only'] === true;
  },
  user: (c, out, report) => {
    const m = /^(\d+)(?::(\d+))?$/.exec(String(c.svc['user']));
    if (!m) {
      report('user', 'LinuxKit takes numeric ids (uid[:gid]) here, not names from the image');
      return;
    }
    out['uid'] = Number(m[1]);
    if (m[2] !== undefined) out['gid'] = Number(m[2]);
  },
  sysctls: (c, out) => {
    const s: JsonObject = {};
    for (const [k, v] of pairs(c.canonical.sysctls)) s[k] = v ?? '';
    out['sysctl'] = s;
  },
  labels: (c, out) => {
    const a: JsonObject = {};
    for (const [k, v] of pairs(c.canonical.labels)) a[k] = v ?? '';
    out['annotations'] = a;
  },
  tmpfs: (c, out) => {
    out['tmpfs'] = [...listAt(out, 'tmpfs'), ...(c.canonical.tmpfs ?? [])];
  },
  network_mode: (c, out, report) => {
    const mode = String(c.svc['network_mode']);
    if (mode === 'host') return; // the node's root namespace, LinuxKit's default
    if (mode === 'none') {
      out['net'] = 'new';
      return;
    }
    const target = mode.startsWith('service:') ? c.netnsOf.get(mode.slice('service:'.length)) : undefined;
    if (target) out['net'] = target;
    else report('network_mode', `network_mode ${mode} has no equivalent on a LinuxKit node (only host, none, and service: of a linked service)`);
  },
  volumes: (c, out, report, extra) => {
    const binds = listAt(out, 'binds.add');
    const tmpfs = listAt(out, 'tmpfs');
    for (const m of c.canonical.volumes) {
      if (m.type === 'tmpfs' && m.target) {
        tmpfs.push(m.target);
        continue;
      }
      if (m.type !== 'volume' || !m.source || !m.target) {
        report('volumes', m.type === 'bind' || (m.source && /^[./~]/.test(m.source))
          ? `the host path ${m.source ?? ''} does not exist on a LinuxKit node; put the files in the image (files:) and bind them`
          : `anonymous or ${m.type} volume ${m.target ?? ''} has no equivalent on a LinuxKit node; name it`);
        continue;
      }
      const def = c.volumes[m.source];
      if (isObject(def) && (def['driver'] !== undefined || def['driver_opts'] !== undefined || def['external'] !== undefined)) {
        report('volumes', `volume ${m.source} uses a driver or is external; LinuxKit has plain directories only (${VOLUME_ROOT}/${m.source})`);
        continue;
      }
      const dir = `${VOLUME_ROOT}/${m.source}`;
      extra.mkdirs.push(dir);
      binds.push(`${dir}:${m.target}${m.readOnly ? ':ro' : ''}`);
    }
    if (binds.length) out['binds.add'] = binds;
    if (tmpfs.length) out['tmpfs'] = tmpfs;
  },
  extra_hosts: () => {
    // Written into the service's hosts file with its link names (see spec.ts).
  },
  ports: (_c, _out, report) => report('ports', 'there is no port publishing on a single LinuxKit node: services in their own namespace are reached through their links only'),
  depends_on: (c, _out, report) => {
    const conditions = c.canonical.dependsOn.some((d) => d.condition !== 'service_started');
    report('depends_on', `LinuxKit starts all services together, after every onboot container (so every tunnel) is up${conditions ? '; health conditions are not waited for' : ''}`);
  },
  healthcheck: (_c, _out, report) => report('healthcheck', 'LinuxKit does not run health checks'),
  restart: (c, _out, report) => {
    if (c.svc['restart'] !== 'no') report('restart', 'LinuxKit does not restart services that exit');
  },
};

/** A list the entry being built already has under `key` (tmpfs, binds.add), copied; [] when none yet. */
const listAt = (out: JsonObject, key: string): string[] => {
  const have = out[key];
  return Array.isArray(have) ? have.map(String) : [];
};

export function serviceEntry(c: ServiceContext): ServiceResult {
  const diagnostics: Diagnostic[] = [];
  const report = (key: string, why: string) =>
    diagnostics.push(warning('WGC070', `services.${c.name}.${key}: ${why}`, keyLoc(c.svc, key)));
  let image = c.svc['image'];
  if (typeof image !== 'string') {
    // Only build: (the schema wants one of the two): the image compose would build and name.
    image = builtImageName(c.project, c.name);
    diagnostics.push(
      diag(
        'WGC071',
        'note',
        `services.${c.name} has only build:, so the LinuxKit image runs ${image}, the image compose names it`,
        keyLoc(c.svc, 'build') ?? undefined,
        'build it first with `wg-compose build services`; `linuxkit build --docker` takes it from the local docker engine',
      ),
    );
  }
  const out: JsonObject = { name: c.name, image };
  const extra = { mkdirs: [] as string[] };
  for (const key of Object.keys(c.svc)) {
    if (key.startsWith('x-') || HANDLED_ELSEWHERE.has(key)) continue;
    const h = HANDLERS[key];
    if (h) h(c, out, report, extra);
    else report(key, 'not carried into the LinuxKit output');
  }
  const { entrypoint, command } = c.canonical;
  if (entrypoint || command) out['command'] = [...(entrypoint ?? []), ...(command ?? [])];
  if (c.net && out['net'] === undefined) out['net'] = c.net;
  if (c.hostsFile) {
    out['binds.add'] = [`${c.hostsFile}:/etc/hosts:ro`, ...listAt(out, 'binds.add')];
  }
  if (extra.mkdirs.length) out['runtime'] = { mkdir: [...new Set(extra.mkdirs)] };
  return { entry: out, mkdirs: extra.mkdirs, diagnostics };
}
