#!/usr/bin/env bash
# Smoke test of the Docker harness (scripts/docker-setup.sh) and the example for the swarm
# tier (issue 12) and the dockerd tier (issue 11). Needs root. From nothing:
#   1. a 3-node swarm; a 2-service stack (dnsrr, init, placement on two nodes, an attachable
#      overlay, keys as swarm secrets): tasks.OTHER resolves and answers across nodes;
#      wireguard-go runs in each task and a tunnel between the two nodes passes a ping;
#      measurements for issue 12: a global "node agent" reaches its own node's engine through
#      /var/run/docker.sock, a secret swapped by a rolling update, a killed task's tunnel back;
#      `stack rm` leaves no service, secret or network; teardown leaves no process or netns.
#   2. one dockerd + Debian's docker-compose 1.29.2: `network_mode: service:X` and `cap_add`
#      (wireguard-go in X, its interface seen from the app container), `down`, teardown.
# Prints the measured times on stderr. Traffic goes only to addresses inside its namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP=./scripts/docker-setup.sh
DOCKER="${DOCKER:-/usr/bin/docker}"
STACK=wgcsmoke
S="unix:///run/wg-compose-test"
WORK="$(mktemp -d /tmp/wgc-swarm-smoke.XXXXXX)"
TIMES=()

