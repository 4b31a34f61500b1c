// A compose engine, emulated with network namespaces, running a rendered stack's WireGuard
// part exactly as the stack says. Everything is read from the stack itself:
//
//   networks   one bridge per network a namespace owner (`NAME-wgns`) is on, in an "underlay"
//              namespace of its own; each linked service gets a namespace with one veth per
//              network (eth0, eth1, … in the owner's order) and an address from a test subnet.
//   names      /etc/hosts inside the service (`ip netns exec` bind-mounts /etc/netns/NS/hosts)
//              holds what an engine gives NAME: the owner's `extra_hosts` as the engine writes
//              them, then what the engine's DNS would answer there (service names and network
//              aliases of every namespace owner on a network they share). glibc asks files
//              before DNS and stops at the first hit, so a DNS name already given by
//              extra_hosts is left out, as the DNS would never be asked for it. nsswitch.conf
//              says `hosts: files`: a name the engine does not know fails at once as
//              "not found", as the engine's NXDOMAIN does (not "try again"), and no DNS
//              query ever leaves the test namespaces.
//   sidecar    `NAME-wg`'s entrypoint + command (compose's `$$` escaping undone) with its
//              `environment`, in the namespace, after what the engine does for a container: a
//              /run of its own (a tmpfs in the private mount namespace `ip netns exec` creates,
//              so `/var/run/wireguard/wg0.sock`, the ready file and the secrets are per service
//              and every interface keeps the stack's name, wg0) and each compose secret
//              bind-mounted read-only at its target. Ready is the stack's own healthcheck, run
//              inside the sidecar's namespaces.
//
// Deviations, none of which a tunnel depends on: services that are not linked (and the
// application containers, which only join the owner's namespace) are not run; external links
// and the engine's container names are not emulated; subnets are the tier's own (172.31.K.0/24),
// not the stack's IPAM; endpoint names that only the user's DNS knows (`x-wireguard` `host` or
// `endpoint`) are resolved as that DNS would, to the service's address on a shared network.
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { isObject, type Json, type JsonObject } from '../../src/load/located.js';
import { PREFIX, addNetns, must, pool, readLog, removeDir, removeNetns, run, sleep, spawnIn, tempDir, writeNetnsEtc, type Result } from './netns.js';

/** A linked service as the stack describes its namespace owner and sidecar. */
export interface LinkedService {
  readonly name: string;
  /** The namespace owner's service name (`NAME-wgns`). */
  readonly owner: string;
  readonly networks: readonly { readonly name: string; readonly aliases: readonly string[] }[];
  readonly extraHosts: readonly { readonly name: string; readonly address: string }[];
  /** The sidecar's entrypoint followed by its command. */
  readonly argv: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  /** Compose secrets: the host file and the absolute path it is mounted at. */
  readonly secrets: readonly { readonly file: string; readonly target: string }[];
  /** Bind-mounted directories (the status directory): the host directory and where it is mounted, read-write. */
  readonly volumes: readonly { readonly source: string; readonly target: string }[];
  /** The sidecar's healthcheck as a program to run inside it. */
  readonly healthcheck: readonly string[];
  readonly iface: string;
}

export interface StackView {
  readonly services: readonly LinkedService[];
  /** Networks the namespace owners are on, in first-use order. */
  readonly networks: readonly string[];
  readonly pool4: string;
  readonly pool6: string | undefined;
  /** Endpoint host names no engine provides (`x-wireguard` host/endpoint) → the service they reach. */
  readonly externalNames: ReadonlyMap<string, string>;
}

/**
 * Compose interpolates the file it reads: "$$" is a literal "$". Every "$" the renderer
 * writes is escaped, so anything else after a "$" would be a variable the stack left to the
 * user's environment: that is a rendering bug, and it stops the tier.
 */
