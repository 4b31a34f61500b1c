# shellcheck shell=bash
# The debootstrap base rootfs shared by the container-engine test harnesses
# (scripts/podman-setup.sh, scripts/docker-setup.sh): one bookworm minbase tree with the
# WireGuard tools, cached as a tarball in $CACHE and keyed by what goes in, so both engines
# import the very same bytes and a machine debootstraps once (DESIGN.md §9).
#
# Sourced, not run. The caller defines log() (to stderr) and runs as root.
#   rootfs_tar   ensures the tarball exists and prints its path

CACHE=/var/cache/wg-compose-test
# netcat-openbsd for the engine tier's echo servers; procps for ps/pkill inside containers;
# curl and jq for the swarm node agent (scripts/swarm-agent/), which talks to the Engine API
# on the node's socket (curl --unix-socket) rather than a docker CLI bind-mounted from a
# node that may not have one, or one of another build.
INCLUDE=wireguard-tools,wireguard-go,iproute2,iputils-ping,procps,netcat-openbsd,curl,jq
SUITE=bookworm
TOOLS_IMAGE=localhost/wg-compose/tools:latest
BASE_IMAGE=localhost/wg-compose/base:bookworm

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

# Path of the cached tarball for $SUITE + $INCLUDE (another package list is another tarball).
rootfs_path() {
  local key
  key="$(printf '%s %s' "$SUITE" "$INCLUDE" | sha256sum | cut -c1-12)"
  echo "$CACHE/$SUITE-minbase-$key.tar"
}

rootfs_tar() {
  local tar
  tar="$(rootfs_path)"
  mkdir -p "$CACHE"
  if [ ! -s "$tar" ]; then
    command -v debootstrap >/dev/null || { log "debootstrap is not installed"; exit 3; }
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
  echo "$tar"
}