log() { echo "swarm-smoke: $*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
timing() { TIMES+=("$1: $2 s"); log "timing: $1 $2 s"; }
on() { local node="$1"; shift; "$DOCKER" -H "$S/$node/docker.sock" "$@"; }
# wait_for SECONDS CMD...: retry CMD every 0.5 s.
wait_for() {
  local t="$1" i; shift
  for i in $(seq 1 $((t * 2))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  return 1
}
# The container of service SVC's running task on NODE (via that node's own engine).
task_ctr() { on "$2" ps -q --filter "label=com.docker.swarm.service.name=${STACK}_$1" --filter status=running | head -n1; }
in_task() { local svc="$1" node="$2" c; shift 2; c="$(task_ctr "$svc" "$node")"; [ -n "$c" ] || return 1; on "$node" exec "$c" "$@"; }

cleanup() {
  local rc=$?
  [ "$rc" = 0 ] || { log "failed; state:"; $SETUP status >&2 || true; }
  $SETUP teardown || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { log "run as root"; exit 2; }
$SETUP install
$SETUP teardown

# ---------------------------------------------------------------- 1. swarm
t0="$(now)"
$SETUP swarm 3 >"$WORK/env"
timing "swarm 3 nodes from nothing to Ready" "$(since "$t0")"
export DOCKER_HOST="$S/s1/docker.sock"

# Keys: made by `wg genkey` in a container, straight into swarm secrets (never on stdout).
# Public keys are public: they go into the stack as environment.
key() { on s1 run --rm -i --network none localhost/wg-compose/tools:latest "$@"; }
for svc in a b; do
  priv="$(key wg genkey)"
  printf '%s' "$priv" | "$DOCKER" secret create "${STACK}_${svc}_key_v1" - >/dev/null
  printf '%s' "$priv" | key wg pubkey >"$WORK/$svc.pub"
done
# A second key for b, for the rolling-update measurement.
priv="$(key wg genkey)"
printf '%s' "$priv" | "$DOCKER" secret create "${STACK}_b_key_v2" - >/dev/null
printf '%s' "$priv" | key wg pubkey >"$WORK/b2.pub"
unset priv

# Each task: /dev/net/tun by mknod (swarm ignores `devices`), wireguard-go, the peer's
# endpoint by its task address on the overlay (tasks.PEER: no VIP, no routing mesh needed),
# keepalive so a rescheduled peer comes back without traffic from this side.
cat >"$WORK/stack.yml" <<EOF
version: "3.8"
x-wg: &wg
  image: localhost/wg-compose/tools:latest
  init: true
  cap_add: [NET_ADMIN]
  networks: [mesh]
  command:
    - sh
    - -c
    - |
      set -e
      [ -c /dev/net/tun ] || { mkdir -p /dev/net; mknod /dev/net/tun c 10 200; }
      wireguard-go wg0
      ip addr add \$\$ME/24 dev wg0
      ip link set wg0 up
      until getent hosts tasks.\$\$PEER >/dev/null; do sleep 0.2; done
      wg set wg0 private-key /run/secrets/wg_key listen-port 51820 \\
        peer \$\$PEER_PUB allowed-ips \$\$PEER_TUN/32 persistent-keepalive 2 \\
        endpoint \$\$(getent hosts tasks.\$\$PEER | awk '{print \$\$1; exit}'):51820
      nc -lk 7000 >/dev/null &
      exec sleep infinity
services:
  a:
    <<: *wg
    environment: {ME: 10.99.0.1, PEER: b, PEER_TUN: 10.99.0.2, PEER_PUB: "$(cat "$WORK/b.pub")"}
    secrets: [{source: ${STACK}_a_key_v1, target: wg_key, mode: 0400}]
    deploy: {endpoint_mode: dnsrr, placement: {constraints: [node.hostname == s1]}}
  b:
    <<: *wg
    environment: {ME: 10.99.0.2, PEER: a, PEER_TUN: 10.99.0.1, PEER_PUB: "$(cat "$WORK/a.pub")"}
    secrets: [{source: ${STACK}_b_key_v1, target: wg_key, mode: 0400}]
    deploy: {endpoint_mode: dnsrr, placement: {constraints: [node.hostname == s2]}}
  agent:
    image: localhost/wg-compose/tools:latest
    init: true
    command: ["sleep", "infinity"]
    volumes: [{type: bind, source: /var/run/docker.sock, target: /var/run/docker.sock}]
    deploy: {mode: global, endpoint_mode: dnsrr}
networks:
  mesh: {driver: overlay, attachable: true}
secrets:
  ${STACK}_a_key_v1: {external: true}
  ${STACK}_b_key_v1: {external: true}
EOF

t0="$(now)"
"$DOCKER" stack deploy --resolve-image never -c "$WORK/stack.yml" "$STACK" >/dev/null
wait_for 90 sh -c "[ -n \"\$($DOCKER -H $S/s1/docker.sock ps -q --filter label=com.docker.swarm.service.name=${STACK}_a --filter status=running)\" ] && [ -n \"\$($DOCKER -H $S/s2/docker.sock ps -q --filter label=com.docker.swarm.service.name=${STACK}_b --filter status=running)\" ]" ||
  { "$DOCKER" stack ps --no-trunc "$STACK" >&2; fail "tasks a (s1) and b (s2) not running"; }
timing "stack deploy to both tasks running" "$(since "$t0")"

# Across nodes on the overlay: names and traffic (a on s1, b on s2; docker exec through each node's own engine).
in_task a s1 getent hosts tasks.b >&2 || fail "tasks.b does not resolve in a"
wait_for 20 in_task a s1 ping -c1 -W1 tasks.b || fail "tasks.b does not answer ping from a"
wait_for 20 in_task a s1 nc -z -w2 tasks.b 7000 || fail "tasks.b:7000 does not answer from a"
wait_for 20 in_task b s2 nc -z -w2 tasks.a 7000 || fail "tasks.a:7000 does not answer from b"
log "ok: tasks.b resolves and answers from a task on another node (ping, tcp)"

# WireGuard between the two tasks.
t0="$(now)"
wait_for 30 in_task a s1 ping -c1 -W1 10.99.0.2 || { in_task a s1 wg show >&2 || true; fail "no traffic through the tunnel a -> b"; }
timing "both tasks running to first ping through the tunnel" "$(since "$t0")"
in_task a s1 ping -c3 -i0.2 -W1 10.99.0.2 >/dev/null || fail "tunnel a -> b drops pings"
in_task b s2 ping -c3 -i0.2 -W1 10.99.0.1 >/dev/null || fail "tunnel b -> a drops pings"
[ "$(in_task a s1 wg show wg0 latest-handshakes | awk '{print $2}')" != 0 ] || fail "no handshake on a"
log "ok: wireguard-go in tasks on s1 and s2, tunnel passes pings both ways"

# No private key in what inspect shows.
for k in $("$DOCKER" service ls -q --filter "name=$STACK"); do
  if "$DOCKER" service inspect "$k" | grep -q 'PRIVATE\|wg genkey'; then fail "key material in service inspect"; fi
done

# Issue 12, node agent: a global service with the node's /var/run/docker.sock bind-mounted
# reaches its own node's engine (each dockerd also listens there in its mount namespace).
for node in s1 s2 s3; do
  wait_for 30 sh -c "[ -n \"\$($DOCKER -H $S/$node/docker.sock ps -q --filter label=com.docker.swarm.service.name=${STACK}_agent --filter status=running)\" ]" ||
    fail "agent not running on $node"
  id="$(on "$node" info --format '{{.Swarm.NodeID}}')"
  in_task agent "$node" sh -c 'printf "GET /info HTTP/1.0\r\nHost: d\r\n\r\n" | nc -U -q2 /var/run/docker.sock' >"$WORK/info"
  grep -q "\"NodeID\":\"$id\"" "$WORK/info" || fail "agent on $node reached another engine: $(head -c 300 "$WORK/info")"
done
log "ok: a global agent service reaches its own node's engine through /var/run/docker.sock on s1, s2, s3"

# Issue 12, rotation: swap b's key secret by a rolling update; a learns the new public key.
t0="$(now)"
in_task a s1 sh -c "wg set wg0 peer $(cat "$WORK/b2.pub") allowed-ips 10.99.0.2/32"
"$DOCKER" service update --quiet --detach=false --secret-rm "${STACK}_b_key_v1" \
  --secret-add "source=${STACK}_b_key_v2,target=wg_key,mode=0400" "${STACK}_b" >/dev/null 2>&1 || fail "service update b"
timing "rolling update of b with a new key secret (update converged)" "$(since "$t0")"
wait_for 30 in_task a s1 ping -c1 -W1 10.99.0.2 || fail "no tunnel after the key rotation"
timing "rolling update of b to ping through the tunnel with the new key" "$(since "$t0")"
in_task a s1 sh -c "wg set wg0 peer $(cat "$WORK/b.pub") remove"
"$DOCKER" secret rm "${STACK}_b_key_v1" >/dev/null || fail "old secret still in use after the update"
log "ok: key secret swapped by a rolling update; old secret removable once unused"

# Issue 12, rescheduling: kill b's task; swarm starts a new one (new overlay address); the new
# task's keepalive to a makes a learn its endpoint again.
t0="$(now)"
old="$(task_ctr b s2)"
on s2 kill "$old" >/dev/null
wait_for 60 sh -c "c=\$($DOCKER -H $S/s2/docker.sock ps -q --filter label=com.docker.swarm.service.name=${STACK}_b --filter status=running | head -n1); [ -n \"\$c\" ] && [ \"\$c\" != $old ]" ||
  fail "no new task for b after kill"
timing "killed task to its replacement running" "$(since "$t0")"
wait_for 60 in_task a s1 ping -c1 -W1 10.99.0.2 || fail "tunnel not back after the task was replaced"
timing "killed task to ping through the tunnel again" "$(since "$t0")"

# A container on another node can attach to the attachable overlay.
on s3 run --rm --network "${STACK}_mesh" localhost/wg-compose/tools:latest ping -c1 -W2 tasks.a >/dev/null ||
  fail "a container on s3 attached to the overlay does not reach tasks.a"
log "ok: a plain container on s3 attached to the overlay reaches tasks.a"

# Remove: nothing of the stack left (docker stack rm returns before the networks are gone).
t0="$(now)"
"$DOCKER" stack rm "$STACK" >/dev/null
"$DOCKER" secret rm "${STACK}_a_key_v1" "${STACK}_b_key_v2" >/dev/null 2>&1 ||
  wait_for 30 "$DOCKER" secret rm "${STACK}_a_key_v1" "${STACK}_b_key_v2" || true
gone() {
  [ -z "$("$DOCKER" service ls -q --filter "label=com.docker.stack.namespace=$STACK")" ] &&
    [ -z "$("$DOCKER" secret ls -q --filter "name=$STACK")" ] &&
    [ -z "$("$DOCKER" network ls -q --filter "label=com.docker.stack.namespace=$STACK")" ] &&
    for node in s1 s2 s3; do [ -z "$(on "$node" ps -aq --filter "label=com.docker.stack.namespace=$STACK")" ] || return 1; done
}
wait_for 60 gone || { "$DOCKER" service ls; "$DOCKER" secret ls; "$DOCKER" network ls; fail "stack rm left something"; }
timing "stack rm to nothing left" "$(since "$t0")"

t0="$(now)"
$SETUP teardown
timing "swarm teardown" "$(since "$t0")"

check_clean() {
  # Every dockerd, containerd and shim of ours has /run/wg-compose-test in its command line.
  local left; left="$(pgrep -af wg-compose-test || true)"
  [ -z "$left" ] || fail "processes left: $left"
  if ip netns list | grep -q '^wgc-'; then fail "namespaces left: $(ip netns list | grep '^wgc-' | tr '\n' ' ')"; fi
  [ ! -e /run/wg-compose-test ] || fail "/run/wg-compose-test left"
  [ ! -e /var/lib/wg-compose-test ] || fail "/var/lib/wg-compose-test left"
  # The nodes' cgroups (--cgroup-parent wgc-NODE) and any mount of ours in the root mount namespace.
  if compgen -G '/sys/fs/cgroup/*/wgc-*' >/dev/null; then fail "cgroups left: $(echo /sys/fs/cgroup/*/wgc-*)"; fi
  if grep -q 'wg-compose-test' /proc/self/mounts; then fail "mounts left: $(grep wg-compose-test /proc/self/mounts)"; fi
}
check_clean
log "ok: no dockerd/containerd of ours, no namespace, no state left"

# ---------------------------------------------------------------- 2. one engine + docker-compose
t0="$(now)"
$SETUP engine >/dev/null
timing "engine from nothing to answering with images" "$(since "$t0")"
mkdir -p "$WORK/compose"
cat >"$WORK/compose/docker-compose.yml" <<'EOF'
version: "3.8"
services:
  net:
    image: localhost/wg-compose/tools:latest
    init: true
    cap_add: [NET_ADMIN]
    command: ["sh", "-c", "mkdir -p /dev/net; [ -c /dev/net/tun ] || mknod /dev/net/tun c 10 200; wireguard-go wg0 && ip link set wg0 up && exec sleep infinity"]
  app:
    image: localhost/wg-compose/base:bookworm
    init: true
    command: ["sleep", "infinity"]
    network_mode: service:net
    depends_on: [net]
EOF
export DOCKER_HOST="$S/d0/docker.sock"
t0="$(now)"
docker-compose --project-directory "$WORK/compose" -f "$WORK/compose/docker-compose.yml" -p wgcsmoke up -d >/dev/null 2>&1 || fail "docker-compose up"
timing "docker-compose up -d (2 containers)" "$(since "$t0")"
wait_for 20 docker-compose -f "$WORK/compose/docker-compose.yml" -p wgcsmoke exec -T app ip link show wg0 ||
  fail "the app container does not see the sidecar's wg0 (network_mode: service:net)"
log "ok: docker-compose on dockerd: network_mode: service:X and cap_add (wg0 of the sidecar seen from app)"
t0="$(now)"
docker-compose -f "$WORK/compose/docker-compose.yml" -p wgcsmoke down >/dev/null 2>&1 || fail "docker-compose down"
timing "docker-compose down" "$(since "$t0")"
[ -z "$(on d0 ps -aq)" ] || fail "containers left after down"
[ -z "$(on d0 network ls -q --filter name=wgcsmoke)" ] || fail "network left after down"
$SETUP teardown
check_clean
log "ok: engine tier base works; nothing left"

trap - EXIT
rm -rf "$WORK"
log "PASS"
printf '  %s\n' "${TIMES[@]}" >&2
