#!/usr/bin/env bash
# A real container engine for the engine and builder test tiers (DESIGN.md §8 tiers 5 and 6),
# on this machine kind (Debian 12, root, no Docker daemon, no systemd, no registry), as
# measured in DESIGN.md §9. Idempotent: every step checks before it acts, so CI and a
# developer can run it any number of times.
#
#   scripts/podman-setup.sh [setup]   install + configure podman, import the base image, start the API service
#   scripts/podman-setup.sh install   Debian packages and /etc/containers settings only
#   scripts/podman-setup.sh image     the debootstrap base image (cached), imported into podman
#   scripts/podman-setup.sh start     podman's Docker-compatible API on $SOCKET (background)
#   scripts/podman-setup.sh stop      stop the API service this script started
#   scripts/podman-setup.sh env       print `export DOCKER_HOST=…` for docker-compose
#
# The base image is one debootstrap of bookworm (minbase plus the tools below), imported as
#   localhost/wg-compose/tools:latest   the default sidecar image (x-wireguard.image), and
#   localhost/wg-compose/base:bookworm  the same tree, for test application images to build FROM.
set -euo pipefail

SOCKET_DIR=/run/podman
SOCKET="$SOCKET_DIR/podman.sock"
PIDFILE="$SOCKET_DIR/wg-compose-service.pid"
CACHE=/var/cache/wg-compose-test
TOOLS_IMAGE=localhost/wg-compose/tools:latest
BASE_IMAGE=localhost/wg-compose/base:bookworm
# netcat-openbsd for the engine tier's echo servers; procps for ps/pkill inside containers.
INCLUDE=wireguard-tools,wireguard-go,iproute2,iputils-ping,procps,netcat-openbsd,curl,jq
SUITE=bookworm

log() { echo "podman-setup: $*" >&2; }
need_root() { [ "$(id -u)" -eq 0 ] || { log "run as root"; exit 2; }; }

# The Debian mirror apt uses here (no image can be pulled; debootstrap needs a mirror).
mirror() {
  local m=""
  if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
    m="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' /etc/apt/sources.list.d/*.sources)"
  fi
  if [ -z "$m" ] && compgen -G '/etc/apt/sources.list*' >/dev/null; then
    m="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }')"
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

install() {
  need_root
  if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null || ! command -v buildah >/dev/null ||
    ! command -v docker-compose >/dev/null || [ ! -x /usr/lib/podman/netavark ] || [ ! -x /usr/lib/podman/aardvark-dns ]; then
    log "installing podman, buildah, debootstrap, docker-compose"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends \
      podman runc buildah debootstrap docker-compose uidmap slirp4netns fuse-overlayfs \
      netavark aardvark-dns iptables ca-certificates curl >/dev/null
  fi
  configure
}

# DESIGN.md §9: runc (crun refuses these hybrid cgroups) and ulimits within the hard limit
# here (the default asks for more open files than 20000). No systemd, no journald: cgroupfs
# and file event/log drivers, or podman warns on every call. netavark with aardvark-dns:
# container names and network aliases resolve on user networks (CNI needs the dnsname
# plugin for that, and CNI is deprecated in podman 4).
CONTAINERS_CONF='# wg-compose test settings (scripts/podman-setup.sh; DESIGN.md §9)
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
network_backend = "netavark"
'

configure() {
  local conf=/etc/containers/containers.conf
  mkdir -p /etc/containers
  if [ "$(cat "$conf" 2>/dev/null)" != "$(printf '%s' "$CONTAINERS_CONF")" ]; then
    log "writing $conf"
    if [ -f "$conf" ] && ! grep -qs '# wg-compose test settings' "$conf"; then cp "$conf" "$conf.wg-compose-backup"; fi
    printf '%s' "$CONTAINERS_CONF" >"$conf"
  fi
}

image() {
  need_root
  command -v podman >/dev/null || install
  if podman image exists "$TOOLS_IMAGE" && podman image exists "$BASE_IMAGE"; then
    return 0
  fi
  mkdir -p "$CACHE"
  # Keyed by what goes in: another package list is another tarball.
  local key tar
  key="$(printf '%s %s' "$SUITE" "$INCLUDE" | sha256sum | cut -c1-12)"
  tar="$CACHE/$SUITE-minbase-$key.tar"
  if [ ! -s "$tar" ]; then
    local root m
    root="$(mktemp -d "$CACHE/root.XXXXXX")"
    m="$(mirror)"
    log "debootstrap $SUITE from $m (about 30 s)"
    debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$root" "$m" >"$CACHE/debootstrap.log" 2>&1 ||
      { log "debootstrap failed; see $CACHE/debootstrap.log"; rm -rf "$root"; exit 3; }
    # apt lists and caches are not needed in a container and only make the image larger.
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    tar -C "$root" -c . >"$tar.tmp" && mv "$tar.tmp" "$tar"
    rm -rf "$root"
  fi
  log "importing $TOOLS_IMAGE and $BASE_IMAGE"
  podman import --quiet "$tar" "$TOOLS_IMAGE" >/dev/null
  podman tag "$TOOLS_IMAGE" "$BASE_IMAGE"
}

# podman's Docker-compatible API for docker-compose (DESIGN.md §9). --time=0: never exits
# on idle; `stop` ends it by the pid recorded here, nothing else.
start() {
  need_root
  command -v podman >/dev/null || install
  mkdir -p "$SOCKET_DIR"
  # Already answering (ours, or one a developer runs): use it, and leave it to its owner.
  if ping_api; then
    return 0
  fi
  rm -f "$SOCKET"
  log "starting podman system service on $SOCKET"
  nohup podman system service --time=0 "unix://$SOCKET" >"$SOCKET_DIR/wg-compose-service.log" 2>&1 &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 100); do
    ping_api && return 0
    sleep 0.1
  done
  log "podman system service did not answer on $SOCKET; see $SOCKET_DIR/wg-compose-service.log"
  exit 3
}

ping_api() {
  [ -S "$SOCKET" ] && curl -fsS --max-time 2 --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1
}

stop() {
  if [ -f "$PIDFILE" ]; then
    local pid
    pid="$(cat "$PIDFILE")"
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping podman system service (pid $pid)"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$PIDFILE"
  fi
}

case "${1:-setup}" in
  setup) install && image && start ;;
  install) install ;;
  image) image ;;
  start) start ;;
  stop) stop ;;
  env) echo "export DOCKER_HOST=unix://$SOCKET" ;;
  *) log "unknown command: $1"; exit 2 ;;
esac
