#!/usr/bin/env bash
# Real Docker Engines for the Docker tiers (issue 11: one dockerd; issue 12: a 3-node swarm),
# on this machine kind (Debian 12, root, no systemd, no registry, no IPVS, no WireGuard
# module), as measured in DESIGN.md §9. Nothing in the root network namespace changes:
# every dockerd runs in a network namespace and a private mount namespace of its own, and
# the bridge joining them lives in a namespace of its own too. Idempotent subcommands:
#
#   scripts/docker-setup.sh install     Debian's docker.io (+ iproute2, iptables, debootstrap); starts no daemon
#   scripts/docker-setup.sh engine      one dockerd in netns wgc-d0 (10.231.0.10), base images imported
#   scripts/docker-setup.sh swarm [N]   N dockerd in wgc-s1..N (10.231.0.11..), one swarm, images on all
#   scripts/docker-setup.sh env         `export DOCKER_HOST=…` lines (d0 first if running, then s1..N)
#   scripts/docker-setup.sh status      what is running
#   scripts/docker-setup.sh stop|teardown  stop every dockerd/containerd/container it started, remove
#                                       the namespaces and the state; safe twice and after a crash
#
# Sockets: unix:///run/wg-compose-test/NODE/docker.sock (NODE = d0, s1, s2, …). Images (same
# bytes as podman-setup.sh, scripts/lib/rootfs.sh): localhost/wg-compose/tools:latest and
# localhost/wg-compose/base:bookworm; on a swarm they have the same ID on every node.
# Timings go to stderr. The docker CLI used is Debian's /usr/bin/docker (20.10, the same
# version as the daemon; override with DOCKER=…): /usr/local/bin/docker may be a newer one.
set -euo pipefail

# CACHE, SUITE, INCLUDE, TOOLS_IMAGE, BASE_IMAGE, rootfs_tar (shared with podman-setup.sh).
# shellcheck source=lib/rootfs.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/rootfs.sh"

STATE=/run/wg-compose-test          # per node: docker.sock, dockerd.pid, dockerd.log, exec/
DATA=/var/lib/wg-compose-test       # per node: --data-root
NETNS_BR=wgc-net                    # the namespace that holds the bridge
SUBNET_PREFIX=10.231.0              # node addresses: d0 .10, sN .1N (N ≤ 9)
SWARM_POOL=10.240.0.0/16            # swarm overlay networks
DOCKER="${DOCKER:-/usr/bin/docker}"
READY_TIMEOUT="${READY_TIMEOUT:-60}" # seconds, for a daemon to answer and for nodes to be Ready

log() { echo "docker-setup: $*" >&2; }
need_root() { [ "$(id -u)" -eq 0 ] || { log "run as root"; exit 2; }; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Node name -> number used in addresses and pools: d0 -> 0, sK -> K.
node_num() { case "$1" in d0) echo 0 ;; s*) echo "${1#s}" ;; *) log "bad node $1"; exit 2 ;; esac; }
node_addr() { local n; n="$(node_num "$1")"; if [ "$n" -eq 0 ]; then echo "$SUBNET_PREFIX.10"; else echo "$SUBNET_PREFIX.$((10 + n))"; fi; }
node_ns() { echo "wgc-$1"; }
node_sock() { echo "$STATE/$1/docker.sock"; }
dk() { local node="$1"; shift; "$DOCKER" -H "unix://$(node_sock "$node")" "$@"; }
answers() { [ -S "$(node_sock "$1")" ] && dk "$1" info --format '{{.ID}}' >/dev/null 2>&1; }

install() {
  need_root
  local t0; t0="$(now)"
  if ! command -v dockerd >/dev/null || [ ! -x /usr/bin/docker ] || ! command -v containerd >/dev/null ||
    ! command -v ip >/dev/null || ! command -v iptables >/dev/null || ! command -v debootstrap >/dev/null ||
    ! command -v docker-compose >/dev/null; then
    log "installing docker.io, docker-compose, iproute2, iptables, debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends docker.io docker-compose iproute2 iptables debootstrap >/dev/null
  fi
  # The image's /usr/sbin/policy-rc.d keeps apt from starting a daemon; make sure of it, as
  # a dockerd in the root namespace would rewrite its iptables (and podman's).
  if [ -S /var/run/docker.sock ] && "$DOCKER" -H unix:///var/run/docker.sock info >/dev/null 2>&1; then
    log "warning: a dockerd answers on /var/run/docker.sock in the root namespace (not ours; left alone)"
  fi
  log "timing: install $(since "$t0") s"
}

