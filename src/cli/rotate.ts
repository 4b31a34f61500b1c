// `wg-compose rotate SERVICE` and `wg-compose rotate A:B`: new key material for exactly that —
// one service's key pair, or one pair's preshared key — and nothing else. The epoch in the
// lockfile moves on by one; the new key is HKDF(master, project, name, epoch), so the rotation
// is as reproducible as every other key. The configs that carry the old material (the
// service's own and its peers', or the pair's two) are rewritten in the same commit as the
// lockfile (src/plan/apply.ts), so both sides of every tunnel change together.
import { error } from '../diagnostics.js';
import type { ProjectOptions } from '../load/project-options.js';
import type { Analysis } from '../pipeline.js';
import { extendPlan } from '../plan/plan.js';
import { retireImportedKeys } from '../plan/state-plan.js';
import { slotName } from '../model/replicas.js';
import { pairKey } from '../state/lockfile.js';
import { EXIT, type CliIO, type WriteOptions } from './io.js';
import { analyzeProject } from './prepare.js';
import { produce } from './produce.js';
import { displayPath, report } from './report.js';

export async function runRotate(io: CliIO, opts: ProjectOptions, target: string, o: WriteOptions = {}): Promise<number> {
  const analysis = analyzeProject(io, opts);
  if (typeof analysis === 'number') return analysis;
  const what = resolveTarget(analysis, target);
  if (typeof what === 'string') {
    report(io, [error('WGC101', what, undefined, 'rotate takes a linked service (wg-compose show lists them) or a linked pair as A:B')]);
    return EXIT.input;
  }
  const { projectDir, name } = analysis.project;
  // A replicated service rotates every replica's key (each slot is a service: src/model/replicas.ts).
  const changes = what.kind === 'service' ? { rotateServices: new Set(replicasOf(analysis, what.service)) } : { rotateLinks: new Set(pairsOf(analysis, what.pair)) };
  const done = await produce(io, analysis, {
    command: 'rotate',
    // No master is created here: rotating keys that were never made would re-key everything.
    createState: false,
    changes,
    dryRun: o.dryRun === true,
    extend: (p, plan) => {
      const missing =
        what.kind === 'service' ? replicasOf(analysis, what.service).some((s) => !p.previousLock.services.has(s)) : pairsOf(analysis, what.pair).some((k) => !p.previousLock.links.has(k));
      if (missing) {
        report(io, [error('WGC101', `${what.kind === 'service' ? `"${what.service}"` : `the link ${what.pair}`} has no key in ${displayPath(io.cwd, p.lockPath)} yet`, undefined, 'wg-compose render makes its first keys; rotate replaces them')]);
        return EXIT.input;
      }
      // The retired imported key goes only once the lockfile names the new epoch.
      const imported = what.kind === 'service' ? replicasOf(analysis, what.service).filter((s) => p.previousLock.services.get(s)?.imported) : [];
      return imported.length > 0 ? extendPlan(plan, { removals: imported.map((s) => retireImportedKeys(projectDir, name, s)) }) : plan;
    },
  });
  if (typeof done === 'number') return done;
  const { p, applied } = done;
  const { topology } = p.compiled;
  const written = applied.written.filter((f) => f.endsWith('.conf'));
  let sides: string[];
  if (what.kind === 'service') {
    const before = p.previousLock.services.get(what.service)!;
    const node = topology.nodes.get(what.service)!;
    const slots = replicasOf(analysis, what.service);
    sides = [...new Set(slots.flatMap((s) => [s, ...topology.nodes.get(s)!.peers.map((x) => x.service)]))];
    const replicas = slots.length > 1 ? ` and its ${slots.length - 1} other replica(s)` : '';
    io.stderr(`wg-compose: rotated the key of "${what.service}"${replicas}: epoch ${before.epoch} → ${node.epoch}${before.imported ? ' (the imported key is retired)' : ''}\n`);
  } else {
    sides = (what.pair.split(':') as [string, string]).flatMap((s) => replicasOf(analysis, s));
    io.stderr(`wg-compose: rotated the preshared key of ${what.pair}: epoch ${p.previousLock.links.get(what.pair)!.epoch} → ${topology.links.get(what.pair)!.epoch}\n`);
  }
  io.stderr(`wg-compose: rewrote ${written.length} wg-quick file(s): ${written.map((f) => displayPath(io.cwd, f)).join(', ')}\n`);
  io.stderr(
    `wg-compose: apply them to ${sides.map((s) => `"${s}"`).join(', ')} together (README: "Rotating keys without a split")` +
      (what.kind === 'service' ? '; the public keys in the stack changed too: render it again\n' : '\n'),
  );
  io.stderr(
    what.kind === 'service'
      ? `wg-compose: on swarm, \`wg-compose deploy\` rolls it out: only the tasks of "${what.service}" restart; its peers take the new key in place\n`
      : `wg-compose: on swarm, \`wg-compose deploy\` rolls it out: the tasks of both ends restart on their new secrets\n`,
  );
  return EXIT.ok;
}

type Target = { kind: 'service'; service: string } | { kind: 'link'; pair: string };

/** A linked service, or a pair of services one of which links the other; else why not. */
function resolveTarget(a: Analysis, target: string): Target | string {
  const linked = new Set(a.linked);
  const i = target.indexOf(':');
  if (i < 0) {
    if (linked.has(target)) return { kind: 'service', service: target };
    return a.view.services.has(target) ? `service "${target}" takes part in no link, so it has no key` : `no service "${target}" in this project`;
  }
  const x = target.slice(0, i);
  const y = target.slice(i + 1);
  if (x === y || !linked.has(x) || !linked.has(y)) return `"${target}" is not a pair of linked services`;
  const links = (from: string, to: string) => (a.view.services.get(from)?.links ?? []).some((l) => l.target === to);
  if (!links(x, y) && !links(y, x)) return `"${x}" and "${y}" are not linked to each other`;
  return { kind: 'link', pair: pairKey(x, y) };
}

/** The services holding the replicas of `service` (itself alone unless it is replicated). */
function replicasOf(a: Analysis, service: string): string[] {
  const slot = a.view.slots.get(service);
  if (!slot || slot.service !== service) return [service];
  return Array.from({ length: slot.of }, (_, i) => slotName(service, i + 1));
}

/** The pairs a link between two services makes: one per replica on either side. */
function pairsOf(a: Analysis, pair: string): string[] {
  const [x, y] = pair.split(':') as [string, string];
  return replicasOf(a, x).flatMap((p) => replicasOf(a, y).map((q) => pairKey(p, q)));
}
