#!/usr/bin/env bash
# Start-up benchmark for `wg-compose check` (issue #6). Not a test: it prints figures.
#
#   bench/check.sh [RUNS]        (after npm run build; needs hyperfine, and docker-compose for
#                                 its comparison row — both Debian packages)
#
# A "typical" project: examples/webapp/compose.yaml, copied into a fresh git work tree with
# .wg-compose/ ignored and a committed lockfile (rendered once), so `check` runs every rule,
# its git calls included. Each run is a new process ("cold" for node: no warm VM, though the
# OS page cache is warm, as it is in a pre-commit hook). Compared in the same hyperfine run:
#   node -e 0                               bare node start-up, the floor
#   wg-compose check compose.yaml           the target: within 2x the floor
#   docker-compose -f compose.yaml config -q
# and `check` over 200 such projects in one call.
set -euo pipefail
RUNS="${1:-30}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/bin/wg-compose.js"
command -v hyperfine >/dev/null || { echo "bench: hyperfine is required (apt-get install hyperfine)" >&2; exit 2; }
[ -f "$ROOT/dist/src/cli/main.js" ] || { echo "bench: run npm run build first" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/wgc-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
one="$WORK/one"
mkdir -p "$one"
cp -r "$ROOT/examples/webapp/." "$one/"
git -C "$one" init -q
printf '.wg-compose/\n' > "$one/.gitignore"
WG_COMPOSE_MASTER_KEY_FILE= node "$BIN" render -f "$one/compose.yaml" > "$one/stack.yml"
git -C "$one" add -A >/dev/null
node "$BIN" check "$one/compose.yaml" # must be clean, or the figures mean nothing

many="$WORK/many"
mkdir -p "$many"
for i in $(seq -w 1 200); do
  mkdir -p "$many/p$i"
  cp -r "$ROOT/examples/webapp/." "$many/p$i/"
  cp "$one/wg-compose.lock" "$many/p$i/"
done
git -C "$many" init -q
printf '.wg-compose/\n' > "$many/.gitignore"

echo "node $(node --version), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$one"
cmds=(-n 'node -e 0' 'node -e 0' -n 'wg-compose check' "node $BIN check compose.yaml")
if command -v docker-compose >/dev/null; then
  cmds+=(-n 'docker-compose config -q' 'docker-compose -f compose.yaml config -q')
else
  echo "(docker-compose not found: its row is skipped)"
fi
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/one.json" "${cmds[@]}"
hyperfine -N --warmup 1 --runs "$(( RUNS < 10 ? RUNS : 10 ))" --export-json "$WORK/many.json" \
  -n 'wg-compose check (200 projects)' "node $BIN check $many"

node - "$WORK/one.json" "$WORK/many.json" <<'JS'
// Medians of wall time, as asked; minimum wall time and mean CPU time (user + system) beside
// them, since on a busy machine those two move least with the load of other processes.
const [one, many] = process.argv.slice(2).map((f) => JSON.parse(require('node:fs').readFileSync(f, 'utf8')).results);
const ms = (x) => (x * 1000).toFixed(1).padStart(7);
const by = Object.fromEntries(one.map((r) => [r.command, r]));
const floor = by['node -e 0'];
const ratio = (a, b) => `${(a / b).toFixed(2)}x`.padStart(7);
console.log(`\n${'command'.padEnd(32)} ${'median'.padStart(10)} ${'ratio'.padStart(7)} ${'min'.padStart(10)} ${'ratio'.padStart(7)} ${'cpu'.padStart(10)} ${'ratio'.padStart(7)}`);
for (const r of [...one, ...many]) {
  const cpu = r.user + r.system;
  const floorCpu = floor.user + floor.system;
  console.log(`${r.command.padEnd(32)} ${ms(r.median)} ms ${ratio(r.median, floor.median)} ${ms(r.min)} ms ${ratio(r.min, floor.min)} ${ms(cpu)} ms ${ratio(cpu, floorCpu)}`);
}
const dc = by['docker-compose config -q'];
if (dc) console.log(`check's median is ${(dc.median / by['wg-compose check'].median).toFixed(1)}x lower than docker-compose config -q's`);
console.log(`200 projects in one call: ${(many[0].median * 1000 / 200).toFixed(2)} ms per project (median)`);
JS
