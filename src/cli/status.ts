// `wg-compose status`: is every link up? One look at every running sidecar of the project, one
// row per link direction, exit 0 when every direction is up and 1 otherwise, so it serves as a
// health probe; --watch looks again every 2 s until Ctrl-C.
// - On one host: which sidecars run, from the engine's list of the project's containers (one
//   request to its API where the socket is known, src/engine/api.ts; else `ps` and `inspect`);
//   then each one's status file (templates/sidecar.sh writes it every 10 s into the service's
//   directory of the state directory, bind-mounted); and an `exec` of the same probe only in
//   a sidecar whose file is missing or old, or shows a link not up (asking pings the peer,
//   which may settle it).
// - On a swarm: a one-shot job on every node (status-swarm.ts).
// It reads the state `render` wrote (the topology: who should be peers with whom) and writes nothing.
import { join, resolve } from 'node:path';
import type { ProjectOptions } from '../load/project-options.js';
import { ROLE_LABEL, SERVICE_LABEL } from '../sidecar-contract.js';
import { apiSocket, listByLabel } from '../engine/api.js';
import { COMPOSE_PROJECT_LABEL, detectRuntime, execIn, projectContainers, type Runtime } from '../engine/runtime.js';
import { readRegularFile } from '../state/files.js';
import { serviceStatusDir } from '../state/paths.js';
import { fromStatusFile, linkRows, needsAsking, parseProbe, PROBE, statusJson, statusTable, type SidecarSeen } from '../status/links.js';
import type { Topology } from '../topology/topology.js';
import { findDocker } from './docker-cli.js';
import { say } from './engine.js';
import { lookSwarm } from './status-swarm.js';
import { EXIT, type CliIO } from './io.js';
import { prepare } from './prepare.js';

export interface StatusOptions {
  readonly project: ProjectOptions;
  readonly json: boolean;
  readonly watch: boolean;
  /** --engine: only which CLI (docker or podman) asks the engine follows from it. */
  readonly engine: string | undefined;
  /** compose: the project `up` runs on one host; swarm: the stack `deploy` runs. */
  readonly target: 'compose' | 'swarm';
}

const WATCH_MS = 2000;

export async function runStatus(io: CliIO, o: StatusOptions): Promise<number> {
  const p = await prepare(io, { ...o.project, target: o.target }, false);
  if (typeof p === 'number') return p;
  const { topology } = p.compiled;
  const { settings } = p.analysis;
  let look: () => Promise<Map<string, SidecarSeen> | number>;
  if (o.target === 'swarm') {
    const cli = findDocker(io);
    if (!cli) return EXIT.external;
    look = () => lookSwarm(io, cli, topology, settings);
  } else {
    const engine = (o.engine ?? io.env['WG_COMPOSE_ENGINE'] ?? '').split(/\s+/).filter(Boolean);
    const rt = detectRuntime(engine, io.env, io.cwd);
    if (!rt) {
      say(io, { code: 'WGC115', severity: 'error', message: 'no docker or podman CLI on PATH to ask the engine with', hint: 'status asks the engine that runs the stack (wg-compose up) for its sidecars' });
      return EXIT.external;
    }
    const dir = p.analysis.project.projectDir;
    const file = (service: string): string => join(serviceStatusDir(resolve(io.cwd, dir), topology.project, service), settings.iface);
    look = () => lookCompose(rt, topology, settings.iface, file);
  }
  const once = async (): Promise<{ text: string; code: number }> => {
    const seen = topology.nodes.size === 0 ? new Map<string, SidecarSeen>() : await look();
    if (typeof seen === 'number') return { text: '', code: seen };
    const rows = linkRows(topology, seen);
    const json = statusJson(topology.project, o.target, rows);
    return { text: o.json ? `${JSON.stringify(json, null, 2)}\n` : statusTable(topology.project, rows), code: json.up ? EXIT.ok : EXIT.input };
  };
  if (!o.watch) {
    const r = await once();
    io.stdout(r.text);
    return r.code;
  }
  return watch(io, once);
}

/**
 * Every linked service's sidecar: not there, stopped, running without its interface, or up with
 * what its interface says. `statusFile` names a service's status file on this host.
 */
export async function lookCompose(rt: Runtime, topology: Topology, iface: string, statusFile: (service: string) => string): Promise<Map<string, SidecarSeen>> {
  const sidecars = new Map<string, { id: string; name: string; status: string }>();
  const socket = apiSocket(rt);
  const listed = socket === undefined ? undefined : await listByLabel(socket, COMPOSE_PROJECT_LABEL, topology.project);
  for (const c of listed ?? (await projectContainers(rt, topology.project))) {
    const service = c.labels[SERVICE_LABEL];
    if (c.labels[ROLE_LABEL] === 'sidecar' && service !== undefined && topology.nodes.has(service)) sidecars.set(service, c);
  }
  const seen = new Map<string, SidecarSeen>();
  const ask = new Set<string>();
  const now = Math.floor(Date.now() / 1000);
  for (const service of topology.nodes.keys()) {
    const c = sidecars.get(service);
    if (!c) seen.set(service, { kind: 'none' });
    else if (c.status !== 'running') seen.set(service, { kind: 'stopped', container: c.name, status: c.status });
    else {
      const text = readStatusFile(statusFile(service));
      const fresh = text === undefined ? undefined : fromStatusFile(text, now);
      if (fresh) seen.set(service, { kind: 'up', container: c.name, iface: fresh });
      else ask.add(service);
    }
  }
  for (const s of needsAsking(linkRows(topology, seen))) ask.add(s);
  await Promise.all(
    [...ask].map(async (service) => {
      const c = sidecars.get(service)!;
      const out = await execIn(rt, c.id, ['sh', '-c', PROBE, 'sh', iface]);
      const parsed = out === undefined ? undefined : parseProbe(out);
      seen.set(service, parsed ? { kind: 'up', container: c.name, iface: parsed } : { kind: 'interface-down', container: c.name });
    }),
  );
  return seen;
}

/** The text of a status file, or undefined: missing, a symbolic link, not a regular file, too large. */
function readStatusFile(path: string): string | undefined {
  try {
    return readRegularFile(path, 'a sidecar status file', 64 * 1024)?.text;
  } catch {
    return undefined;
  }
}

/**
 * Looks again every WATCH_MS until Ctrl-C (exit 130). On a terminal each look replaces the
 * last (the screen is cleared); otherwise the looks follow each other, a blank line between.
 */
async function watch(io: CliIO, once: () => Promise<{ text: string }>): Promise<number> {
  let stop = false;
  let wake: () => void = () => {};
  const on = () => {
    stop = true;
    wake();
  };
  process.once('SIGINT', on);
  process.once('SIGTERM', on);
  try {
    for (let first = true; !stop; first = false) {
      const { text } = await once();
      if (stop) break;
      io.stdout(io.stdoutIsTTY ? `\x1b[H\x1b[2J${new Date().toLocaleTimeString()}  (every ${WATCH_MS / 1000} s; Ctrl-C ends)\n${text}` : `${first ? '' : '\n'}${text}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, WATCH_MS);
      });
    }
  } finally {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  }
  return 130;
}
