#!/usr/bin/env bash
# Prototype, end to end, of how wg-compose gets WireGuard into swarm tasks (docs/swarm-mechanism.md):
# one swarm service per slot of a linked service (each with its own secret: that slot's
# wg-quick config), a network alias with the original name, and a global node agent
# (scripts/swarm-agent/wg-agent.sh) that starts a NET_ADMIN sidecar in each labelled
# task's network namespace with only that task's secret file bind-mounted.
#
#   scripts/swarm-proto.sh [run]      swarm 3 (docker-setup.sh), keys, stack, checks, measurements
#   scripts/swarm-proto.sh rm         remove the stack and its secrets (the swarm stays)
#
# Topology: a (1 slot, on s1) linked with b (2 slots: b-1 on s2, b-2 on s3); c (unlinked,
# on s2 next to b-1). Tunnel addresses a 10.99.0.1, b-1 .2, b-2 .3. Figures go to stderr and
# to $OUT (default /tmp/wgc-swarm-proto.txt). RUNS (default 5) samples of each timed cycle.
# Traffic goes only to addresses inside the harness's namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP=./scripts/docker-setup.sh
DOCKER="${DOCKER:-/usr/bin/docker}"
S=unix:///run/wg-compose-test
STACK=wgp
IMG=localhost/wg-compose/tools:latest
RUNS="${RUNS:-5}"
OUT="${OUT:-/tmp/wgc-swarm-proto.txt}"
WORK="$(mktemp -d /tmp/wgc-swarm-proto.XXXXXX)"
chmod 700 "$WORK"
trap 'rm -rf "$WORK"' EXIT
export DOCKER_HOST="$S/s1/docker.sock"

