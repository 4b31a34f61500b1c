// The image builders `wg-compose build` can drive, and the exact commands it gives each one.
// Planning is pure (kind, context, tags → argv lists) so `--dry-run` prints what a real run
// executes, and tests check the plan without a builder.
import { basename } from 'node:path';

export type BuilderKind = 'docker' | 'podman' | 'buildah' | 'linuxkit';
export const BUILDER_KINDS: readonly BuilderKind[] = ['docker', 'podman', 'buildah', 'linuxkit'];
/** Tried in this order when none is named; linuxkit only when asked (it needs docker anyway). */
export const AUTO_ORDER: readonly BuilderKind[] = ['docker', 'podman', 'buildah'];

export interface Builder {
  readonly kind: BuilderKind;
  /** What to execute: a name found on PATH, or the path the user gave. */
  readonly command: string;
}

export type Argv = readonly [string, ...string[]];

export interface BuildPlan {
  /** Tells whether the hash tag already exists in the builder's image store (exit 0 = yes). */
  readonly exists: Argv;
  /** Builds the image and tags it with the hash tag (and `latest`, except linuxkit). */
  readonly build: Argv;
  /** Points `latest` at an image that was already built (not for linuxkit). */
  readonly retag: Argv | undefined;
  /** A file the build needs beside the context (linuxkit's --build-arg-file), if any. */
  readonly argFile: { readonly path: string; readonly content: string } | undefined;
}

export interface PlanInput {
  readonly builder: Builder;
  /** The staged context directory. */
  readonly dir: string;
  /** `localhost/wg-compose/tools`, say. */
  readonly repository: string;
  /** The 12-digit context hash: the image's tag. */
  readonly tag: string;
  readonly buildArgs: ReadonlyMap<string, string>;
  /** GOARCH of this machine, for linuxkit's --platforms. */
  readonly arch: string;
}

/**
 * A builder named by kind (`podman`) or by path (`/opt/bin/podman`): the kind is the file's
 * base name. Returns undefined for anything else.
 */
export function parseBuilder(value: string): Builder | undefined {
  const kind = basename(value) as BuilderKind;
  if (!BUILDER_KINDS.includes(kind)) return undefined;
  return { kind, command: value };
}

export function planBuild(p: PlanInput): BuildPlan {
  const hashTag = `${p.repository}:${p.tag}`;
  const latest = `${p.repository}:latest`;
  const args = [...p.buildArgs.keys()].sort().flatMap((k) => ['--build-arg', `${k}=${p.buildArgs.get(k)!}`]);
  const c = p.builder.command;
  const dockerfile = `${p.dir}/Dockerfile`;
  switch (p.builder.kind) {
    case 'docker':
      return {
        exists: [c, 'image', 'inspect', '--format', '{{.Id}}', hashTag],
        build: [c, 'build', '--tag', hashTag, '--tag', latest, ...args, '--file', dockerfile, p.dir],
        retag: [c, 'tag', hashTag, latest],
        argFile: undefined,
      };
    case 'podman':
      return {
        exists: [c, 'image', 'exists', hashTag],
        // --layers: podman caches intermediate layers like docker does (buildah's default is not to).
        build: [c, 'build', '--layers', '--tag', hashTag, '--tag', latest, ...args, '--file', dockerfile, p.dir],
        retag: [c, 'tag', hashTag, latest],
        argFile: undefined,
      };
    case 'buildah':
      return {
        exists: [c, 'inspect', '--type', 'image', '--format', '{{.FromImageID}}', hashTag],
        build: [c, 'bud', '--layers', '--tag', hashTag, '--tag', latest, ...args, '--file', dockerfile, p.dir],
        retag: [c, 'tag', hashTag, latest],
        argFile: undefined,
      };
    case 'linuxkit': {
      // `linuxkit pkg build` tags ORG/IMAGE:HASH, IMAGE from build.yml (kernel, tools); --org
      // and --hash make that exactly our repository and context hash. Build arguments go in a
      // file beside the context (inside it, they would change the context). The image lands in
      // linuxkit's cache, where `linuxkit build` looks first.
      const org = p.repository.slice(0, p.repository.lastIndexOf('/'));
      const argFile =
        p.buildArgs.size > 0
          ? { path: `${p.dir}.build-args`, content: [...p.buildArgs.keys()].sort().map((k) => `${k}=${p.buildArgs.get(k)!}\n`).join('') }
          : undefined;
      return {
        exists: [c, 'cache', 'ls'],
        build: [
          c,
          'pkg',
          'build',
          '--org',
          org,
          '--hash',
          p.tag,
          '--platforms',
          `linux/${p.arch}`,
          ...(argFile ? ['--build-arg-file', argFile.path] : []),
          p.dir,
        ],
        retag: undefined,
        argFile,
      };
    }
  }
}

/** Whether an `exists` probe's result means the image is there. */
export function probeSaysExists(kind: BuilderKind, exitCode: number, stdout: string, hashTag: string): boolean {
  if (exitCode !== 0) return false;
  // `linuxkit cache ls` lists every cached image; ours is there if its tag is.
  if (kind === 'linuxkit') return stdout.split('\n').some((l) => l.split(/\s+/).some((w) => w === hashTag || w === `docker.io/${hashTag}`));
  return true;
}

/** Node's `process.arch` → GOARCH, which LinuxKit's platforms use. */
export function goArch(nodeArch: string): string {
  switch (nodeArch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    default:
      return nodeArch; // arm64, s390x, riscv64, ppc64 are spelled alike
  }
}