export function composeInterpolate(v: Json, path = ''): Json {
  if (typeof v === 'string') {
    return v.replace(/\$(\$|[^$]|$)/g, (m, next: string) => {
      if (next === '$') return '$';
      throw new Error(`the stack leaves ${JSON.stringify(m)} at ${path} to compose interpolation`);
    });
  }
  if (Array.isArray(v)) return v.map((x, i) => composeInterpolate(x, `${path}[${i}]`));
  if (isObject(v)) {
    const out: JsonObject = Object.create(null) as JsonObject;
    for (const k of Object.keys(v)) out[k] = composeInterpolate(v[k]!, path ? `${path}.${k}` : k);
    return out;
  }
  return v;
}

const strings = (v: Json | undefined): string[] => (Array.isArray(v) ? v.map(String) : []);

/** Reads the WireGuard part of a rendered stack; `projectDir` is where its relative paths start. */
export function readStack(text: string, projectDir: string): StackView {
  const stack = composeInterpolate(parse(text) as Json);
  if (!isObject(stack) || !isObject(stack['services'])) throw new Error('the stack has no services');
  const services = stack['services'];
  const topSecrets = isObject(stack['secrets']) ? stack['secrets'] : {};
  const role = (s: Json | undefined, r: string): string | undefined => {
    const labels = isObject(s) && isObject(s['labels']) ? s['labels'] : undefined;
    return labels?.['dev.wg-compose.role'] === r ? String(labels['dev.wg-compose.service']) : undefined;
  };
  const linked: LinkedService[] = [];
  const networks: string[] = [];
  for (const owner of Object.keys(services)) {
    const name = role(services[owner], 'namespace');
    if (name === undefined) continue;
    const sidecarKey = Object.keys(services).find((k) => role(services[k], 'sidecar') === name);
    const o = services[owner] as JsonObject;
    const sc = sidecarKey === undefined ? undefined : services[sidecarKey];
    if (!isObject(sc)) throw new Error(`no sidecar for ${name} in the stack`);
    if (sc['network_mode'] !== `service:${owner}`) throw new Error(`${sidecarKey} does not join ${owner}'s namespace`);

    const nets = isObject(o['networks'])
      ? Object.entries(o['networks']).map(([n, cfg]) => ({ name: n, aliases: isObject(cfg) ? strings(cfg['aliases']) : [] }))
      : strings(o['networks']).map((n) => ({ name: n, aliases: [] }));
    if (nets.length === 0) nets.push({ name: 'default', aliases: [] });
    for (const n of nets) if (!networks.includes(n.name)) networks.push(n.name);

    const environment: Record<string, string> = {};
    const env = sc['environment'];
    if (isObject(env)) for (const [k, v] of Object.entries(env)) environment[k] = v === null ? '' : String(v);
    else for (const e of strings(env)) environment[e.split('=')[0]!] = e.slice(e.indexOf('=') + 1);

    const entrypoint = sc['entrypoint'];
    const command = sc['command'];
    if (!Array.isArray(entrypoint) || !Array.isArray(command)) throw new Error(`${sidecarKey}: the tier runs the exec form of entrypoint and command only`);

    const secrets = (Array.isArray(sc['secrets']) ? sc['secrets'] : []).map((s) => {
      const source = isObject(s) ? String(s['source']) : String(s);
      const target = isObject(s) && s['target'] !== undefined ? String(s['target']) : source;
      const def = topSecrets[source];
      if (!isObject(def) || typeof def['file'] !== 'string') throw new Error(`secret ${source} of ${sidecarKey} has no file`);
      // compose: a relative target is under /run/secrets.
      return { file: join(projectDir, def['file']), target: target.startsWith('/') ? target : `/run/secrets/${target}` };
    });

    // Bind mounts (short syntax, SOURCE:TARGET[:MODE]), relative to the project directory as compose resolves them.
    const volumes = strings(sc['volumes']).map((v) => {
      const [source, target] = v.split(':') as [string, string | undefined];
      if (target === undefined || !/^[./]/.test(source)) throw new Error(`${sidecarKey}: the tier runs bind mounts SOURCE:TARGET only, not ${JSON.stringify(v)}`);
      return { source: resolve(projectDir, source), target };
    });

    const test = isObject(sc['healthcheck']) ? strings(sc['healthcheck']['test']) : [];
    const healthcheck = test[0] === 'CMD' ? test.slice(1) : test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : [];
    if (healthcheck.length === 0) throw new Error(`${sidecarKey} has no healthcheck: nothing says when its tunnel is up`);

    linked.push({
      name,
      owner,
      networks: nets,
      extraHosts: extraHosts(o['extra_hosts']),
      argv: [...entrypoint.map(String), ...command.map(String)],
      environment,
      secrets,
      volumes,
      healthcheck,
      iface: environment['WG_COMPOSE_INTERFACE'] ?? 'wg0',
    });
  }
  const wg = isObject(stack['x-wireguard']) ? stack['x-wireguard'] : {};
  return {
    services: linked,
    networks,
    pool4: String(wg['pool']),
    pool6: typeof wg['pool6'] === 'string' ? wg['pool6'] : undefined,
    externalNames: externalNames(wg, linked),
  };
}

