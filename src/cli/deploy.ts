// `wg-compose deploy` and `wg-compose rm`: a project on the Docker Swarm of the current docker
// context (or DOCKER_HOST), with the docker CLI. deploy renders for swarm (the state as
// `render --target swarm` writes it, and the stack in .wg-compose/PROJECT/swarm/stack.yml),
// runs `docker stack deploy`, waits until every tunnel of every task is up, and removes the
// secrets of earlier deploys that no task uses any more. rm removes the stack and its secrets;
// the keys stay, as with `down`.
import { isAbsolute, join, resolve } from 'node:path';
import type { ProjectOptions } from '../load/project-options.js';
import { extendPlan } from '../plan/plan.js';
import { configDirFor, STACK_FILE, stateDir } from '../state/paths.js';
import { AGENT_SERVICE, swarmSecretOf } from '../render/swarm.js';
import { PROJECT_LABEL } from '../sidecar-contract.js';
import { assessSwarm, describeState, isTaskOf, parseStatus, parseTasks, progressLine, type ServiceState } from '../swarm/status.js';
import { shellQuote } from '../system/shell-quote.js';
import type { Topology } from '../topology/topology.js';
import { docker, failed, findDocker } from './docker-cli.js';
import { say } from './engine.js';
import { EXIT, type CliIO } from './io.js';
import { analyzeProject } from './prepare.js';
import { produce } from './produce.js';
import { stageKeys } from './stage-keys.js';

export interface DeployOptions {
  readonly project: ProjectOptions;
  readonly dryRun: boolean;
  /** Seconds to wait for every tunnel, from the end of `docker stack deploy`. */
  readonly timeout: number;
}

/** How often the stack's tasks and the agents' status are looked at while waiting. */
const POLL_MS = 2000;

export async function runDeploy(io: CliIO, o: DeployOptions): Promise<number> {
  const analysis = analyzeProject(io, { ...o.project, target: 'swarm' });
  if (typeof analysis === 'number') return analysis;
  const cli = o.dryRun ? 'docker' : findDocker(io);
  if (!cli) return EXIT.external;
  const { name } = analysis.project;
  const dir = absolute(io, analysis.project.projectDir);
  const stackFile = join(configDirFor(dir, name, 'swarm'), STACK_FILE);
  // The stack goes in on stdin, so that its secret files (relative to the project directory,
  // as in `render` output) resolve from there: docker resolves them from a file's directory.
  const deployArgs = ['stack', 'deploy', '--resolve-image', 'never', '--prune', '-c', '-', name];
  const done = await produce(io, analysis, {
    command: 'deploy',
    createState: true,
    dryRun: o.dryRun,
    extend: (p, plan) => extendPlan(plan, { files: [{ path: stackFile, content: p.compiled.stack, mode: 0o600, what: 'the stack docker stack deploy runs' }], commands: [[cli, ...deployArgs]] }),
    dryRunNote: () =>
      `# with the stack on stdin (${shellQuote([cli, ...deployArgs])} < ${stackFile}), from ${dir}\n` +
      (analysis.linked.length > 0 ? `# then waits up to ${o.timeout} s for the tunnels of: ${[...analysis.linked].sort().join(', ')}\n` : ''),
  });
  if (typeof done === 'number') return done;
  const { compiled } = done.p;

  await stageKeys(io, cli, name, compiled.topology, Math.min(o.timeout, 60));
  const replaced = await replacedTasks(io, cli, name, compiled.topology);
  io.stderr(`+ ${shellQuote([cli, ...deployArgs])} < ${stackFile}\n`);
  const r = await docker(io, cli, deployArgs, { input: compiled.stack, cwd: dir });
  io.stderr(r.stdout + r.stderr);
  if (r.code !== 0) return failed(io, deployArgs, r);
  if (compiled.topology.nodes.size === 0) return EXIT.ok;

  // The agents repeat a settled sidecar's status only every 60 s (WG_COMPOSE_HEARTBEAT): a task
  // this deploy left alone may have said it last that long ago. The last line about a task is
  // its current state; the tasks this deploy replaces do not count, even while still running.
  const since = new Date(Date.now() - 90_000).toISOString();
  const ready = await waitForTunnels(io, cli, name, compiled.topology, since, o.timeout, replaced);
  if (ready !== EXIT.ok) return ready;
  await pruneSecrets(io, cli, name, compiled.topology);
  return EXIT.ok;
}

/**
 * The running tasks of the services whose secret this deploy changes (a new key, a new peer):
 * swarm replaces them, but right after `docker stack deploy` they may still run, and their
 * tunnels' last status must not pass for the new tasks'.
 */
async function replacedTasks(io: CliIO, cli: string, project: string, topology: Topology): Promise<Set<string>> {
  const [secrets, ps] = await Promise.all([
    projectSecrets(io, cli, project),
    docker(io, cli, ['stack', 'ps', project, '--no-trunc', '--filter', 'desired-state=running', '--format', '{{json .}}']),
  ]);
  const existing = new Set(secrets.stdout.split('\n'));
  const changed = [...currentSecrets(project, topology)].filter(([, secret]) => !existing.has(secret)).map(([service]) => service);
  return new Set(parseTasks(ps.stdout).filter((t) => changed.some((s) => isTaskOf(project, s, t))).map((t) => t.id));
}

/** The project's secrets in the swarm, a name a line. */
const projectSecrets = (io: CliIO, cli: string, project: string) =>
  docker(io, cli, ['secret', 'ls', '--filter', `label=${PROJECT_LABEL}=${project}`, '--format', '{{.Name}}']);

/** Service → the name of the secret this deploy gives it. */
const currentSecrets = (project: string, topology: Topology): Map<string, string> =>
  new Map([...topology.nodes.values()].map((n) => [n.name, swarmSecretOf(project, n, topology)]));

