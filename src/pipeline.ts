// The pipeline from compose files to outputs (DESIGN.md §2), in two halves:
// `analyze` (src/analyze.ts) needs no secret and writes nothing, so `check` can run it on every
// commit without loading keys or the renderer; `compile` turns an analysis plus key material
// into every output, still without I/O.
import { relative } from 'node:path';
import type { Analysis } from './analyze.js';
import { hasErrors, type Diagnostic } from './diagnostics.js';
import { renderStack, type StackInput } from './render/stack.js';
import { renderWgQuick } from './render/wg-quick.js';
import { sealText, type LockedService, type Lockfile } from './state/lockfile.js';
import { configPathInStack } from './state/store.js';
import { buildTopology, type KeyChanges, type KeySource, type Secrets, type Topology } from './topology/topology.js';

export { analyze, lockfilePath, type Analysis } from './analyze.js';

export interface Compiled {
  readonly topology: Topology;
  /** The rendered stack; made on first use (see writeStack), empty when there are errors. */
  readonly stack: string;
  /**
   * Hands the stack to `sink` in pieces, without holding all of it at once unless `stack`
   * was asked for already: a 10,000-service stack is 50 MB of text.
   */
  writeStack(sink: (piece: string) => void): void;
  /** Service → wg-quick file text. Secret. */
  readonly configs: ReadonlyMap<string, string>;
  /** Service → config path relative to the project directory (as in the stack and `show`). */
  readonly configPaths: ReadonlyMap<string, string>;
  readonly lock: Lockfile;
  readonly diagnostics: Diagnostic[];
  /** How many X25519 operations the keys took (0 for a re-render with an intact lockfile). */
  readonly x25519: number;
}

/** Allocation and keys first (everything else names them), then the outputs. */
export function compile(a: Analysis, previous: Lockfile, keys: KeySource, changes: KeyChanges = {}): Compiled {
  const name = a.project.name;
  const { topology, secrets, diagnostics, x25519 } = buildTopology(name, a.view, a.linked, a.settings, previous, keys, changes);
  const configPaths = new Map(a.linked.map((s) => [s, configPathInStack(name, s)]));
  const configs = renderConfigs(name, topology, secrets);
  const input: StackInput | undefined = hasErrors(diagnostics)
    ? undefined
    : {
        project: name,
        model: a.project.model,
        topology,
        settings: a.settings,
        configPaths,
        sources: a.project.files.map((f) => relative(a.project.projectDir, f) || f),
      };
  // The stack is pure and needs nothing but the above: made when asked for, so a caller can
  // write its state first and then stream the stack (render), or keep it whole (up).
  let stack: string | undefined;
  const whole = (): string => (stack ??= input ? renderStack(input) : '');
  return {
    topology,
    get stack() {
      return whole();
    },
    writeStack(sink) {
      if (stack !== undefined || !input) sink(whole());
      else renderStack(input, sink);
    },
    configs,
    configPaths,
    lock: lockOf(topology, keys),
    diagnostics,
    x25519,
  };
}

function renderConfigs(project: string, topology: Topology, secrets: Secrets): Map<string, string> {
  const out = new Map<string, string>();
  for (const node of topology.nodes.values()) out.set(node.name, renderWgQuick(project, node, secrets));
  return out;
}

/** The public record of a topology, sealed under the master when the key source has one. */
function lockOf(t: Topology, keys: KeySource): Lockfile {
  const services = new Map<string, LockedService>();
  for (const n of t.nodes.values()) {
    services.set(n.name, { addresses: n.addresses, listenPort: n.listenPort, publicKey: n.publicKey, epoch: n.epoch, ...(n.imported ? { imported: true } : {}) });
  }
  if (!keys.seal || services.size === 0) return { project: t.project, services, links: t.links };
  return {
    project: t.project,
    services,
    links: t.links,
    masterFingerprint: keys.seal.fingerprint,
    publicKeysMac: keys.seal.mac(sealText(t.project, services)),
  };
}