/** compose's extra_hosts: `NAME:ADDR` (split at the first ":"), `NAME=ADDR`, or a map. */
function extraHosts(v: Json | undefined): { name: string; address: string }[] {
  const unbracket = (a: string): string => a.replace(/^\[(.*)\]$/, '$1');
  if (isObject(v)) return Object.entries(v).flatMap(([name, a]) => (Array.isArray(a) ? a : [a]).map((x) => ({ name, address: unbracket(String(x)) })));
  return strings(v).map((e) => {
    const at = e.includes('=') ? e.indexOf('=') : e.indexOf(':');
    return { name: e.slice(0, at), address: unbracket(e.slice(at + 1)) };
  });
}

/** Endpoint hosts in the stack's public topology that are neither an owner's name nor an alias. */
function externalNames(wg: JsonObject, linked: readonly LinkedService[]): Map<string, string> {
  const known = new Set(linked.flatMap((s) => [s.owner, ...s.networks.flatMap((n) => n.aliases)]));
  const out = new Map<string, string>();
  const topology = isObject(wg['topology']) ? wg['topology'] : {};
  for (const node of Object.values(topology)) {
    const peers = isObject(node) && isObject(node['peers']) ? node['peers'] : {};
    for (const [other, p] of Object.entries(peers)) {
      const host = isObject(p) ? String(p['endpoint']).replace(/:\d+$/, '') : '';
      if (host && !known.has(host) && !/^[\d.]+$|^\[/.test(host)) out.set(host, other);
    }
  }
  return out;
}

/** The underlay address of service `i` on network `k`: 172.31.K.(i+2)/24, only inside our namespaces. */
const underlayAddress = (k: number, host: number): string => {
  if (k > 255 || host > 254) throw new Error('too many networks or services for the tier subnets');
  return `172.31.${k}.${host}`;
};

/**
 * The hosts file an engine gives `self`: its extra_hosts, then its DNS view (names on shared
 * networks, first network first), then names only the user's DNS knows. `addressOf` gives a
 * running owner's address on a network, undefined when it is not running (no DNS entry).
 */
export function hostsFile(view: StackView, self: LinkedService, addressOf: (s: LinkedService, network: string) => string | undefined): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', '# extra_hosts, as the engine writes them'];
  const named = new Set<string>(['localhost']);
  for (const h of self.extraHosts) {
    lines.push(`${h.address}\t${h.name}`);
    named.add(h.name);
  }
  lines.push("# the engine's DNS (emulated): names on networks this service shares");
  const add = (name: string, address: string): void => {
    if (named.has(name)) return;
    named.add(name);
    lines.push(`${address}\t${name}`);
  };
  for (const net of self.networks) {
    for (const other of view.services) {
      const on = other.networks.find((n) => n.name === net.name);
      const address = on && addressOf(other, net.name);
      if (!on || !address) continue;
      for (const name of [other.owner, ...on.aliases]) add(name, address);
    }
  }
  lines.push("# endpoint names only the user's DNS knows (x-wireguard host/endpoint), emulated");
  for (const [host, target] of view.externalNames) {
    const other = view.services.find((s) => s.name === target);
    const net = other && self.networks.find((n) => other.networks.some((o) => o.name === n.name));
    const address = other && net && addressOf(other, net.name);
    if (address) add(host, address);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * What the engine does before it runs a container's command: a /run of the container's own,
 * and each secret bind-mounted read-only at its target. Arguments: FILE TARGET… -- ARGV…
 */
const CONTAINER_SETUP = `set -eu
mount -t tmpfs -o mode=0755,nosuid,nodev wgct-run /run
while [ "$1" != -- ]; do
  if [ "$1" = dir ]; then
    mkdir -p "$3"
    mount --bind "$2" "$3"
  else
    mkdir -p "$(dirname "$3")"
    : > "$3"
    mount --bind "$2" "$3"
    mount -o remount,bind,ro "$3"
  fi
  shift 3
done
shift
exec "$@"`;

/** Names come from the hosts file only (the engine's DNS is emulated there). */
const NSSWITCH = 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n';

/** The PATH an engine gives a container whose image sets none (docker's default). */
const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Running {
  readonly service: LinkedService;
  readonly netns: string;
  /** Underlay address per network; changes when `moveAddress` moves it. */
  readonly addresses: Map<string, string>;
  /** The sidecar's process: it holds the private /run, where `wg` finds the interface's socket. */
  pid: number;
  exited: () => boolean;
  readonly log: string;
  started: boolean;
}

export interface DeployOptions {
  /** Environment for every sidecar on top of the stack's (e.g. WG_COMPOSE_RERESOLVE). */
  readonly env?: Readonly<Record<string, string>>;
  /** Services whose namespace owner has not started yet: no namespace, no DNS name. */
  readonly defer?: readonly string[];
  readonly readyTimeoutMs?: number;
}

export interface PeerState {
  readonly handshake: number;
  readonly rx: number;
  readonly tx: number;
  readonly endpoint: string;
}

export class Deployment {
  readonly running = new Map<string, Running>();
  private readonly underlay: string;
  private readonly logs: string;
  private readonly id: string;

  private constructor(
    readonly view: StackView,
    private readonly opts: DeployOptions,
  ) {
    this.id = (deployments++).toString(36);
    this.underlay = `${PREFIX}${this.id}-underlay`;
    this.logs = tempDir(`logs${this.id}`);
  }

  /** Creates the underlay and every service's namespace, starts every sidecar and waits until each is healthy. */
  static async up(view: StackView, opts: DeployOptions = {}): Promise<Deployment> {
    const d = new Deployment(view, opts);
    try {
      await addNetns(d.underlay);
      for (const [k] of view.networks.entries()) {
        await must('ip', ['-n', d.underlay, 'link', 'add', `br${k}`, 'type', 'bridge']);
        await must('ip', ['-n', d.underlay, 'link', 'set', `br${k}`, 'up']);
      }
      view.services.forEach((s, i) => {
        const ns = `${PREFIX}${d.id}-${i}-${s.name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 24)}`;
        const addresses = new Map(s.networks.map((n) => [n.name, underlayAddress(view.networks.indexOf(n.name), i + 2)]));
        d.running.set(s.name, { service: s, netns: ns, addresses, pid: 0, exited: () => true, log: join(d.logs, `${i}.log`), started: false });
      });
      const first = [...d.running.values()].filter((r) => !opts.defer?.includes(r.service.name));
      // An engine starts every namespace owner (no dependencies) before any sidecar (each
      // depends on its owner through network_mode), so every name resolves when sidecars start.
      await pool(first, 8, (r) => d.createNamespace(r));
      d.writeHosts();
      await pool(first, 8, (r) => d.startSidecar(r));
      await Promise.all(first.map((r) => d.waitHealthy(r)));
      return d;
    } catch (e) {
      await d.down();
      throw e;
    }
  }

  /** Starts a service deferred at `up`: its namespace owner (and DNS names), then its sidecar. */
  async start(name: string): Promise<void> {
    const r = this.get(name);
    await this.createNamespace(r);
    this.writeHosts();
    await this.startSidecar(r);
    await this.waitHealthy(r);
  }

  get(name: string): Running {
    const r = this.running.get(name);
    if (!r) throw new Error(`no linked service ${name} in the stack`);
    return r;
  }

  /** Runs a program in the service's namespace, seeing the service's /etc/hosts. */
  exec(name: string, argv: readonly string[], timeoutMs = 60_000): Promise<Result> {
    return run('ip', ['netns', 'exec', this.get(name).netns, ...argv], { timeoutMs });
  }

  /** Runs `wg ARGS` where the sidecar runs it: its network and its mount namespace (its /run). */
  async wg(name: string, args: readonly string[]): Promise<string> {
    const r = this.get(name);
    if (r.exited()) throw new Error(`the sidecar of ${name} has exited; its output:\n${tail(readLog(r.log))}`);
    return must('nsenter', ['-t', String(r.pid), '-m', '-n', 'wg', ...args]);
  }

  /** Per peer public key: latest handshake (s since epoch, 0 = never), bytes received and sent, endpoint. */
  async peers(name: string): Promise<Map<string, PeerState>> {
    const iface = this.get(name).service.iface;
    const [hs, tr, ep] = await Promise.all(['latest-handshakes', 'transfer', 'endpoints'].map((what) => this.wg(name, ['show', iface, what])));
    const rows = (text: string): string[][] => text.split('\n').filter(Boolean).map((l) => l.split('\t'));
    const out = new Map<string, PeerState>();
    const endpoints = new Map(rows(ep!).map(([k, e]) => [k!, e ?? '']));
    const transfer = new Map(rows(tr!).map(([k, rx, tx]) => [k!, [Number(rx), Number(tx)] as const]));
    for (const [key, h] of rows(hs!)) {
      const [rx, tx] = transfer.get(key!) ?? [0, 0];
      out.set(key!, { handshake: Number(h), rx, tx, endpoint: endpoints.get(key!) ?? '' });
    }
    return out;
  }

  /** Packets through the service's WireGuard interface, as the kernel counts them (rx: delivered by WireGuard). */
  async interfaceCounters(name: string): Promise<{ rx: number; tx: number }> {
    const r = this.get(name);
    const json = JSON.parse(await must('ip', ['-n', r.netns, '-j', '-s', 'link', 'show', 'dev', r.service.iface])) as {
      stats64: { rx: { packets: number }; tx: { packets: number } };
    }[];
    const s = json[0]!.stats64;
    return { rx: s.rx.packets, tx: s.tx.packets };
  }

  /**
   * Gives the service's namespace a new address on `network` and drops the old one, as when
   * its container restarts and the engine hands out another address, and updates what every
   * service's DNS answers for its names. Returns the new address.
   */
  async moveAddress(name: string, network: string): Promise<{ from: string; to: string }> {
    const r = this.get(name);
    const from = r.addresses.get(network);
    const k = r.service.networks.findIndex((n) => n.name === network);
    if (from === undefined || k < 0) throw new Error(`${name} is not on network ${network}`);
    const to = underlayAddress(this.view.networks.indexOf(network), 254 - [...this.running.keys()].indexOf(name));
    // Old one first: deleting a subnet's primary address also deletes the secondaries
    // (promote_secondaries is off), which a new address in the same subnet would be.
    await must('ip', ['-n', r.netns, 'addr', 'del', `${from}/24`, 'dev', `eth${k}`]);
    await must('ip', ['-n', r.netns, 'addr', 'add', `${to}/24`, 'dev', `eth${k}`]);
    const now = await must('ip', ['-n', r.netns, '-o', '-4', 'addr', 'show', 'dev', `eth${k}`]);
    if (!now.includes(` ${to}/24 `) || now.includes(` ${from}/24 `)) throw new Error(`bug: ${name} did not move ${from} → ${to}: ${now}`);
    r.addresses.set(network, to);
    this.writeHosts();
    return { from, to };
  }

  /** Stops every sidecar and removes every namespace, link, hosts file and log of this deployment. */
  async down(): Promise<void> {
    await pool([...this.running.values()], 8, (r) => removeNetns(r.netns));
    await removeNetns(this.underlay);
    removeDir(this.logs);
  }

  /** The sidecar's output so far, for failure messages. */
  logOf(name: string): string {
    return readLog(this.get(name).log);
  }

  private async createNamespace(r: Running): Promise<void> {
    await addNetns(r.netns);
    writeNetnsEtc(r.netns, 'nsswitch.conf', NSSWITCH);
    const index = [...this.running.values()].indexOf(r);
    for (const [k, net] of r.service.networks.entries()) {
      const bridge = `br${this.view.networks.indexOf(net.name)}`;
      const host = `v${index}n${k}`;
      await must('ip', ['-n', this.underlay, 'link', 'add', host, 'type', 'veth', 'peer', 'name', `eth${k}`, 'netns', r.netns]);
      await must('ip', ['-n', this.underlay, 'link', 'set', host, 'master', bridge, 'up']);
      await must('ip', ['-n', r.netns, 'addr', 'add', `${r.addresses.get(net.name)}/24`, 'dev', `eth${k}`]);
      await must('ip', ['-n', r.netns, 'link', 'set', `eth${k}`, 'up']);
    }
    r.started = true;
  }

  private writeHosts(): void {
    const addressOf = (s: LinkedService, network: string): string | undefined => {
      const r = this.running.get(s.name);
      return r?.started ? r.addresses.get(network) : undefined;
    };
    for (const r of this.running.values()) if (r.started) writeNetnsEtc(r.netns, 'hosts', hostsFile(this.view, r.service, addressOf));
  }

  private async startSidecar(r: Running): Promise<void> {
    for (const s of r.service.secrets) if (!s.target.startsWith('/run/')) throw new Error(`secret target ${s.target} outside /run: the tier mounts only a private /run`);
    const env: NodeJS.ProcessEnv = { PATH: CONTAINER_PATH, ...r.service.environment, ...this.opts.env };
    for (const v of r.service.volumes) if (!v.target.startsWith('/run/')) throw new Error(`volume target ${v.target} outside /run: the tier mounts only a private /run`);
    const mounts = [...r.service.secrets.flatMap((s) => ['file', s.file, s.target]), ...r.service.volumes.flatMap((v) => ['dir', v.source, v.target])];
    const p = spawnIn(r.netns, ['/bin/sh', '-c', CONTAINER_SETUP, 'wgct-engine', ...mounts, '--', ...r.service.argv], env, r.log);
    r.pid = p.pid;
    r.exited = p.exited;
  }

  private async waitHealthy(r: Running): Promise<void> {
    const timeout = this.opts.readyTimeoutMs ?? 20_000;
    const t0 = Date.now();
    for (;;) {
      if (r.exited()) throw new Error(`the sidecar of ${r.service.name} exited before it was healthy; its output:\n${tail(readLog(r.log))}`);
      const h = await run('nsenter', ['-t', String(r.pid), '-m', '-n', ...r.service.healthcheck]);
      if (h.code === 0) return;
      if (Date.now() - t0 > timeout) {
        throw new Error(
          `the sidecar of ${r.service.name} (namespace ${r.netns}) is not healthy after ${timeout / 1000} s: ` +
            `\`${r.service.healthcheck.join(' ')}\` still fails; its output:\n${tail(readLog(r.log))}`,
        );
      }
      await sleep(100);
    }
  }
}

let deployments = 0;

const tail = (text: string, lines = 25): string => text.split('\n').slice(-lines).join('\n');
