#!/usr/bin/env bash
# Swarm benchmark (issue #12): on the 3-node harness swarm (scripts/docker-setup.sh swarm 3),
#   1. deploy to every tunnel up: `wg-compose deploy` of 6 services x 2 replicas, each linked
#      to the next (a chain: links may not form a cycle), against a plain `docker stack deploy` of the same 6 services x 2
#      replicas without links to every task running, alternating, BENCH_RUNS times each;
#   2. throughput across nodes: 64 MiB through nc between two tasks on different nodes,
#      through the tunnel and over the plain overlay, BENCH_RUNS times each;
#   3. a rolling restart's outage, seen from a task of s1 pinging s2 every 0.2 s (a fresh
#      `ping -c 1` each time): `wg-compose rotate s2` + `deploy` (s2's tasks restart on their
#      new key; s1's stay and take the key in place) against `docker service update --force
#      --update-parallelism 2` of the plain stack's s2 (its tasks restart; pinged by name, as
#      the plain overlay has no fixed address for a task). The longest gap between replies.
# Prints medians, samples and ratios. Not a test. Public tools only (docker, nc, dd).
#
#   npm run build && scripts/docker-setup.sh install && scripts/docker-setup.sh swarm 3
#   BENCH_RUNS=5 bench/swarm.sh
#   BENCH_PARTS="outage" bench/swarm.sh    # only some of the three
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${BENCH_RUNS:-3}"
PARTS="${BENCH_PARTS:-deploy throughput outage}" # which of the three to run
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
export DOCKER_HOST=unix:///run/wg-compose-test/s1/docker.sock WG_COMPOSE_DOCKER=/usr/bin/docker
DOCKER=/usr/bin/docker
on() { local n="$1"; shift; "$DOCKER" -H "unix:///run/wg-compose-test/$n/docker.sock" "$@"; }
# now, dt, median
# shellcheck source=bench/lib.sh
. bench/lib.sh # (the working directory is the repository root)
log() { echo "bench: $*" >&2; }

work="$(mktemp -d /tmp/wgc-bench-swarm.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/wg" "$work/plain"

# 6 services x 2 replicas; with links, sN links sN+1 (a chain): 12 tasks, 5 x 4 = 20 peer pairs.
gen() { # with-links
  echo 'x-wireguard: {pool: 10.154.0.0/24}'
  echo 'services:'
  local i next
  for i in 1 2 3 4 5 6; do
    next=$((i + 1))
    echo "  s$i:"
    echo '    image: localhost/wg-compose/base:bookworm'
    echo '    init: true'
    echo '    command: ["sh", "-c", "nc -dlk 7000 >/dev/null & exec sleep infinity"]'
    echo '    deploy: {replicas: 2}'
    if [ "$1" = yes ] && [ "$i" -lt 6 ]; then echo "    links: [s$next]"; fi
  done
}
gen yes >"$work/wg/compose.yaml"
gen no >"$work/plain/compose.yaml"
# The plain stack as docker runs it: version 3.8, replicas per service (no wg-compose involved).
{ echo 'version: "3.8"'; gen no | grep -v x-wireguard; } >"$work/plain/stack.yml"

running() { # stack expected-count
  [ "$("$DOCKER" stack ps "$1" --filter desired-state=running --format '{{.CurrentState}}' 2>/dev/null | grep -c '^Running')" -ge "$2" ]
}
gone() { # stack
  [ -z "$("$DOCKER" service ls -q --filter "label=com.docker.stack.namespace=$1")" ] &&
    [ -z "$("$DOCKER" network ls -q --filter "label=com.docker.stack.namespace=$1")" ]
}
settle() { local i; for i in $(seq 1 120); do gone "$1" && return 0; sleep 0.5; done; log "stack $1 not gone"; }

