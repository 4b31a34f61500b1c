#!/usr/bin/env bash
# Status benchmark (issue #15): `wg-compose status` on a running 20-service stack (19 links: a
# chain, each service linked to the next, so every sidecar has one or two peers), against the
# way it was done before, `docker exec NAME-wg wg show` in each sidecar one after the other.
# BENCH_RUNS looks of each, alternating. Prints medians, samples and the ratio. Not a test.
# Public tools only (and /proc/stat). On the harness's dockerd (or any engine DOCKER_HOST names):
#
#   npm run build && scripts/docker-setup.sh install && scripts/docker-setup.sh engine
#   BENCH_RUNS=7 [HEALTH_INTERVAL=10s] bench/status.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${BENCH_RUNS:-7}"
N=20
export DOCKER_HOST="${DOCKER_HOST:-unix:///run/wg-compose-test/d0/docker.sock}" WG_COMPOSE_ENGINE=docker-compose
root="$(pwd)"
# now, dt, median
# shellcheck source=bench/lib.sh
. bench/lib.sh # (the working directory is the repository root)

work="$(mktemp -d /tmp/wgc-bench-status.XXXXXX)"
trap 'cd "$work" && node "$root/bin/wg-compose.js" down -p bst >/dev/null 2>&1; rm -rf "$work"' EXIT
{
  # HEALTH_INTERVAL: the sidecars' healthcheck interval (x-wireguard.health_interval; default 2s).
  [ -z "${HEALTH_INTERVAL:-}" ] || printf 'x-wireguard:\n  health_interval: %s\n' "$HEALTH_INTERVAL"
  echo 'x-app: &app'
  echo '  image: localhost/wg-compose/base:bookworm'
  echo '  init: true'
  echo '  command: ["sh", "-c", "exec sleep infinity"]'
  echo 'services:'
  for i in $(seq 1 "$N"); do
    if [ "$i" -lt "$N" ]; then echo "  s$i: {<<: *app, links: [s$((i + 1))]}"; else echo "  s$i: {<<: *app}"; fi
  done
} >"$work/compose.yaml"
cd "$work"
t0="$(now)"
node "$root/bin/wg-compose.js" up -d -p bst 2>"$work/up.log" || { cat "$work/up.log" >&2; exit 1; }
echo "up -d of $N services, $((N - 1)) links: $(dt "$t0" "$(now)") s" >&2

# What the idle stack costs the machine (its healthchecks: an exec every 2 s per sidecar), which
# every figure below pays for: CPU busy over 10 s, from /proc/stat.
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }
read -r b0 i0 <<<"$(busy)"; sleep 10; read -r b1 i1 <<<"$(busy)"
awk -v b="$((b1 - b0))" -v i="$((i1 - i0))" -v n="$(nproc)" 'BEGIN { printf "idle stack: CPU %.0f%% busy (%.1f of %d cores)\n", 100 * b / (b + i), n * b / (b + i), n }'

st=() serial=()
for r in $(seq 1 "$RUNS"); do
  # Each look starts after a pause, so neither pays for the other's leftover engine work.
  sleep 2
  t0="$(now)"
  node "$root/bin/wg-compose.js" status -p bst >"$work/status.out" || { cat "$work/status.out" >&2; exit 1; }
  st+=("$(dt "$t0" "$(now)")")
  sleep 2
  t0="$(now)"
  for i in $(seq 1 "$N"); do docker exec "bst_s$i-wg_1" wg show wg0 >/dev/null; done
  serial+=("$(dt "$t0" "$(now)")")
done
head -n 1 "$work/status.out"
ms="$(printf '%s ' "${st[@]}" | median)"
mx="$(printf '%s ' "${serial[@]}" | median)"
echo "wg-compose status ($((2 * (N - 1))) link directions): median $ms s   samples: ${st[*]}"
echo "docker exec wg show, $N sidecars one by one: median $mx s   samples: ${serial[*]}"
awk -v a="$ms" -v b="$mx" 'BEGIN { printf "ratio status / one by one: %.2f\n", a / b }'