# The namespace with the bridge all nodes plug into. bridge-nf-call-iptables is on here, so
# bridged frames go through this namespace's (empty, ACCEPT) iptables, not the root one's.
bridge_up() {
  if ! ip netns list | grep -qw "$NETNS_BR"; then
    ip netns add "$NETNS_BR"
  fi
  ip -n "$NETNS_BR" link set lo up
  if ! ip -n "$NETNS_BR" link show br0 >/dev/null 2>&1; then
    ip -n "$NETNS_BR" link add br0 type bridge
  fi
  ip -n "$NETNS_BR" link set br0 up
}

# A node's network namespace, with eth0 on the bridge. No default route: nothing leaves.
netns_up() {
  local node="$1" ns addr
  ns="$(node_ns "$node")"; addr="$(node_addr "$node")"
  ip netns list | grep -qw "$ns" || ip netns add "$ns"
  ip -n "$ns" link set lo up
  if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    ip -n "$NETNS_BR" link del "v-$node" 2>/dev/null || true
    ip -n "$NETNS_BR" link add "v-$node" type veth peer name eth0 netns "$ns"
  fi
  ip -n "$NETNS_BR" link set "v-$node" master br0 up
  ip -n "$ns" addr replace "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
}

# The cgroup v1 hierarchies as mounted here (`ip netns exec` remounts /sys, which hides
# them; dockerd then fails with "Devices cgroup isn't mounted"): "PATH OPTIONS TYPE" lines.
cgroup_mounts() { awk '$3 == "cgroup" || $3 == "cgroup2" { print $2, $4, $3 }' /proc/self/mounts; }

start_node() {
  local node="$1" ns run data n pidfile
  ns="$(node_ns "$node")"; run="$STATE/$node"; data="$DATA/$node"; n="$(node_num "$node")"
  pidfile="$run/dockerd.pid"
  if answers "$node"; then return 0; fi
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    log "$node: dockerd (pid $(cat "$pidfile")) runs but does not answer; run teardown first"; exit 3
  fi
  netns_up "$node"
  mkdir -p "$run" "$data/hostrun"
  rm -f "$run/docker.sock" "$pidfile"
  # Inside: a private mount namespace; tmpfs on /run (containerd's shim sockets under
  # /run/containerd and /var/run/wireguard would clash between nodes otherwise), with
  # $STATE/$node bound back so the socket, pidfile and log are visible from outside;
  # the cgroup hierarchies remounted; its own hostname (the swarm node name). Inside, the
# daemon also listens on /var/run/docker.sock and keeps its data under /var/lib/docker
# (bound from $DATA/$node), so each node looks like an ordinary host to a container that
# bind-mounts them (a global "node agent" service reaches its own node).
  local cg inner
  cg="$(cgroup_mounts)"
  inner='
set -e
mount --bind "$RUN" "$DATA/hostrun"
mount -t tmpfs tmpfs /run
mkdir -p "$RUN"
mount --bind "$DATA/hostrun" "$RUN"
umount "$DATA/hostrun"
echo "$CG" | while read -r path opts type; do
  [ -n "$path" ] || continue
  mountpoint -q /sys/fs/cgroup || mount -t tmpfs -o mode=755 tmpfs /sys/fs/cgroup
  mkdir -p "$path"
  mountpoint -q "$path" || mount -t "$type" -o "$opts" "$type" "$path"
done
# The data root at /var/lib/docker, as on an ordinary host: the node agent bind-mounts
# /var/lib/docker/containers (config.v2.json: which secret file is which) and passes
# <data-root>/containers/ID/mounts/secrets/SECRETID paths to the sidecars it starts.
mkdir -p /var/lib/docker
mount --bind "$DATA" /var/lib/docker
hostname "$NODE"
exec dockerd --data-root /var/lib/docker --exec-root "$RUN/exec" --pidfile "$RUN/dockerd.pid" \
  -H "unix://$RUN/docker.sock" -H unix:///var/run/docker.sock --bip "$BIP" --default-address-pool "base=$POOL,size=24" \
  --cgroup-parent "wgc-$NODE" --storage-driver overlay2 --default-ulimit nofile=1024:1024
'
  log "$node: starting dockerd in netns $ns ($(node_addr "$node"))"
  RUN="$run" DATA="$data" CG="$cg" NODE="$node" BIP="172.29.$n.1/24" POOL="172.$((30 + n)).0.0/16" \
    setsid ip netns exec "$ns" unshare --mount --uts --propagation private sh -c "$inner" \
    >"$run/dockerd.log" 2>&1 </dev/null &
  local bg=$! i
  for i in $(seq 1 $((READY_TIMEOUT * 5))); do
    answers "$node" && return 0
    kill -0 "$bg" 2>/dev/null || break   # it exited: no point waiting
    sleep 0.2
  done
  log "$node: dockerd did not answer on $(node_sock "$node") within ${READY_TIMEOUT} s; last lines of $run/dockerd.log:"
  tail -n 20 "$run/dockerd.log" >&2 || true
  exit 3
}

