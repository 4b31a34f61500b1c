#!/usr/bin/env bash
# Engine benchmark (issue #11): on Docker Engine (the harness's dockerd in its own network
# namespace: scripts/docker-setup.sh engine), `wg-compose up` of 4 services with 3 links to
# every tunnel ready, against a plain `docker-compose up -d` of the same 4 services without
# links to every container running, alternating, BENCH_RUNS times each (each from nothing:
# down in between). A third row splits the difference: the rendered stack (13 containers
# instead of 4) with its healthcheck waits taken out (interval 1 h, every condition
# service_started), run by plain docker-compose to every container running: what creating
# the extra containers costs without waiting for any sidecar's first healthcheck.
# Prints medians, samples and the ratios. Not a test. Public tools only.
#
#   npm run build && scripts/docker-setup.sh install && scripts/docker-setup.sh engine
#   BENCH_RUNS=5 bench/engine.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${BENCH_RUNS:-5}"
export DOCKER_HOST="${DOCKER_HOST:-unix:///run/wg-compose-test/d0/docker.sock}" WG_COMPOSE_ENGINE=docker-compose
root="$(pwd)"
# now, dt, median
# shellcheck source=bench/lib.sh
. bench/lib.sh # (the working directory is the repository root)

work="$(mktemp -d /tmp/wgc-bench-engine.XXXXXX)"
trap 'cd "$work/wg" 2>/dev/null && node "$root/bin/wg-compose.js" down -p bew >/dev/null 2>&1; cd "$work/plain" 2>/dev/null && docker-compose -p bep down >/dev/null 2>&1; cd "$work/floor" 2>/dev/null && docker-compose -p bef -f stack.yml down >/dev/null 2>&1; rm -rf "$work"' EXIT
mkdir -p "$work/wg" "$work/plain" "$work/floor"
gen() { # with-links
  echo 'x-app: &app'
  echo '  image: localhost/wg-compose/base:bookworm'
  echo '  init: true'
  echo '  command: ["sh", "-c", "nc -dlk 7000 >/dev/null & exec sleep infinity"]'
  echo 'services:'
  echo '  web: {<<: *app'"$([ "$1" = yes ] && echo ', links: ["api:backend", cache]')"'}'
  echo '  api: {<<: *app'"$([ "$1" = yes ] && echo ', links: ["db:database"]')"'}'
  echo '  db: {<<: *app}'
  echo '  cache: {<<: *app}'
}
gen yes >"$work/wg/compose.yaml"
gen no >"$work/plain/compose.yaml"
gen yes >"$work/floor/compose.yaml"
(cd "$work/floor" && node "$root/bin/wg-compose.js" render -p bef 2>/dev/null |
  sed -e 's/interval: 2s/interval: 3600s/' -e 's/condition: service_healthy/condition: service_started/' >stack.yml)

wg=() plain=() again=() floor=()
for r in $(seq 1 "$RUNS"); do
  cd "$work/wg"
  t0="$(now)"
  node "$root/bin/wg-compose.js" up -d -p bew 2>"$work/up.log" || { cat "$work/up.log" >&2; exit 1; }
  wg+=("$(dt "$t0" "$(now)")")
  t0="$(now)"
  node "$root/bin/wg-compose.js" up -d -p bew 2>/dev/null
  again+=("$(dt "$t0" "$(now)")")
  node "$root/bin/wg-compose.js" down -p bew >/dev/null 2>&1
  cd "$work/plain"
  t0="$(now)"
  docker-compose -p bep up -d >/dev/null 2>&1
  plain+=("$(dt "$t0" "$(now)")")
  docker-compose -p bep down >/dev/null 2>&1
  cd "$work/floor"
  t0="$(now)"
  docker-compose -p bef -f stack.yml up -d >/dev/null 2>&1
  floor+=("$(dt "$t0" "$(now)")")
  docker-compose -p bef -f stack.yml down >/dev/null 2>&1
  echo "bench: run $r: wg-compose up ${wg[-1]} s (again ${again[-1]} s); docker-compose up -d ${plain[-1]} s; rendered stack without health waits ${floor[-1]} s" >&2
done
wg_m="$(echo "${wg[*]}" | median)" plain_m="$(echo "${plain[*]}" | median)" again_m="$(echo "${again[*]}" | median)" floor_m="$(echo "${floor[*]}" | median)"
echo "Docker Engine (dockerd $(docker version --format '{{.Server.Version}}' 2>/dev/null)), 4 services, 3 links (median of $RUNS):"
echo "  wg-compose up -> every tunnel ready:        ${wg_m} s  [${wg[*]}]"
echo "  docker-compose up -d (no links) -> running: ${plain_m} s  [${plain[*]}]"
echo "  ratio: $(awk -v a="$wg_m" -v b="$plain_m" 'BEGIN { printf "%.2f", a / b }')x"
echo "  wg-compose up again on the running project: ${again_m} s  [${again[*]}]"
echo "  the rendered stack, no health waits, docker-compose up -d -> running: ${floor_m} s  [${floor[*]}]  ($(awk -v a="$floor_m" -v b="$plain_m" 'BEGIN { printf "%.2f", a / b }')x the plain run)"