async function waitForTunnels(io: CliIO, cli: string, project: string, topology: Topology, since: string, timeout: number, replaced: ReadonlySet<string>): Promise<number> {
  const started = Date.now();
  let last = '';
  let states = new Map<string, ServiceState>();
  for (;;) {
    const [ps, logs] = await Promise.all([
      docker(io, cli, ['stack', 'ps', project, '--no-trunc', '--format', '{{json .}}']),
      docker(io, cli, ['service', 'logs', '--no-trunc', '--since', since, `${project}_${AGENT_SERVICE}`]),
    ]);
    const tasks = parseTasks(ps.stdout).filter((t) => !replaced.has(t.id));
    states = assessSwarm(project, topology, tasks, parseStatus(logs.stdout + logs.stderr));
    const line = progressLine(states);
    if (line !== last) io.stderr(`wg-compose: ${line}\n`);
    last = line;
    if ([...states.values()].every((s) => s.kind === 'ready')) {
      io.stderr(`wg-compose: every tunnel is up (${((Date.now() - started) / 1000).toFixed(1)} s after the deploy)\n`);
      return EXIT.ok;
    }
    if (Date.now() - started > timeout * 1000) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const notReady = [...states].filter(([, s]) => s.kind !== 'ready');
  say(io, {
    code: 'WGC114',
    severity: 'error',
    message: `${notReady.length} of ${states.size} tunnel endpoints not ready after ${timeout} s:\n  ${notReady.map(([n, s]) => describeState(n, s)).join('\n  ')}`,
    hint: `docker stack ps ${project} and docker service logs ${project}_${AGENT_SERVICE} show more`,
  });
  return EXIT.external;
}

/**
 * Secrets of earlier deploys (a rotated key, a changed peer) that this deploy no longer names.
 * One that a task still uses (an update still rolling) stays: the next deploy removes it.
 */
async function pruneSecrets(io: CliIO, cli: string, project: string, topology: Topology): Promise<void> {
  const current = new Set(currentSecrets(project, topology).values());
  const ls = await projectSecrets(io, cli, project);
  if (ls.code !== 0) return;
  const stale = ls.stdout.split('\n').filter((n) => n !== '' && !current.has(n) && n.startsWith(`${project}_`) && n.includes('-wg-conf-'));
  let kept = 0;
  for (const s of stale) if ((await docker(io, cli, ['secret', 'rm', s])).code !== 0) kept++;
  if (stale.length > 0) io.stderr(`wg-compose: removed ${stale.length - kept} secret(s) of earlier deploys${kept ? `; ${kept} still in use stay until the next deploy` : ''}\n`);
}

export interface RmOptions {
  readonly project: ProjectOptions;
  readonly dryRun: boolean;
  readonly timeout: number;
}

/** `docker stack rm`, then wait until its services and networks are gone, then its secrets. */
export async function runRm(io: CliIO, o: RmOptions): Promise<number> {
  const analysis = analyzeProject(io, { ...o.project, target: 'swarm' });
  if (typeof analysis === 'number') return analysis;
  const { name } = analysis.project;
  const rmArgs = ['stack', 'rm', name];
  if (o.dryRun) {
    io.stdout(`${shellQuote(['docker', ...rmArgs])}\n# then waits up to ${o.timeout} s for its services and networks to go, and removes its secrets (label ${PROJECT_LABEL}=${name})\n`);
    return EXIT.ok;
  }
  const cli = findDocker(io);
  if (!cli) return EXIT.external;
  io.stderr(`+ ${shellQuote([cli, ...rmArgs])}\n`);
  const r = await docker(io, cli, rmArgs);
  io.stderr(r.stdout + r.stderr);
  if (r.code !== 0) return failed(io, rmArgs, r);
  const started = Date.now();
  const ns = `label=com.docker.stack.namespace=${name}`;
  for (;;) {
    const [svcs, nets] = await Promise.all([docker(io, cli, ['service', 'ls', '-q', '--filter', ns]), docker(io, cli, ['network', 'ls', '-q', '--filter', ns])]);
    if (svcs.stdout.trim() === '' && nets.stdout.trim() === '') break;
    if (Date.now() - started > o.timeout * 1000) {
      say(io, { code: 'WGC113', severity: 'error', message: `stack ${name}: services or networks still there after ${o.timeout} s`, hint: `docker stack ps ${name}` });
      return EXIT.external;
    }
    await new Promise((res) => setTimeout(res, 1000));
  }
  // stack rm removes the secrets it created; these are any a failed deploy or an older one left.
  let removed = 0;
  for (;;) {
    const ls = await docker(io, cli, ['secret', 'ls', '-q', '--filter', `label=${PROJECT_LABEL}=${name}`]);
    const left = ls.stdout.split('\n').filter(Boolean);
    if (left.length === 0) break;
    for (const s of left) if ((await docker(io, cli, ['secret', 'rm', s])).code === 0) removed++;
    if (Date.now() - started > o.timeout * 1000) {
      say(io, { code: 'WGC113', severity: 'error', message: `stack ${name}: secrets still in use after ${o.timeout} s: ${left.join(', ')}` });
      return EXIT.external;
    }
    await new Promise((res) => setTimeout(res, 1000));
  }
  io.stderr(`wg-compose: stack ${name} is removed${removed ? ` (and ${removed} secret(s) it left)` : ''}; its keys stay in ${stateDir(absolute(io, analysis.project.projectDir))}/\n`);
  return EXIT.ok;
}

const absolute = (io: CliIO, d: string): string => (isAbsolute(d) ? d : resolve(io.cwd, d));