has_images() { dk "$1" image inspect "$TOOLS_IMAGE" "$BASE_IMAGE" >/dev/null 2>&1; }

import_images() {
  local node="$1" tar
  has_images "$node" && return 0
  local t0; t0="$(now)"
  tar="$(rootfs_tar)"
  log "timing: rootfs tarball ready after $(since "$t0") s (debootstrap only when not cached)"
  t0="$(now)"
  log "$node: importing $TOOLS_IMAGE and $BASE_IMAGE"
  dk "$node" import --message "wg-compose test base ($SUITE minbase: $INCLUDE)" "$tar" "$TOOLS_IMAGE" >/dev/null
  dk "$node" tag "$TOOLS_IMAGE" "$BASE_IMAGE"
  log "timing: $node: docker import $(since "$t0") s"
}

engine() {
  need_root
  command -v dockerd >/dev/null || install
  local t0; t0="$(now)"
  bridge_up
  start_node d0
  log "timing: engine d0 answers after $(since "$t0") s"
  import_images d0
  log "timing: engine d0 with images $(since "$t0") s"
  echo "export DOCKER_HOST=unix://$(node_sock d0)"
}

swarm_nodes() { local k; for k in $(seq 1 "$1"); do echo "s$k"; done; }

swarm() {
  need_root
  local n="${1:-3}"
  [ "$n" -ge 1 ] && [ "$n" -le 9 ] || { log "swarm size must be 1..9"; exit 2; }
  command -v dockerd >/dev/null || install
  local t0 node lead=s1; t0="$(now)"
  # In parallel (each waits for its own daemon); any failure fails the whole.
  local pids=() rc=0 p
  bridge_up
  # The namespaces one after the other: seen once (right after a teardown), parallel
  # `ip netns add` + `ip link add … netns` gave "Peer netns reference is invalid".
  for node in $(swarm_nodes "$n"); do answers "$node" || netns_up "$node"; done
  for node in $(swarm_nodes "$n"); do start_node "$node" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  [ "$rc" = 0 ] || exit 3
  log "timing: swarm $n daemons answer after $(since "$t0") s"
  import_images "$lead"
  # `docker save | docker load`, not another import: an import is a new image ID each time.
  local id saved="$DATA/images.tar"; id="$(dk "$lead" image inspect --format '{{.Id}}' "$TOOLS_IMAGE")"
  pids=()
  local t1; t1="$(now)"
  for node in $(swarm_nodes "$n"); do
    [ "$node" = "$lead" ] && continue
    if [ "$(dk "$node" image inspect --format '{{.Id}}' "$TOOLS_IMAGE" 2>/dev/null)" != "$id" ]; then
      [ -s "$saved" ] || { dk "$lead" save "$TOOLS_IMAGE" "$BASE_IMAGE" >"$saved.tmp" && mv "$saved.tmp" "$saved"
        log "timing: docker save on $lead $(since "$t1") s"; }
      log "$node: loading images saved from $lead"
      dk "$node" load -q -i "$saved" >/dev/null & pids+=($!)
    fi
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  rm -f "$saved"
  [ "$rc" = 0 ] || { log "docker load failed"; exit 3; }
  log "timing: save + parallel docker load $(since "$t1") s"
  log "timing: swarm images on all nodes after $(since "$t0") s ($id)"
  local t2; t2="$(now)"
  if [ "$(dk "$lead" info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
    log "$lead: swarm init"
    dk "$lead" swarm init --advertise-addr "$(node_addr "$lead")" --listen-addr "$(node_addr "$lead"):2377" \
      --default-addr-pool "$SWARM_POOL" --default-addr-pool-mask-length 24 >/dev/null
  fi
  local token; token="$(dk "$lead" swarm join-token -q worker)"
  for node in $(swarm_nodes "$n"); do
    [ "$node" = "$lead" ] && continue
    if [ "$(dk "$node" info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
      log "$node: swarm join"
      dk "$node" swarm join --advertise-addr "$(node_addr "$node")" --listen-addr "$(node_addr "$node"):2377" \
        --token "$token" "$(node_addr "$lead"):2377" >/dev/null
    fi
  done
  local i ready=0
  for i in $(seq 1 $((READY_TIMEOUT * 2))); do
    ready="$(dk "$lead" node ls --format '{{.Status}} {{.Availability}}' | grep -c '^Ready Active' || true)"
    [ "$ready" -ge "$n" ] && break
    sleep 0.5
  done
  if [ "$ready" -lt "$n" ]; then
    log "only $ready of $n nodes Ready after ${READY_TIMEOUT} s:"; dk "$lead" node ls >&2; exit 3
  fi
  log "timing: swarm init + joins to all Ready $(since "$t2") s"
  log "timing: swarm of $n nodes from nothing to Ready $(since "$t0") s"
  env_lines
}

running_nodes() {
  local d
  for d in "$STATE"/*/; do
    [ -d "$d" ] || continue
    basename "$d"
  done
}

# d0 first (the single-engine tier's DOCKER_HOST), then one line per swarm node, named.
env_lines() {
  local node
  for node in $(running_nodes); do
    answers "$node" || continue
    case "$node" in
      d0) echo "export DOCKER_HOST=unix://$(node_sock d0)" ;;
      *) echo "export DOCKER_HOST_$(echo "$node" | tr a-z A-Z)=unix://$(node_sock "$node")" ;;
    esac
  done
  if answers s1; then echo "export DOCKER_HOST=unix://$(node_sock s1)  # the swarm manager"; fi
}

status() {
  local node any=0
  for node in $(running_nodes); do
    any=1
    local pid="-"; [ -f "$STATE/$node/dockerd.pid" ] && pid="$(cat "$STATE/$node/dockerd.pid")"
    if answers "$node"; then
      echo "$node: dockerd pid $pid, netns $(node_ns "$node") $(node_addr "$node"), $(dk "$node" info --format 'swarm {{.Swarm.LocalNodeState}}, {{.ContainersRunning}} containers running, {{.Images}} images')"
    else
      echo "$node: not answering (pid $pid)"
    fi
  done
  if answers s1 && [ "$(dk s1 info --format '{{.Swarm.ControlAvailable}}')" = true ]; then dk s1 node ls; fi
  ip netns list | grep -E '^wgc-' || true
  [ "$any" = 1 ] || echo "nothing running"
}

# Every process whose network namespace is NS (dockerd, containerd, shims), and every
# process in the node's cgroup (its containers, which have network namespaces of their own).
node_pids() {
  local node="$1" ns; ns="$(node_ns "$node")"
  { ip netns pids "$ns" 2>/dev/null || true
    cat /sys/fs/cgroup/pids/"wgc-$node"/cgroup.procs /sys/fs/cgroup/pids/"wgc-$node"/*/cgroup.procs 2>/dev/null || true
  } | sort -un
}

stop_node() {
  local node="$1" pidfile="$STATE/$1/dockerd.pid" pid i
  if [ -f "$pidfile" ]; then
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      log "$node: stopping dockerd (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
  fi
  # Whatever is left (a crash, a hung shim): by pid, from this node's namespace and cgroup only.
  local left
  for sig in TERM KILL; do
    left="$(node_pids "$node" | tr '\n' ' ')"
    [ -n "${left// /}" ] || break
    log "$node: $sig to leftover pids $left"
    # shellcheck disable=SC2086
    kill -"$sig" $left 2>/dev/null || true
    for i in $(seq 1 25); do [ -z "$(node_pids "$node")" ] && break; sleep 0.2; done
  done
  if [ -n "$(node_pids "$node")" ]; then log "$node: processes remain: $(node_pids "$node" | tr '\n' ' ')"; return 1; fi
  # The node's cgroups, in every hierarchy (deepest first).
  local h
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h/wgc-$node" ] && find "$h/wgc-$node" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  ip netns del "$(node_ns "$node")" 2>/dev/null || true
  # Its mounts lived in its private mount namespace, gone with its last process.
  rm -rf "${DATA:?}/$node" "${STATE:?}/$node"
}

teardown() {
  need_root
  local t0 node nodes rc=0; t0="$(now)"
  nodes="$( { running_nodes; ip netns list | awk '{print $1}' | sed -n 's/^wgc-\(d0\|s[0-9]\)$/\1/p'; } | sort -u)"
  # In parallel: a swarm node's dockerd takes seconds to stop.
  local pids=() p
  for node in $nodes; do stop_node "$node" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  ip netns del "$NETNS_BR" 2>/dev/null || true
  rm -f "$DATA/images.tar" "$DATA/images.tar.tmp"
  rmdir "$STATE" "$DATA" 2>/dev/null || true
  log "timing: teardown $(since "$t0") s"
  return "$rc"
}

case "${1:-}" in
  install) install ;;
  engine) engine ;;
  swarm) swarm "${2:-3}" ;;
  env) env_lines ;;
  status) status ;;
  stop | teardown) teardown ;;
  *) log "usage: $0 install|engine|swarm [N]|env|status|stop|teardown"; exit 2 ;;
esac
