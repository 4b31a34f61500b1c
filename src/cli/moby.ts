// `wg-compose moby`: the project as a LinuxKit image spec on stdout (src/moby/spec.ts says
// how). It keeps state like `render` (same keys, same lockfile) and writes the WireGuard
// configs as LinuxKit user data into the state directory, never into the spec, unless
// --embed-keys is given.
import { join, relative } from 'node:path';
import { contextHash, IMAGE_REPOSITORIES, readContext, shortHash } from '../build/context.js';
import type { ProjectOptions } from '../load/project-options.js';
import { STOCK } from '../moby/images.js';
import { renderMoby, type MobyImages } from '../moby/spec.js';
import { ensurePrivateDir, writeFileAtomic } from '../state/atomic.js';
import { serializeLockfile } from '../state/lockfile.js';
import { configDir, stateDir } from '../state/store.js';
import { buildTopology } from '../topology/topology.js';
import { validateMobySpec } from '../validate/moby.js';
import { EXIT, type CliIO } from './io.js';
import { prepare } from './prepare.js';
import { report } from './report.js';

export interface MobyOptions {
  readonly embedKeys: boolean;
  /** LinuxKit's own kernel and linuxkit/ip instead of the images `wg-compose build` makes. */
  readonly stock: boolean;
  readonly kernelImage: string | undefined;
  readonly toolsImage: string | undefined;
  /** --dry-run, accepted here for the plan/apply change, which makes it print the plan. */
  readonly dryRun?: boolean;
}

export const USERDATA_FILE = 'linuxkit-userdata.json';

/** The image `wg-compose build KIND` would tag for the context as shipped (no build args). */
export function builtImage(kind: 'kernel' | 'init'): string {
  return `${IMAGE_REPOSITORIES[kind]}:${shortHash(contextHash(readContext(kind).files, new Map()))}`;
}

export function runMoby(io: CliIO, opts: ProjectOptions, o: MobyOptions): number {
  const p = prepare(io, opts, true);
  if (typeof p === 'number') return p;
  const { analysis, compiled } = p;
  const project = analysis.project;

  // The secrets: the same keys `render` used (the master's, and any imported ones), from the
  // same lockfile.
  const { topology, secrets } = buildTopology(project.name, analysis.view, analysis.linked, analysis.settings, p.previousLock, p.keys);

  const userSetImage = typeof analysis.view.settings?.['image'] === 'string';
  const images: MobyImages = o.stock
    ? { kernel: o.kernelImage ?? STOCK.kernel, tools: o.toolsImage ?? STOCK.ip, stockTools: o.toolsImage === undefined }
    : {
        kernel: o.kernelImage ?? builtImage('kernel'),
        tools: o.toolsImage ?? (userSetImage ? analysis.settings.image : builtImage('init')),
        stockTools: false,
      };

  const userdataAbs = join(configDir(project.projectDir, project.name), USERDATA_FILE);
  const userdataRel = relative(io.cwd, userdataAbs) || userdataAbs;
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

  const diagnostics = [...out.diagnostics];
  if (o.embedKeys && topology.nodes.size > 0) {
    diagnostics.push({
      code: 'WGC072',
      severity: 'warning',
      message: `--embed-keys: the private keys and preshared keys of ${topology.nodes.size} service(s) are in the spec on stdout (files:) and in every image built from it`,
      hint: 'keep the file and the images secret, or drop --embed-keys and boot with the user-data file instead',
    });
  }
  if (report(io, diagnostics)) return EXIT.input;

  // State before output, as `render` does: the lockfile, then the user data (0600).
  if (compiled.topology.nodes.size > 0 || p.lockExisted) writeFileAtomic(p.lockPath, serializeLockfile(compiled.lock), 0o644);
  if (out.userdata) {
    ensurePrivateDir(stateDir(project.projectDir));
    ensurePrivateDir(configDir(project.projectDir, project.name));
    writeFileAtomic(userdataAbs, out.userdata, 0o600);
    io.stderr(`wg-compose: WireGuard keys for the node are LinuxKit user data in ${userdataRel} (mode 0600): boot with linuxkit run … --data-file ${userdataRel}\n`);
  }
  if (topology.nodes.size === 0) io.stderr('wg-compose: no links in this project; the node runs the services without WireGuard\n');
  io.stdout(out.yaml);
  return EXIT.ok;
}
