#!/bin/sh
# wg-compose sidecar: brings one WireGuard interface up inside the service's network
# namespace and keeps it up. The rendered stack runs this script as the sidecar's command
# (with "$" escaped for compose), the tunnel tests run it in network namespaces, and the
# tools image ships it; it needs only POSIX sh, wg, wg-quick, ip, getent, awk and mktemp.
#
#   WG_COMPOSE_CONFIG     the wg-quick file (the compose secret), named IFACE.conf
#   WG_COMPOSE_INTERFACE  the interface name (the config file's base name)
#   WG_COMPOSE_RERESOLVE  seconds between endpoint re-resolutions (default 10; 0 = off)
#   WG_COMPOSE_READY      file touched once the interface is up (default /run/wg-compose.ready)
#   WG_COMPOSE_STATUS     a directory to write the interface's state to (probe below), as
#                         IFACE, at once and then every re-resolution interval; unset: none
set -eu
conf="${WG_COMPOSE_CONFIG:?WG_COMPOSE_CONFIG is not set}"
iface="${WG_COMPOSE_INTERFACE:?WG_COMPOSE_INTERFACE is not set}"
every="${WG_COMPOSE_RERESOLVE:-10}"
ready="${WG_COMPOSE_READY:-/run/wg-compose.ready}"
status="${WG_COMPOSE_STATUS:-}"

# A kernel interface outlives a sidecar restart (it lives in the namespace, which the
# namespace container keeps); a userspace one dies with it. Start clean either way.
rm -f "$ready"
[ -z "$status" ] || rm -f "$status/$iface"
ip link del "$iface" 2>/dev/null || true
# wg refuses a whole configuration when one endpoint name does not resolve ("Name or service
# not known" is final to it), so a single peer whose container is not up yet would keep every
# tunnel of this service down. Bring the interface up from a private copy (wg-quick wants it
# named IFACE.conf) without the endpoints that do not resolve yet; reresolve sets them once
# they do. The others stay in the copy: with PersistentKeepalive set, wg-quick up starts
# their handshakes at once, which it could not do without an endpoint (and WireGuard would
# then wait REKEY_TIMEOUT, 5 s, before trying again).
umask 077
up="$(mktemp -d)/$iface.conf"
absent=""
for ep in $(awk '/^[ \t]*Endpoint[ \t]*=/ { sub(/^[^=]*=[ \t]*/, ""); print }' "$conf"); do
  case "$ep" in \[*) ;; *) getent hosts "${ep%:*}" >/dev/null || absent="$absent $ep" ;; esac
done
awk -v absent="$absent" '
  BEGIN { n = split(absent, a, " "); for (i = 1; i <= n; i++) skip[a[i]] = 1 }
  /^[ \t]*Endpoint[ \t]*=/ { ep = $0; sub(/^[^=]*=[ \t]*/, "", ep); if (ep in skip) next }
  { print }
' "$conf" > "$up"
wg-quick up "$up"

# Shake hands with a peer now (kick PUBKEY). After a restart this side has no session while
# its peers still hold the old one: they would keep sending on it, unanswered, until
# WireGuard gives up on it (REKEY_TIMEOUT + KEEPALIVE_TIMEOUT, 15 s), and traffic to this
# service would stall that long; and a peer whose endpoint is set after `up` hears nothing
# until the next rekey (5 s). Turning persistent keepalive on sends one keepalive at once
# (the kernel module and wireguard-go both do), which starts a handshake; the configured
# value is put back.
kick() {
  ka="$(wg show "$iface" persistent-keepalive | awk -v k="$1" '$1 == k { print $2 }')"
  [ "$ka" = off ] && ka=0
  wg set "$iface" peer "$1" persistent-keepalive 0
  wg set "$iface" peer "$1" persistent-keepalive 1
  wg set "$iface" peer "$1" persistent-keepalive "${ka:-0}"
}
wg show "$iface" peers | while read -r pub; do kick "$pub"; done || true
touch "$ready"