if part deploy; then
wg_s=() plain_s=()
for r in $(seq 1 "$RUNS"); do
  t0="$(now)"
  (cd "$work/wg" && node "$OLDPWD/bin/wg-compose.js" deploy -p bw --timeout 300 2>"$work/deploy.log") || { cat "$work/deploy.log" >&2; exit 1; }
  wg_s+=("$(dt "$t0" "$(now)")")
  log "$(grep -o 'every tunnel is up.*' "$work/deploy.log")"
  (cd "$work/wg" && node "$OLDPWD/bin/wg-compose.js" rm -p bw 2>/dev/null)
  settle bw

  t0="$(now)"
  "$DOCKER" stack deploy --resolve-image never -c "$work/plain/stack.yml" bp >/dev/null
  until running bp 12; do sleep 0.2; done
  plain_s+=("$(dt "$t0" "$(now)")")
  "$DOCKER" stack rm bp >/dev/null
  settle bp
  log "run $r: wg-compose deploy to every tunnel up ${wg_s[-1]} s; plain stack deploy to 12 tasks running ${plain_s[-1]} s"
done
wg_m="$(echo "${wg_s[*]}" | median)"
plain_m="$(echo "${plain_s[*]}" | median)"
echo "deploy, 3 nodes x 6 services x 2 replicas (median of $RUNS):"
echo "  wg-compose deploy -> every tunnel up:   ${wg_m} s  [${wg_s[*]}]"
echo "  docker stack deploy -> every task running: ${plain_m} s  [${plain_s[*]}]"
echo "  ratio: $(awk -v a="$wg_m" -v b="$plain_m" 'BEGIN { printf "%.2f", a / b }')x"
fi

# Throughput: s1's slot 1 receives, s2's slot 1 sends (placed on different nodes).
(cd "$work/wg" && node "$OLDPWD/bin/wg-compose.js" deploy -p bw --timeout 300 2>/dev/null)
node_of() { "$DOCKER" service ps "bw_$1" --filter desired-state=running --format '{{.Node}}' | head -n1; }
cid_of() { on "$2" ps -q --filter "label=com.docker.swarm.service.name=bw_$1" --filter status=running | head -n1; }
if part throughput; then
a=s1 b=s2
na="$(node_of $a)" nb="$(node_of $b)"
[ "$na" != "$nb" ] || { b=s2-2; nb="$(node_of $b)"; }
ca="$(cid_of $a "$na")" cb="$(cid_of $b "$nb")"
tunnel_addr="$(node -e "console.log(JSON.parse(require('fs').readFileSync('$work/wg/wg-compose.lock','utf8')).services['$a'].addresses[0])")"
overlay_addr="$(on "$na" exec "$ca" sh -c "getent hosts tasks.$a | awk '{ print \$1; exit }'")"
xfer() { # dest → seconds for 64 MiB
  on "$na" exec -d "$ca" sh -c "nc -dl 7100 >/dev/null" >/dev/null
  sleep 0.5
  local t0; t0="$(now)"
  on "$nb" exec "$cb" sh -c "dd if=/dev/zero bs=1M count=64 2>/dev/null | nc -q 0 -w 10 $1 7100"
  dt "$t0" "$(now)"
}
tun=() ovl=()
for r in $(seq 1 "$RUNS"); do
  tun+=("$(awk -v s="$(xfer "$tunnel_addr")" 'BEGIN { printf "%.1f", 64 / s }')")
  ovl+=("$(awk -v s="$(xfer "$overlay_addr")" 'BEGIN { printf "%.1f", 64 / s }')")
done
tun_m="$(echo "${tun[*]}" | median)" ovl_m="$(echo "${ovl[*]}" | median)"
echo "throughput $b@$nb -> $a@$na, 64 MiB through nc (MiB/s, median of $RUNS):"
echo "  through WireGuard (wireguard-go): ${tun_m}  [${tun[*]}]"
echo "  plain overlay:                    ${ovl_m}  [${ovl[*]}]"
echo "  ratio: $(awk -v a="$tun_m" -v b="$ovl_m" 'BEGIN { printf "%.3f", a / b }')"
fi