log() { echo "swarm-proto: $*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
fig() { log "figure: $*"; echo "$*" >>"$OUT"; }
on() { local node="$1"; shift; "$DOCKER" -H "$S/$node/docker.sock" "$@"; }
now() { date +%s.%N; }
ts() { date -d "$1" +%s.%N; }                       # RFC 3339 -> epoch
dt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# wait_for SECONDS CMD…: CMD every 0.2 s until it succeeds or SECONDS (wall clock) pass.
wait_for() { local end; end=$(($(date +%s) + $1)); shift; while :; do "$@" >/dev/null 2>&1 && return 0; [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.2; done; }

# The running task container of service SVC on NODE; its sidecar; exec in the app container.
task() { on "$2" ps -q --no-trunc --filter "label=com.docker.swarm.service.name=${STACK}_$1" --filter status=running | head -n1; }
sidecar() { on "$1" ps -q --no-trunc --filter "label=com.wg-compose.sidecar-of=$2" --filter status=running | head -n1; }
app() { local svc="$1" node="$2" c; shift 2; c="$(task "$svc" "$node")"; [ -n "$c" ] || return 1; on "$node" exec "$c" "$@"; }
# Epoch of the newest handshake seen by the sidecar of TASK on NODE (0: none yet).
handshake() { local s; s="$(sidecar "$1" "$2")"; [ -n "$s" ] || { echo 0; return; }; on "$1" exec "$s" wg show wg0 latest-handshakes 2>/dev/null | awk '$2 > m { m = $2 } END { print m + 0 }'; }

rm_stack() {
  local t0; t0="$(now)"
  "$DOCKER" stack rm "$STACK" >/dev/null 2>&1 || true
  wait_for 60 sh -c "[ -z \"\$($DOCKER service ls -q --filter label=com.docker.stack.namespace=$STACK)\" ]" || true
  log "rm: services gone after $(dt "$t0" "$(now)") s"
  local n; for n in s1 s2 s3; do
    # Tasks go first; the sidecars leave with their task's network (AutoRemove): wait for both.
    wait_for 60 sh -c "[ -z \"\$($DOCKER -H $S/$n/docker.sock ps -aq --filter label=com.docker.stack.namespace=$STACK)\" ] && [ -z \"\$($DOCKER -H $S/$n/docker.sock ps -aq --filter label=com.wg-compose.sidecar-of)\" ]" ||
      log "$n: containers left: $(on "$n" ps -a --format '{{.Names}} {{.Status}}' | tr '\n' ';')"
    log "rm: $n: tasks and sidecars gone after $(dt "$t0" "$(now)") s"
  done
  local s; for s in $("$DOCKER" secret ls -q --filter "name=${STACK}_"); do wait_for 30 "$DOCKER" secret rm "$s" || true; done
  for s in $("$DOCKER" config ls -q --filter "name=${STACK}_"); do wait_for 30 "$DOCKER" config rm "$s" || true; done
  log "rm: secrets and configs gone after $(dt "$t0" "$(now)") s"
}

if [ "${1:-run}" = rm ]; then rm_stack; exit 0; fi

: >"$OUT"
t0="$(now)"
$SETUP swarm 3 >/dev/null
fig "swarm 3 ready (from whatever state it was in): $(dt "$t0" "$(now)") s"
rm_stack

# ------------------------------------------------------------------ keys and configs
# `wg genkey` in a throwaway container without network; keys stay in $WORK (0700) and go
# into swarm secrets as whole wg-quick files (what the tool would render per slot).
t0="$(now)"
genkey() { on s1 run --rm -i --network none "$IMG" sh -c 'k=$(wg genkey); echo "$k"; echo "$k" | wg pubkey'; }
declare -A PRIV PUB ADDR EP
for slot in a b-1 b-2; do
  { read -r PRIV[$slot]; read -r PUB[$slot]; } < <(genkey)
done
ADDR=([a]=10.99.0.1 [b-1]=10.99.0.2 [b-2]=10.99.0.3)
# Endpoint: the peer slot's task address on the overlay, resolved by wg-quick at up.
for slot in a b-1 b-2; do EP[$slot]="tasks.${STACK}_$slot:51820"; done
KEEPALIVE="${KEEPALIVE:-15}"
MTU="${MTU:-1370}"                          # the overlay's 1450 minus WireGuard's 80
SECRET_MODE="${SECRET_MODE:-0400}"          # of the secret file, owner uid 0
# How the agent finds which secret file is the config: "label" (the SecretID in the task's
# label com.wg-compose.secret-id; the agent binds only the engine socket) or "config" (it
# reads config.v2.json through a bind of /var/lib/docker/containers).
SECRET_LOOKUP="${SECRET_LOOKUP:-label}"
AGENT_PROPAGATION="${AGENT_PROPAGATION:-}"  # bind propagation of the agent's /node/containers (default: the engine's)
AGENT_BIND_OPTS=""; [ -z "$AGENT_PROPAGATION" ] || AGENT_BIND_OPTS=", bind: {propagation: $AGENT_PROPAGATION}"
APP_CAP_DROP="${APP_CAP_DROP:-}"            # e.g. "DAC_OVERRIDE,DAC_READ_SEARCH" with SECRET_MODE=0000
conf() { # slot peer…
  local me="$1" p; shift
  printf '[Interface]\nAddress = %s/24\nListenPort = 51820\nMTU = %s\nPrivateKey = %s\n' "${ADDR[$me]}" "$MTU" "${PRIV[$me]}"
  for p in "$@"; do
    printf '\n[Peer]\n# %s\nPublicKey = %s\nAllowedIPs = %s/32\nEndpoint = %s\nPersistentKeepalive = %s\n' \
      "$p" "${PUB[$p]}" "${ADDR[$p]}" "${EP[$p]}" "$KEEPALIVE"
  done
}
( umask 077
  conf a b-1 b-2 >"$WORK/a.conf"; conf b-1 a >"$WORK/b-1.conf"; conf b-2 a >"$WORK/b-2.conf" )
declare -A SID
for slot in a b-1 b-2; do
  SID[$slot]="$("$DOCKER" secret create --label "com.wg-compose.slot=$slot" "${STACK}_${slot}_wg" "$WORK/$slot.conf")"
done
fig "3 keys + 3 secrets: $(dt "$t0" "$(now)") s"

# ------------------------------------------------------------------ the stack
# Node labels steer b-2 (drain test: s2 gets the label too, then s3 is drained).
"$DOCKER" node update --label-rm wgp.b2 s2 >/dev/null 2>&1 || true
"$DOCKER" node update --label-add wgp.b2=yes s3 >/dev/null
AGENT_HASH="$(sha256sum scripts/swarm-agent/wg-agent.sh | cut -c1-12)"
cp scripts/swarm-agent/wg-agent.sh "$WORK/wg-agent.sh"
app_svc() { # name slot-label node-constraint alias
  cat <<EOF
  $1:
    image: $IMG
    init: true
    # The application: unprivileged, image untouched; a tcp listener for the checks.
    command: ["sh", "-c", "nc -dlk 7000 & nc -dlk 7001 >/dev/null & exec sleep infinity"]
    labels:
      com.wg-compose.sidecar-for: "$2"
      com.wg-compose.config: wg0.conf
EOF
  [ "$SECRET_LOOKUP" != label ] || echo "      com.wg-compose.secret-id: ${SID[$1]}"
  cat <<EOF
    secrets: [{source: ${STACK}_$1_wg, target: wg0.conf, uid: "0", gid: "0", mode: $SECRET_MODE}]
    cap_drop: [${APP_CAP_DROP}]
    networks: {mesh: {aliases: [$4]}}
    deploy:
      endpoint_mode: dnsrr
      placement: {constraints: ["$3"]}
EOF
}
{
  cat <<EOF
version: "3.8"
services:
EOF
  app_svc a "$STACK/a/1" "node.hostname == s1" a
  app_svc b-1 "$STACK/b/1" "node.hostname == s2" b
  app_svc b-2 "$STACK/b/2" "node.labels.wgp.b2 == yes" b
  cat <<EOF
  c:
    image: $IMG
    init: true
    command: ["sh", "-c", "exec sleep infinity"]
    networks: [mesh]
    deploy: {endpoint_mode: dnsrr, placement: {constraints: ["node.hostname == s2"]}}
  agent:
    image: $IMG
    init: true
    command: ["sh", "/wg-agent.sh"]
    environment: {SIDECAR_IMAGE: "$IMG", RESYNC: "10"}
    configs: [{source: agent, target: /wg-agent.sh, mode: 0555}]
    volumes:
      - {type: bind, source: /var/run/docker.sock, target: /var/run/docker.sock}
EOF
  [ "$SECRET_LOOKUP" = label ] || echo "      - {type: bind, source: /var/lib/docker/containers, target: /node/containers, read_only: true$AGENT_BIND_OPTS}"
  cat <<EOF
    networks: [agent]
    deploy: {mode: global, endpoint_mode: dnsrr}
networks:
  mesh: {driver: overlay, attachable: true}
  agent: {driver: overlay}
configs:
  agent: {file: ./wg-agent.sh, name: ${STACK}_agent_$AGENT_HASH}
secrets:
  ${STACK}_a_wg: {external: true}
  ${STACK}_b-1_wg: {external: true}
  ${STACK}_b-2_wg: {external: true}
EOF
} >"$WORK/stack.yml"
cp "$WORK/stack.yml" /tmp/wgc-swarm-proto.stack.yml

t0="$(now)"
"$DOCKER" stack deploy --resolve-image never -c "$WORK/stack.yml" "$STACK" >/dev/null
all_up() { [ -n "$(task a s1)" ] && [ -n "$(task b-1 s2)" ] && [ -n "$(task b-2 s3)" ] && [ -n "$(task c s2)" ]; }
wait_for 120 all_up || { "$DOCKER" stack ps --no-trunc "$STACK" >&2; fail "tasks not running"; }
fig "stack deploy -> all 4 app tasks running: $(dt "$t0" "$(now)") s"
linked_ok() { app a s1 ping -c1 -W1 10.99.0.2 && app a s1 ping -c1 -W1 10.99.0.3; }
wait_for 90 linked_ok || { for n in s1 s2 s3; do on "$n" ps -a >&2; on "$n" logs "$(task agent "$n")" >&2 || true; done; fail "no tunnel a -> b-1, b-2"; }
fig "stack deploy -> a pings both b slots through the tunnels: $(dt "$t0" "$(now)") s"

# ------------------------------------------------------------------ correctness
app a s1 nc -z -w2 10.99.0.2 7000 || fail "tcp a -> b-1 tunnel"
app a s1 nc -z -w2 10.99.0.3 7000 || fail "tcp a -> b-2 tunnel"
app b-1 s2 ping -c1 -W1 10.99.0.1 >/dev/null || fail "b-1 -> a tunnel"
app b-2 s3 ping -c1 -W1 10.99.0.1 >/dev/null || fail "b-2 -> a tunnel"
log "ok: a <-> b-1 (s1-s2) and a <-> b-2 (s1-s3) pass ping and tcp through WireGuard"
# The app container is unprivileged and cannot read any key: no wg0.conf in it.
# Swarm mounts a service's secrets into its task: the app sees /run/secrets/wg0.conf
# (uid 0, mode $SECRET_MODE). Whether the app can read it depends on its user and caps.
if app a s1 sh -c 'head -c1 /run/secrets/wg0.conf' >/dev/null 2>&1; then r=READABLE; else r="not readable"; fi
fig "secret mode $SECRET_MODE uid 0, app as root with cap_drop [${APP_CAP_DROP}]: its /run/secrets/wg0.conf is $r by the app"
if app a s1 setpriv --reuid 65534 --regid 65534 --clear-groups head -c1 /run/secrets/wg0.conf >/dev/null 2>&1; then r=READABLE; else r="not readable"; fi
fig "same, app process as uid 65534: $r"
app a s1 ip link add x0 type dummy 2>/dev/null && fail "the app has NET_ADMIN"
# Unlinked: c (on s2, next to b-1) reaches none of the tunnel addresses; b-1 and b-2 are not linked either.
for dst in 10.99.0.1 10.99.0.2 10.99.0.3; do
  app c s2 ping -c1 -W1 "$dst" >/dev/null 2>&1 && fail "c reaches $dst"
  app c s2 nc -z -w1 "$dst" 7000 >/dev/null 2>&1 && fail "c reaches $dst:7000"
done
app b-1 s2 ping -c1 -W1 10.99.0.3 >/dev/null 2>&1 && fail "b-1 reaches b-2 (not linked)"
app c s2 ping -c1 -W1 tasks.${STACK}_b-1 >/dev/null || fail "c does not even reach b-1 on the overlay (test is meaningless)"
log "ok: c (unlinked, same node as b-1) reaches no tunnel address; b-1 does not reach b-2"

# ------------------------------------------------------------------ detection latency at deploy
for pair in "a s1" "b-1 s2" "b-2 s3"; do
  set -- $pair
  t="$(task "$1" "$2")"; s="$(sidecar "$2" "$t")"
  ts_task="$(ts "$(on "$2" inspect -f '{{.State.StartedAt}}' "$t")")"
  ts_car="$(ts "$(on "$2" inspect -f '{{.State.StartedAt}}' "$s")")"
  fig "deploy, $1: task started -> sidecar started $(dt "$ts_task" "$ts_car") s; -> newest handshake $(dt "$ts_task" "$(handshake "$2" "$t")") s"
done

# ------------------------------------------------------------------ RTT: tunnel vs overlay
rtt() { app a s1 ping -q -c 30 -i 0.2 -W1 "$1" | awk -F'[/ ]+' '/^rtt/ { print "min " $7 ", avg " $8 ", max " $9 " ms" }'; }
fig "RTT a(s1) -> b-1(s2) plain overlay: $(rtt tasks.${STACK}_b-1)"
fig "RTT a(s1) -> b-1(s2) through WireGuard: $(rtt 10.99.0.2)"

# ------------------------------------------------------------------ throughput (dd | nc)
tput() { # dst -> MB/s for 64 MiB
  local t; t="$(now)"
  app a s1 sh -c "dd if=/dev/zero bs=64k count=1024 2>/dev/null | nc -N -w5 $1 7001" || return 1
  awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.0f MB/s", 64 * 1.048576 / (b - a) }'
}
fig "throughput a -> b-1, 64 MiB dd|nc, plain overlay: $(tput tasks.${STACK}_b-1)"
fig "throughput a -> b-1, 64 MiB dd|nc, through WireGuard: $(tput 10.99.0.2)"

# ------------------------------------------------------------------ task killed -> tunnel back
# Swarm replaces a killed task (new container, new overlay address, after restart_policy
# delay: 5 s by default); the agent starts a sidecar; the new task's keepalive reaches a,
# which learns the new endpoint (roaming).
declare -a K_NEW K_CAR K_HS K_PING
# b-1's overlay address (mesh), and the endpoint a's WireGuard has for b-1.
ip_of() { on "$2" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{if eq $k "'"${STACK}_mesh"'"}}{{$v.IPAddress}}{{end}}{{end}}' "$1"; }
ep_of_b1() { local t; t="$(task a s1)"; on s1 exec "$(sidecar s1 "$t")" wg show wg0 endpoints | awk -v k="${PUB[b-1]}" '$1 == k { print $2 }'; }
for i in $(seq 1 "$RUNS"); do
  old="$(task b-1 s2)"; t0="$(now)"; old_ip="$(ip_of "$old" s2)"; old_ep="$(ep_of_b1)"
  on s2 kill "$old" >/dev/null
  wait_for 60 sh -c "c=\$($DOCKER -H $S/s2/docker.sock ps -q --no-trunc --filter label=com.docker.swarm.service.name=${STACK}_b-1 --filter status=running | head -n1); [ -n \"\$c\" ] && [ \"\$c\" != $old ]" || fail "no new b-1 task"
  wait_for 60 app a s1 ping -c1 -W1 10.99.0.2 || fail "tunnel a -> b-1 not back after kill $i"
  t_ping="$(now)"
  new="$(task b-1 s2)"; wait_for 10 sh -c "[ -n \"\$($DOCKER -H $S/s2/docker.sock ps -q --filter label=com.wg-compose.sidecar-of=$new)\" ]"
  t_new="$(ts "$(on s2 inspect -f '{{.State.StartedAt}}' "$new")")"
  t_car="$(ts "$(on s2 inspect -f '{{.State.StartedAt}}' "$(sidecar s2 "$new")")")"
  t_hs="$(handshake s2 "$new")"
  K_NEW+=("$(dt "$t0" "$t_new")"); K_CAR+=("$(dt "$t_new" "$t_car")"); K_HS+=("$(dt "$t_car" "$t_ping")"); K_PING+=("$(dt "$t0" "$t_ping")")
  log "kill $i: new task after ${K_NEW[-1]} s, sidecar +${K_CAR[-1]} s, ping back +${K_HS[-1]} s (total ${K_PING[-1]} s); b-1 overlay $old_ip -> $(ip_of "$new" s2), a's endpoint for b-1 $old_ep -> $(ep_of_b1); handshake epoch $t_hs"
  sleep 1
done
fig "docker kill b-1 -> replacement task started (median of $RUNS): $(printf '%s\n' "${K_NEW[@]}" | median) s [${K_NEW[*]}]"
fig "replacement task started -> sidecar started (agent detection, median): $(printf '%s\n' "${K_CAR[@]}" | median) s [${K_CAR[*]}]"
fig "sidecar started -> a pings b-1 through the tunnel (wg-quick up, endpoint, handshake, roaming on a; median; 0.2 s polling + docker exec): $(printf '%s\n' "${K_HS[@]}" | median) s [${K_HS[*]}]"
fig "docker kill b-1 -> a pings b-1 through the tunnel (median; 0.2 s polling): $(printf '%s\n' "${K_PING[@]}" | median) s [${K_PING[*]}]"

# ------------------------------------------------------------------ both ends replaced at once
# Neither side has a live endpoint for the other: each new sidecar resolves tasks.PEER.
for i in 1 2; do
  oa="$(task a s1)"; ob="$(task b-1 s2)"; t0="$(now)"
  on s1 kill "$oa" >/dev/null & on s2 kill "$ob" >/dev/null & wait
  wait_for 60 sh -c "c=\$($DOCKER -H $S/s1/docker.sock ps -q --no-trunc --filter label=com.docker.swarm.service.name=${STACK}_a --filter status=running | head -n1); [ -n \"\$c\" ] && [ \"\$c\" != $oa ]" || fail "no new a task"
  if wait_for 60 app a s1 ping -c1 -W1 10.99.0.2 && wait_for 30 app a s1 ping -c1 -W1 10.99.0.3; then
    fig "kill a and b-1 together (run $i) -> a pings b-1 and b-2 again: $(dt "$t0" "$(now)") s"
  else
    fig "kill a and b-1 together (run $i): tunnel NOT back within 90 s"
  fi
done

# ------------------------------------------------------------------ a restarted in place (same container)
# Not swarm's way, but an engine restart or `docker restart` keeps the container id and
# gives it a new network namespace: the agent must replace the sidecar.
t="$(task a s1)"; t0="$(now)"
on s1 restart -t 1 "$t" >/dev/null
if wait_for 60 app a s1 ping -c1 -W1 10.99.0.2; then
  fig "docker restart a (same container, new netns) -> a pings b-1 again: $(dt "$t0" "$(now)") s (task now $(task a s1 | cut -c1-12), was ${t:0:12})"
else
  fig "docker restart a: tunnel NOT back within 60 s"
fi

# ------------------------------------------------------------------ node drained -> rescheduled -> tunnel back
# b-2 may run on s2 or s3 (both labelled); drain the one it is on, so it moves to the other
# (the other is made active first). Draining s2 also sends b-1 and c to pending: not measured.
"$DOCKER" node update --label-add wgp.b2=yes s2 >/dev/null
declare -a D_RUN D_TUN
b2_on() { local n; for n in s2 s3; do [ -n "$(task b-2 "$n")" ] && { echo "$n"; return; }; done; }
for i in $(seq 1 "$RUNS"); do
  from="$(b2_on)"; [ "$from" = s3 ] && to=s2 || to=s3
  "$DOCKER" node update --availability active "$to" >/dev/null
  wait_for 30 sh -c "[ \"\$($DOCKER node inspect -f '{{.Spec.Availability}} {{.Status.State}}' $to)\" = 'active ready' ]"
  t0="$(now)"
  "$DOCKER" node update --availability drain "$from" >/dev/null
  wait_for 90 sh -c "[ -n \"\$($DOCKER -H $S/$to/docker.sock ps -q --filter label=com.docker.swarm.service.name=${STACK}_b-2 --filter status=running)\" ]" || fail "b-2 not rescheduled to $to"
  t_new="$(now)"
  wait_for 90 app a s1 ping -c1 -W1 10.99.0.3 || fail "tunnel a -> b-2 not back after drain of $from"
  D_RUN+=("$(dt "$t0" "$t_new")"); D_TUN+=("$(dt "$t0" "$(now)")")
  app b-2 "$to" ping -c1 -W1 10.99.0.1 >/dev/null || fail "b-2 (now on $to) -> a"
  left="$(on "$from" ps -aq --filter label=com.wg-compose.sidecar-of | wc -l)"
  # Where the time went: the b-2 task, the agent on $to and the sidecar, relative to the drain.
  nt="$(task b-2 "$to")"; ag="$(task agent "$to")"; sc="$(sidecar "$to" "$nt")"
  st() { [ -n "$2" ] && dt "$t0" "$(ts "$(on "$1" inspect -f '{{.State.StartedAt}}' "$2")")" || echo "-"; }
  log "drain $i: $from -> $to: b-2 running after ${D_RUN[-1]} s, tunnel back after ${D_TUN[-1]} s; started at +$(st "$to" "$nt") s (task), +$(st "$to" "$ag") s (agent on $to), +$(st "$to" "$sc") s (sidecar); sidecars left on $from: $left"
done
fig "drain node -> b-2 running on the other node (median of $RUNS): $(printf '%s\n' "${D_RUN[@]}" | median) s [${D_RUN[*]}]"
fig "drain node -> a pings b-2 through the tunnel (median): $(printf '%s\n' "${D_TUN[@]}" | median) s [${D_TUN[*]}]"
for n in s2 s3; do "$DOCKER" node update --availability active "$n" >/dev/null; done
"$DOCKER" node update --label-rm wgp.b2 s2 >/dev/null
wait_for 60 sh -c "[ -n \"\$($DOCKER -H $S/s2/docker.sock ps -q --filter label=com.docker.swarm.service.name=${STACK}_b-1 --filter status=running)\" ]" || true

# What the agent itself can see of a task's secrets through a bind of <data-root>/containers
# (the engine forces rslave there: the secret tmpfs of every task, even those started later).
t="$(task a s1)"
if [ "$SECRET_LOOKUP" = label ]; then
  on s1 exec "$(task agent s1)" test -e /node/containers && fail "agent has /node/containers"
  fig "agent on s1 (SecretID from a label): no bind of <data-root>/containers, only the engine socket"
else
  if on s1 exec "$(task agent s1)" sh -c "head -c1 /node/containers/$t/mounts/secrets/* >/dev/null 2>&1"; then r=READABLE; else r="not readable (empty mount point)"; fi
  fig "agent on s1 reading a's current secret file (task started after the agent) through /node/containers: $r"
  fig "agent on s1 (propagation ${AGENT_PROPAGATION:-default}): secret tmpfs mounts visible under /node/containers: $(on s1 exec "$(task agent s1)" sh -c 'grep -c " /node/containers/.*/mounts/secrets " /proc/self/mountinfo' || true); its mountinfo: $(on s1 exec "$(task agent s1)" sh -c 'grep " /node/containers " /proc/self/mountinfo' | cut -d' ' -f5-)"
fi
for n in s1 s2 s3; do on "$n" logs "$(task agent "$n")" >"${OUT%.txt}.agent-$n.log" 2>&1 || true; done
log "agent logs: ${OUT%.txt}.agent-s{1,2,3}.log"

# ------------------------------------------------------------------ stack rm
t0="$(now)"
rm_stack
fig "stack rm -> no task, sidecar, secret or config left: $(dt "$t0" "$(now)") s"
for n in s1 s2 s3; do [ -z "$(on "$n" ps -aq)" ] || fail "$n: containers left: $(on "$n" ps -a)"; done
log "PASS; figures in $OUT"