# probe IFACE: what `wg-compose status` reads (src/status/links.ts parses it, and runs this very
# function in a sidecar whose status file is missing or old): `now UNIXTIME`, `interface
# PUBLICKEY PORT`, and per peer `peer PUBLICKEY ENDPOINT HANDSHAKE RX TX`. Public keys, times
# and counters only: `wg show dump` prints the private and preshared keys, and they are dropped
# here. First, one ping through the tunnel to each peer whose handshake is missing or older
# than 120 s (REKEY_AFTER_TIME): an idle link has no reason to shake hands, and a packet to
# send makes WireGuard do it, so an idle but healthy link is not reported stale (180 s).
# Returns 3 when there is no such interface.
probe() {
  wg show "$1" dump >/dev/null 2>&1 || return 3
  if command -v ping >/dev/null 2>&1; then
    for a in $(wg show "$1" dump | awk -F '\t' -v now="$(date +%s)" 'NR > 1 && ($5 == 0 || now - $5 > 120) { split($4, a, ","); sub(/\/.*/, "", a[1]); if (a[1] != "(none)") print a[1] }'); do
      ping -c 1 -W 1 -q "$a" >/dev/null 2>&1 &
    done
    wait
  fi
  echo "now $(date +%s)"
  wg show "$1" dump | awk -F '\t' 'NR == 1 { print "interface", $2, $3; next } { print "peer", $1, $3, $5, $6, $7 }'
}

# The status file: replaced by a rename, so a reader never sees half of one, and readable by
# all (it holds no secret; `status` may run as a user other than the engine's).
report() {
  [ -n "$status" ] || return 0
  if probe "$iface" >"$status/.$iface.tmp"; then
    chmod 644 "$status/.$iface.tmp" && mv -f "$status/.$iface.tmp" "$status/$iface"
  else
    rm -f "$status/.$iface.tmp" "$status/$iface"
  fi
}

stop() {
  rm -f "$ready"
  [ -z "$status" ] || rm -f "$status/$iface"
  wg-quick down "$up" 2>/dev/null || true
  exit 0
}
trap stop TERM INT

# Endpoint re-resolution, as wireguard-tools' contrib/reresolve-dns does: wg resolves an
# endpoint's name once, so when a peer's container restarts with a new address the tunnel
# would stay pointed at the old one. Every interval, resolve each peer's endpoint name again
# and move the peer if the address changed (or set it, if it did not resolve before);
# recovery takes at most one interval.
reresolve() {
  awk '
    /^\[Peer\]/ { pub = ""; ep = "" }
    /^[ \t]*PublicKey[ \t]*=/ { sub(/^[^=]*=[ \t]*/, ""); pub = $0 }
    /^[ \t]*Endpoint[ \t]*=/ { sub(/^[^=]*=[ \t]*/, ""); ep = $0 }
    pub != "" && ep != "" { print pub, ep; pub = ""; ep = "" }
  ' "$conf" | while read -r pub ep; do
    host="${ep%:*}"
    port="${ep##*:}"
    case "$host" in \[*) continue ;; esac # an IPv6 literal needs no resolving
    addr="$(getent hosts "$host" | awk '{ print $1; exit }')" || continue
    [ -n "$addr" ] || continue
    case "$addr" in *:*) want="[$addr]:$port" ;; *) want="$addr:$port" ;; esac
    have="$(wg show "$iface" endpoints | awk -v k="$pub" '$1 == k { print $2 }')"
    # No such peer (its key was replaced in place, templates/swarm-sidecar.sh): `wg set` would add it back.
    [ -n "$have" ] || continue
    if [ "$have" != "$want" ]; then
      wg set "$iface" peer "$pub" endpoint "$want" && kick "$pub" && echo "wg-compose: peer endpoint $host now $want" >&2
    fi
  done
}

# The first status is written before the handshakes complete; the next, 2 s later, after.
report || true
next=2
while :; do
  if [ "$every" -gt 0 ]; then
    sleep "$next" &
    wait $! || true
    next="$every"
    reresolve || true
    report || true
  else
    sleep 3600 &
    wait $! || true
  fi
done
