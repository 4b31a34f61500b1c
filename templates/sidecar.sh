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
set -eu
conf="${WG_COMPOSE_CONFIG:?WG_COMPOSE_CONFIG is not set}"
iface="${WG_COMPOSE_INTERFACE:?WG_COMPOSE_INTERFACE is not set}"
every="${WG_COMPOSE_RERESOLVE:-10}"
ready="${WG_COMPOSE_READY:-/run/wg-compose.ready}"

# A kernel interface outlives a sidecar restart (it lives in the namespace, which the
# namespace container keeps); a userspace one dies with it. Start clean either way.
rm -f "$ready"
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

stop() {
  rm -f "$ready"
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
    if [ "$have" != "$want" ]; then
      wg set "$iface" peer "$pub" endpoint "$want" && kick "$pub" && echo "wg-compose: peer endpoint $host now $want" >&2
    fi
  done
}

while :; do
  if [ "$every" -gt 0 ]; then
    sleep "$every" &
    wait $! || true
    reresolve || true
  else
    sleep 3600 &
    wait $! || true
  fi
done