# 3. Outage of a rolling restart. The pinger prints the time of every reply; the longest gap
# between two replies while the restart runs is the outage.
# A name is looked up afresh each time, for at most 1 s: with no task behind it, the engine's
# DNS forwards the question and the resolver would wait 5 s for an answer that cannot come.
# It runs until stop_pinger (or 300 s), so that it sees the whole rollout however long it takes.
pinger() { # node container target → reply times on stdout
  on "$1" exec "$2" rm -f /tmp/wgc-bench-stop
  on "$1" exec "$2" sh -c "end=\$((\$(date +%s) + 300)); while [ \$(date +%s) -lt \$end ] && [ ! -e /tmp/wgc-bench-stop ]; do a=\$(timeout 1 getent ahostsv4 $3 | awk 'NR == 1 { print \$1 }'); [ -n \"\$a\" ] && ping -c 1 -W 1 -q \$a >/dev/null 2>&1 && date +%s.%N; sleep 0.2; done"
}
stop_pinger() { sleep 3; on "$1" exec "$2" touch /tmp/wgc-bench-stop; wait; }
tasks_of() { "$DOCKER" service ps "$1" --filter desired-state=running --format '{{.ID}}' | sort | tr '\n' ' '; }
longest_gap() { awk 'NR > 1 && $1 - p > g { g = $1 - p } { p = $1 } END { printf "%.1f", g }'; }
s2_addr="$(node -e "console.log(JSON.parse(require('fs').readFileSync('$work/wg/wg-compose.lock','utf8')).services.s2.addresses[0])")"
if part outage; then
wg_gap=() plain_gap=()
for r in $(seq 1 "$RUNS"); do
  na="$(node_of s1)" ca="$(cid_of s1 "$na")" before="$(tasks_of bw_s2)" s1_before="$(tasks_of bw_s1)"
  pinger "$na" "$ca" "$s2_addr" >"$work/ping-wg" &
  sleep 3
  (cd "$work/wg" && node "$OLDPWD/bin/wg-compose.js" rotate -p bw s2 2>/dev/null && node "$OLDPWD/bin/wg-compose.js" deploy -p bw --timeout 300 2>"$work/rotate.log") || { cat "$work/rotate.log" >&2; exit 1; }
  stop_pinger "$na" "$ca"
  wg_gap+=("$(longest_gap <"$work/ping-wg")")
  [ "$(tasks_of bw_s2)" != "$before" ] || { log "s2's task was not replaced"; exit 1; }
  [ "$(tasks_of bw_s1)" = "$s1_before" ] || { log "s1's task was replaced"; exit 1; }
  log "run $r: rotate s2 + deploy: longest gap s1 -> s2 ${wg_gap[-1]} s (s2's task replaced, s1's kept); $(grep -o 'every tunnel is up.*' "$work/rotate.log")"
done
fi
(cd "$work/wg" && node "$OLDPWD/bin/wg-compose.js" rm -p bw 2>/dev/null)
settle bw
if part outage; then
"$DOCKER" stack deploy --resolve-image never -c "$work/plain/stack.yml" bp >/dev/null
until running bp 12; do sleep 0.2; done
for r in $(seq 1 "$RUNS"); do
  n1="$("$DOCKER" service ps bp_s1 --filter desired-state=running --format '{{.Node}}' | head -n1)"
  c1="$(on "$n1" ps -q --filter label=com.docker.swarm.service.name=bp_s1 --filter status=running | head -n1)"
  before="$(tasks_of bp_s2)"
  pinger "$n1" "$c1" tasks.bp_s2 >"$work/ping-plain" &
  sleep 3
  "$DOCKER" service update --force --update-parallelism 2 --no-resolve-image bp_s2 >/dev/null 2>&1
  until running bp 12; do sleep 0.2; done
  stop_pinger "$n1" "$c1"
  [ "$(tasks_of bp_s2)" != "$before" ] || { log "bp_s2's tasks were not replaced"; exit 1; }
  plain_gap+=("$(longest_gap <"$work/ping-plain")")
  log "run $r: plain service update --force of s2: longest gap s1 -> s2 ${plain_gap[-1]} s"
done
"$DOCKER" stack rm bp >/dev/null
settle bp
wg_gm="$(echo "${wg_gap[*]}" | median)" plain_gm="$(echo "${plain_gap[*]}" | median)"
echo "outage of a rolling restart of s2, seen from s1 (longest gap between replies, median of $RUNS):"
echo "  wg-compose rotate s2 + deploy:                  ${wg_gm} s  [${wg_gap[*]}]"
echo "  docker service update --force (plain stack): ${plain_gm} s  [${plain_gap[*]}]"
echo "  difference: $(awk -v a="$wg_gm" -v b="$plain_gm" 'BEGIN { printf "%.1f", a - b }') s"
fi
