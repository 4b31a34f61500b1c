// `wg-compose build [kernel|init|all]`: stage each image's build context, name it by its
// content hash, and hand it to a real builder unless an image by that name exists already.
// `wg-compose build services`: the project's `build:` services, named as `moby` runs them.
// Progress (the builder's own output) goes to stderr; stdout gets the image references built
// or found, one per line, or with --dry-run the exact commands a real run would execute.
import { lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { goArch, parseBuilder, planBuild, probeSaysExists, type Argv, type Builder } from '../build/builders.js';
import { shellQuote } from '../system/shell-quote.js';
import {
  IMAGE_KINDS,
  IMAGE_REPOSITORIES,
  contextHash,
  readContext,
  shortHash,
  stageContext,
  type ImageKind,
} from '../build/context.js';
import { detectBuilder } from '../build/detect.js';
import { error } from '../diagnostics.js';
import type { ProjectOptions } from '../load/project-options.js';
import { planServiceBuild, serviceBuilds } from '../build/services.js';
import { EXIT, type CliIO } from './io.js';
import { report } from './report.js';

export type BuildTarget = ImageKind | 'all' | 'services';

export interface BuildOptions {
  readonly target: BuildTarget;
  /** --builder: a kind (docker, podman, buildah, linuxkit) or a path to one. */
  readonly builder: string | undefined;
  readonly dryRun: boolean;
  /** --build-arg KEY=VALUE pairs, in the order given (a later one wins). */
  readonly buildArgs: readonly (readonly [string, string])[];
  /** For `services`: the compose project whose `build:` services are built. */
  readonly project?: ProjectOptions;
}

/** Where contexts are staged: one directory per kind and hash, so a plan names it exactly. */
export const stagingRoot = (env: CliIO['env']): string => join(env['TMPDIR'] || tmpdir(), 'wg-compose-build');

export async function runBuild(io: CliIO, o: BuildOptions): Promise<number> {
  const buildArgs = new Map(o.buildArgs);

  const named = o.builder ?? (io.env['WG_COMPOSE_BUILDER'] || undefined);
  if (named !== undefined && !parseBuilder(named)) {
    report(io, [error('WGC082', `unknown builder ${JSON.stringify(named)}: docker, podman, buildah or linuxkit, or a path to one`)]);
    return EXIT.usage;
  }
  const detected = await detectBuilder(named, io.env, o.dryRun);
  if (!detected.ok) {
    const hint = detected.named
      ? 'name one of docker, podman, buildah, linuxkit (or a path to one) with --builder or WG_COMPOSE_BUILDER'
      : 'install podman or buildah (apt-get install podman), start a docker daemon, or name a builder with --builder';
    report(io, [error('WGC080', `no image builder found: tried ${detected.tried.join(', ')}`, undefined, hint)]);
    return EXIT.external;
  }
  const builder = detected.builder;
  if (o.target === 'services') return buildServices(io, o.project ?? EMPTY_PROJECT, builder, buildArgs, o.dryRun);
  const root = stagingRoot(io.env);
  if (!ensureStagingRoot(io, root)) return EXIT.external;

  const kinds = o.target === 'all' ? IMAGE_KINDS : [o.target];
  for (const kind of kinds) {
    const code = await buildOne(io, kind, builder, buildArgs, root, o.dryRun);
    if (code !== EXIT.ok) return code;
  }
  return EXIT.ok;
}

async function buildOne(io: CliIO, kind: ImageKind, builder: Builder, buildArgs: Map<string, string>, root: string, dryRun: boolean): Promise<number> {
  const ctx = readContext(kind);
  const tag = shortHash(contextHash(ctx.files, buildArgs));
  const repository = IMAGE_REPOSITORIES[kind];
  const hashTag = `${repository}:${tag}`;
  const dir = join(root, `${kind}-${tag}`);
  // Staged in a dry run too: the directory a plan names is there to read.
  stageContext(dir, ctx.files);
  const plan = planBuild({ builder, dir, repository, tag, buildArgs, arch: goArch(process.arch) });

  if (dryRun) {
    io.stdout(`# ${kind}: ${ctx.sources.join(' + ')} staged in ${dir} (${ctx.files.length} files), context hash ${tag}\n`);
    io.stdout(`# not rebuilt when this finds ${hashTag}: ${shellQuote(plan.exists)}\n`);
    if (plan.argFile) {
      io.stdout(`# written first, ${plan.argFile.path}:\n`);
      for (const line of plan.argFile.content.split('\n').filter(Boolean)) io.stdout(`#   ${line}\n`);
    }
    io.stdout(`${shellQuote(plan.build)}\n`);
    return EXIT.ok;
  }

  const probe = await execa(plan.exists[0], plan.exists.slice(1), { env: io.env, extendEnv: false, reject: false, stdin: 'ignore' });
  if (probeSaysExists(builder.kind, probe.exitCode ?? 1, String(probe.stdout ?? ''), hashTag)) {
    // Keep `latest` on what this context builds (another variant may have been built since).
    if (plan.retag) await execa(plan.retag[0], plan.retag.slice(1), { env: io.env, extendEnv: false, reject: false, stdin: 'ignore' });
    io.stderr(`wg-compose: ${kind}: ${hashTag} is up to date, not rebuilt (its context is unchanged)\n`);
    io.stdout(`${hashTag}\n`);
    return EXIT.ok;
  }

  if (plan.argFile) writeFileSync(plan.argFile.path, plan.argFile.content, { mode: 0o644 });
  io.stderr(`wg-compose: ${kind}: building ${hashTag} with ${builder.kind} from ${ctx.sources.join(' + ')}\n`);
  io.stderr(`+ ${shellQuote(plan.build)}\n`);
  const started = Date.now();
  const result = await stream(io, plan.build);
  if (result.code !== 0) {
    const last = result.lastLines.filter((l) => l.trim() !== '').pop();
    const message = `${builder.kind} failed building ${hashTag}${result.code === undefined ? '' : ` (exit ${result.code})`}${last ? `: ${last.trim()}` : ''}`;
    report(io, [error('WGC081', message, undefined, `the builder's output is above; the staged context is ${dir}`)]);
    return EXIT.external;
  }
  io.stderr(`wg-compose: ${kind}: built ${hashTag} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  io.stdout(`${hashTag}\n`);
  return EXIT.ok;
}

const EMPTY_PROJECT: ProjectOptions = { files: [], stdin: undefined, projectName: undefined, projectDirectory: undefined, envFiles: [], profiles: [] };

/**
 * `build services`: each `build:` service's image, under the name the LinuxKit spec (`moby`)
 * and compose give it, with the build's own context, Dockerfile, args and target.
 */
async function buildServices(io: CliIO, project: ProjectOptions, builder: Builder, extra: Map<string, string>, dryRun: boolean): Promise<number> {
  if (builder.kind === 'linuxkit') {
    report(io, [error('WGC084', 'linuxkit builds packages (a build.yml), not the images of compose services', undefined, 'build them with docker: `linuxkit build --docker` takes images from the local docker engine')]);
    return EXIT.usage;
  }
  const { analyzeProject } = await import('./prepare.js');
  const analysis = analyzeProject(io, project);
  if (typeof analysis === 'number') return analysis;
  const { name, model, disabled, projectDir } = analysis.project;
  const builds = serviceBuilds(name, model, disabled, projectDir);
  if (builds.length === 0) {
    io.stderr(`wg-compose: project ${name} has no service with build:; nothing to build\n`);
    return EXIT.ok;
  }
  for (const b of builds) {
    const argv = planServiceBuild(builder, b, extra)!;
    const skipped = b.ignored.length ? ` (not passed on: build.${b.ignored.join(', build.')})` : '';
    if (dryRun) {
      io.stdout(`# ${b.service}: ${b.image}${skipped}\n${shellQuote(argv)}\n`);
      continue;
    }
    io.stderr(`wg-compose: ${b.service}: building ${b.image} with ${builder.kind}${skipped}\n+ ${shellQuote(argv)}\n`);
    const started = Date.now();
    const result = await stream(io, argv);
    if (result.code !== 0) {
      const last = result.lastLines.filter((l) => l.trim() !== '').pop();
      report(io, [error('WGC081', `${builder.kind} failed building ${b.image} for ${b.service}${result.code === undefined ? '' : ` (exit ${result.code})`}${last ? `: ${last.trim()}` : ''}`, undefined, "the builder's output is above")]);
      return EXIT.external;
    }
    io.stderr(`wg-compose: ${b.service}: built ${b.image} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    io.stdout(`${b.image}\n`);
  }
  return EXIT.ok;
}

/** Runs a builder with both its streams copied to our stderr as they come; keeps the last lines of its stderr. */
async function stream(io: CliIO, argv: Argv): Promise<{ code: number | undefined; lastLines: string[] }> {
  const sub = execa(argv[0], argv.slice(1), { env: io.env, extendEnv: false, reject: false, stdin: 'ignore', buffer: false });
  let tail = '';
  sub.stdout?.on('data', (d: Buffer) => io.stderr(d.toString()));
  sub.stderr?.on('data', (d: Buffer) => {
    const s = d.toString();
    io.stderr(s);
    tail = (tail + s).slice(-4000);
  });
  const r = await sub;
  if (r.failed && r.exitCode === undefined) tail += `\n${r.shortMessage ?? r.message}`;
  return { code: r.failed ? r.exitCode : 0, lastLines: tail.split('\n') };
}

/** The staging directory is ours: a directory, not a link someone else put there. */
function ensureStagingRoot(io: CliIO, root: string): boolean {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const st = lstatSync(root);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    report(io, [error('WGC083', `${root} is not a directory of this user's; refusing to stage build contexts there`, undefined, 'remove it, or set TMPDIR to a directory of your own')]);
    return false;
  }
  return true;
}
