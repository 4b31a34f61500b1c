#!/bin/sh
# wg-compose swarm sidecar: what the node agent (templates/swarm-agent.sh) runs in each sidecar
# it joins to a task's network namespace. It needs POSIX sh, wg, ip and awk (the tools image).
#
#   swarm-sidecar.sh main
#       Assembles the wg-quick file from the task's secret and WG_COMPOSE_PEERS, in a tmpfs,
#       runs templates/sidecar.sh on it, and leaves once the task's network is gone (only lo
#       and the WireGuard interface are left in the namespace). Meanwhile it promotes staged
#       keys (below) the moment they shake hands.
#   swarm-sidecar.sh adopt ADDRESS KEY [ADDRESS KEY]...
#       The agent's word that the peer at tunnel address ADDRESS now has public key KEY.
#
# Why the peers' keys come from the agent: swarm secrets cannot change, and a secret that named
# the peers' public keys would be replaced, and its tasks restarted, whenever any peer's key is
# rotated. So a task's secret holds its own private key, the preshared keys, its addresses and
# its peers, but not their public keys (src/render/wg-quick.ts); those are public, and reach
# the agent in its environment (WG_COMPOSE_KEYS).
#
# A rotation without a split: the rotated service's new task comes up with its new key while
# its peers keep running. WireGuard holds one peer per key and one owner per address, so a peer
# cannot simply take both keys for one address. adopt stages the new key as a second peer with
# the old one's preshared key, endpoint and keepalive but no address: it can shake hands and
# carries no traffic. Once it has shaken hands (the new task is up), it takes the address over
# and the old key goes; until then the old key keeps serving whatever old task still runs.
#
# Environment: WG_COMPOSE_SECRET (the task's secret, read-only), WG_COMPOSE_INTERFACE,
# WG_COMPOSE_SIDECAR (templates/sidecar.sh), WG_COMPOSE_PEERS ("ADDRESS KEY ..." of its peers),
# WG_COMPOSE_WORK (default /tmp/wg-compose; the agent mounts a tmpfs at /tmp).
set -u
iface="${WG_COMPOSE_INTERFACE:?WG_COMPOSE_INTERFACE is not set}"
work="${WG_COMPOSE_WORK:-/tmp/wg-compose}" # a tmpfs (the agent mounts one): the assembled file holds the private key
conf="$work/$iface.conf"
staged="$work/staged" # a file per staged key: "NEW OLD"

log() { echo "wg-compose: $*" >&2; }

# The key of the peer whose allowed IPs hold ADDRESS.
owner() {
  wg show "$iface" allowed-ips | awk -v a="$1" '{ for (i = 2; i <= NF; i++) { x = $i; sub(/\/.*/, "", x); if (x == a) { print $1; exit } } }'
}

# What `wg show IFACE WHAT` says of peer KEY.
of() { wg show "$iface" "$1" | awk -v k="$2" '$1 == k { print $2 }'; }

adopt() {
  umask 077
  mkdir -p "$staged"
  while [ $# -ge 2 ]; do
    addr="$1" key="$2"
    shift 2
    old="$(owner "$addr")"
    [ -n "$old" ] && [ "$old" != "$key" ] || continue
    f="$staged/$(printf '%s' "$key" | tr '/+' '_-')"
    [ -e "$f" ] && continue
    # A key staged earlier for this address and never promoted (rotated twice) gives way.
    for g in "$staged"/*; do
      [ -e "$g" ] || continue
      read -r n o <"$g" || continue
      [ "$o" = "$old" ] || continue
      wg set "$iface" peer "$n" remove
      rm -f "$g"
    done
    ep="$(of endpoints "$old")"
    ka="$(of persistent-keepalive "$old")"
    [ "$ka" = off ] && ka=0
    # The preshared key goes from wg to wg through a file in the tmpfs, and is gone at once.
    of preshared-keys "$old" | sed 's/^(none)$//' >"$work/psk"
    if [ -n "$ep" ] && [ "$ep" != "(none)" ]; then
      wg set "$iface" peer "$key" preshared-key "$work/psk" endpoint "$ep" persistent-keepalive "${ka:-0}"
    else
      wg set "$iface" peer "$key" preshared-key "$work/psk" persistent-keepalive "${ka:-0}"
    fi || {
      rm -f "$work/psk"
      log "could not stage key $key for $addr"
      continue
    }
    rm -f "$work/psk"
    echo "$key $old" >"$f"
    log "staged key $key for $addr (now $old)"
  done
}

# A staged key that shook hands takes its old key's addresses; the old key goes.
promote() {
  for g in "$staged"/*; do
    [ -e "$g" ] || continue
    read -r new old <"$g" || continue
    if ! wg show "$iface" peers | grep -qxF "$old"; then
      rm -f "$g"
      continue
    fi
    hs="$(of latest-handshakes "$new")"
    [ -n "$hs" ] && [ "$hs" != 0 ] || continue
    ips="$(wg show "$iface" allowed-ips | awk -v k="$old" '$1 == k { $1 = ""; sub(/^ +/, ""); gsub(/ +/, ","); print }')"
    # templates/sidecar.sh re-resolves each peer's endpoint by its key in the config file: the
    # file names the new key before the old one goes.
    sed -i "s|= $old\$|= $new|" "$conf"
    wg set "$iface" peer "$new" allowed-ips "$ips" && wg set "$iface" peer "$old" remove || continue
    rm -f "$g"
    log "key $new took over $ips from $old"
  done
}

main() {
  umask 077
  mkdir -p "$staged"
  awk -v keys="${WG_COMPOSE_PEERS:-}" '
    BEGIN { n = split(keys, a, " "); for (i = 1; i < n; i += 2) key[a[i]] = a[i + 1] }
    { print }
    /^[ \t]*AllowedIPs[ \t]*=/ {
      v = $0; sub(/^[^=]*=[ \t]*/, "", v); sub(/[\/, \t].*/, "", v)
      if (v in key) print "PublicKey = " key[v]; else print "wg-compose: no public key for the peer at " v > "/dev/stderr"
    }
  ' "${WG_COMPOSE_SECRET:?WG_COMPOSE_SECRET is not set}" >"$conf"
  WG_COMPOSE_CONFIG="$conf" sh -c "${WG_COMPOSE_SIDECAR:?WG_COMPOSE_SIDECAR is not set}" &
  pid=$!
  trap 'kill "$pid" 2>/dev/null; wait "$pid"; exit 0' TERM INT
  while kill -0 "$pid" 2>/dev/null && ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -qv -e '^lo$' -e "^$iface\$"; do
    promote
    sleep 0.5
  done
  kill "$pid" 2>/dev/null
  wait "$pid"
}

case "${1:-main}" in
  main) main ;;
  adopt)
    shift
    adopt "$@"
    ;;
  *)
    log "unknown command: $1"
    exit 2
    ;;
esac
