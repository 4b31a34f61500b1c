// Generated compose projects for the scale benchmark and the scale test: deterministic, so
// every run renders the same stack.

/** A small deterministic PRNG (mulberry32), so every run renders the same stack. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * N services in layers of about √N; each service links three services of the next layer
 * (links start their target first, so they must not form a cycle), some with an alias.
 * Every service has an image, a port and an environment entry, like a real stack.
 */
export function generate(n) {
  const rand = rng(n);
  const layer = Math.max(10, Math.round(Math.sqrt(n)));
  const name = (i) => `svc${String(i).padStart(5, '0')}`;
  const lines = ['services:'];
  let links = 0;
  for (let i = 0; i < n; i++) {
    lines.push(`  ${name(i)}:`, `    image: example/app:${i % 7}`, `    environment:`, `      ROLE: "r${i % 13}"`);
    const next = (Math.floor(i / layer) + 1) * layer;
    const size = Math.min(layer, n - next);
    if (size > 0) {
      const targets = new Set();
      while (targets.size < Math.min(3, size)) targets.add(next + Math.floor(rand() * size));
      lines.push('    links:');
      for (const t of [...targets].sort((a, b) => a - b)) {
        lines.push(rand() < 0.3 ? `      - ${name(t)}:alias${t}` : `      - ${name(t)}`);
        links++;
      }
    }
  }
  return { text: `${lines.join('\n')}\n`, links };
}
