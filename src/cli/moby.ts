// `wg-compose moby`: the project as a LinuxKit image spec on stdout (src/moby/spec.ts says
// how). It keeps state like `render` (same keys, lockfile and configs, through the same plan)
// and writes the WireGuard configs as LinuxKit user data into the state directory, never into
// the spec, unless --embed-keys is given.
import { relative } from 'node:path';
import { contextHash, IMAGE_REPOSITORIES, readContext, shortHash } from '../build/context.js';
import type { Diagnostic } from '../diagnostics.js';
import type { ProjectOptions } from '../load/project-options.js';
import { STOCK } from '../moby/images.js';
import { renderMoby, type MobyImages } from '../moby/spec.js';
import type { Analysis } from '../pipeline.js';
import { extendPlan } from '../plan/plan.js';
import { userdataPath } from '../state/paths.js';
import { validateMobySpec } from '../validate/moby.js';
import { EXIT, type CliIO, type WriteOptions } from './io.js';
import { analyzeProject } from './prepare.js';
import { produce } from './produce.js';
import { report } from './report.js';

export interface MobyOptions {
  readonly embedKeys: boolean;
  /** LinuxKit's own kernel and linuxkit/ip instead of the images `wg-compose build` makes. */
  readonly stock: boolean;
  readonly kernelImage: string | undefined;
  readonly toolsImage: string | undefined;
  readonly dryRun?: boolean;
}

/** The image `wg-compose build KIND` would tag for the context as shipped (no build args). */
export function builtImage(kind: 'kernel' | 'init'): string {
  return `${IMAGE_REPOSITORIES[kind]}:${shortHash(contextHash(readContext(kind).files, new Map()))}`;
}

export async function runMoby(io: CliIO, opts: ProjectOptions, o: MobyOptions): Promise<number> {
  const analysis = analyzeProject(io, opts);
  if (typeof analysis === 'number') return analysis;
  const project = analysis.project;
  const userdataAbs = userdataPath(project.projectDir, project.name);
  const userdataRel = relative(io.cwd, userdataAbs) || userdataAbs;
  const images = mobyImages(analysis, o);
  const made: { out?: ReturnType<typeof renderMoby> } = {};

  // The same state as `render` (same keys, lockfile and configs), under the same lock and in
  // the same commit order, plus the user data: the spec is made before the plan, since the
  // user data is part of what gets written.
  const done = await produce(
    io,
    analysis,
    {
      command: 'moby',
      createState: true,
      dryRun: o.dryRun === true,
      extend: (p, plan) => {
        const { topology, secrets } = p.compiled;
        const out = renderMoby({
          project: project.name,
          model: project.model,
          disabled: project.disabled,
          topology,
          secrets,
          images,
          embedKeys: o.embedKeys,
          sources: project.files.map((f) => relative(project.projectDir, f) || f),
          userdataPath: relative(project.projectDir, userdataAbs),
        });
        const invalid = validateMobySpec(out.spec);
        if (invalid.length > 0) throw new Error(`the LinuxKit spec fails LinuxKit's schema: ${invalid.join('; ')}`);
        if (report(io, [...out.diagnostics, ...embedWarning(o, topology.nodes.size)])) return EXIT.input;
        made.out = out;
        return out.userdata ? extendPlan(plan, { files: [{ path: userdataAbs, content: out.userdata, mode: 0o600, what: 'LinuxKit user data (the WireGuard configs of the node)' }] }) : plan;
      },
    },
    ({ p }) => {
      const out = made.out!;
      if (out.userdata) io.stderr(`wg-compose: WireGuard keys for the node are LinuxKit user data in ${userdataRel} (mode 0600): boot with linuxkit run … --data-file ${userdataRel}\n`);
      if (p.compiled.topology.nodes.size === 0) io.stderr('wg-compose: no links in this project; the node runs the services without WireGuard\n');
      io.stdout(out.yaml);
      return EXIT.ok;
    },
  );
  return typeof done === 'number' ? done : EXIT.ok;
}

function mobyImages(analysis: Analysis, o: MobyOptions): MobyImages {
  const userSetImage = typeof analysis.view.settings?.['image'] === 'string';
  return o.stock
    ? { kernel: o.kernelImage ?? STOCK.kernel, tools: o.toolsImage ?? STOCK.ip, stockTools: o.toolsImage === undefined }
    : {
        kernel: o.kernelImage ?? builtImage('kernel'),
        tools: o.toolsImage ?? (userSetImage ? analysis.settings.image : builtImage('init')),
        stockTools: false,
      };
}

function embedWarning(o: MobyOptions, nodes: number): Diagnostic[] {
  if (!o.embedKeys || nodes === 0) return [];
  return [
    {
      code: 'WGC072',
      severity: 'warning',
      message: `--embed-keys: the private keys and preshared keys of ${nodes} service(s) are in the spec on stdout (files:) and in every image built from it`,
      hint: 'keep the file and the images secret, or drop --embed-keys and boot with the user-data file instead',
    },
  ];
}
