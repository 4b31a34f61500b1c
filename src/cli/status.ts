// `wg-compose status`: is every link up? One look at every running sidecar of the project (on
// one host, through the container engine's CLI: `ps`, `inspect`, one `exec` per sidecar, all
// at once; on a swarm, through a one-shot job on every node: status-swarm.ts), one row per
// link direction. Exit 0 when every direction is up, 1 otherwise, so it
// serves as a health probe; --watch looks again every 2 s until Ctrl-C. It reads the state
// `render` wrote (for the topology: who should be peers with whom) and writes nothing.
import type { ProjectOptions } from '../load/project-options.js';
import { ROLE_LABEL, SERVICE_LABEL } from '../sidecar-contract.js';
import { detectRuntime, execIn, projectContainers, type Runtime } from '../engine/runtime.js';
import { linkRows, parseProbe, PROBE, statusJson, statusTable, type SidecarSeen } from '../status/links.js';
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
    look = () => lookCompose(rt, topology, settings.iface);
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

/** Every linked service's sidecar: not there, stopped, running without its interface, or up with what its interface says. */
export async function lookCompose(rt: Runtime, topology: Topology, iface: string): Promise<Map<string, SidecarSeen>> {
  const sidecars = new Map<string, { id: string; name: string; status: string }>();
  for (const c of await projectContainers(rt, topology.project)) {
    const service = c.labels[SERVICE_LABEL];
    if (c.labels[ROLE_LABEL] === 'sidecar' && service !== undefined && topology.nodes.has(service)) sidecars.set(service, c);
  }
  const seen = new Map<string, SidecarSeen>();
  await Promise.all(
    [...topology.nodes.keys()].map(async (service) => {
      const c = sidecars.get(service);
      if (!c) return seen.set(service, { kind: 'none' });
      if (c.status !== 'running') return seen.set(service, { kind: 'stopped', container: c.name, status: c.status });
      const out = await execIn(rt, c.id, ['sh', '-c', PROBE, 'sh', iface]);
      const parsed = out === undefined ? undefined : parseProbe(out);
      return seen.set(service, parsed ? { kind: 'up', container: c.name, iface: parsed } : { kind: 'interface-down', container: c.name });
    }),
  );
  return seen;
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
