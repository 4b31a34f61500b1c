#!/bin/sh
# wg-compose-onboot IFACE.conf: configures one WireGuard interface that LinuxKit's runtime
# created (`runtime.interfaces: [{name: IFACE, add: wireguard, createInRoot: true}]`) and moved
# into this container's new network namespace, which `bindNS.net` keeps at /run/netns/IFACE for
# the services that join it. It does what `wg-quick up` does after creating the link (wg-quick(8)):
# `wg setconf` with the wg-quick extras stripped, the addresses, the MTU, the link up, and a route
# per AllowedIPs prefix; it never creates the link, since the runtime did, in the root namespace,
# which is where its UDP socket stays (WireGuard's netns integration), so peers on this node
# reach it on the root namespace's 127.0.0.1 at its listen port.
#
#   WG_COMPOSE_INTERFACE  the interface (default: the config file's base name)
set -eu
conf="${1:?usage: wg-compose-onboot /etc/wireguard/IFACE.conf}"
name="$(basename "$conf")"
iface="${WG_COMPOSE_INTERFACE:-${name%.conf}}"

if ! ip link show dev "$iface" >/dev/null 2>&1; then
  echo "wg-compose-onboot: no interface $iface here: LinuxKit's runtime creates it (runtime.interfaces, add: wireguard)" >&2
  exit 1
fi

# Nothing is written to disk: a LinuxKit container's root file system may be read-only.
stripped="$(wg-quick strip "$conf")"
printf '%s\n' "$stripped" | wg setconf "$iface" /dev/stdin

# Address and MTU come from the [Interface] section only; several Address lines and
# comma-separated lists are both wg-quick syntax.
interface_values() {
  awk -v key="$1" '
    /^[ \t]*\[/ { in_if = ($0 ~ /^[ \t]*\[Interface\]/) }
    in_if && tolower($0) ~ "^[ \t]*" tolower(key) "[ \t]*=" {
      sub(/^[^=]*=[ \t]*/, ""); gsub(/[ \t]/, ""); n = split($0, v, ","); for (i = 1; i <= n; i++) if (v[i] != "") print v[i]
    }' "$conf"
}

for address in $(interface_values Address); do
  ip address replace "$address" dev "$iface"
done
mtu="$(interface_values MTU | tail -n 1)"
if [ -n "$mtu" ]; then ip link set dev "$iface" mtu "$mtu"; fi
ip link set dev "$iface" up

# One route per AllowedIPs prefix, most specific first, as wg-quick adds them.
wg show "$iface" allowed-ips | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /\//) print $i }' |
  sort -t / -k 2 -rn | while read -r prefix; do
    ip route replace "$prefix" dev "$iface"
  done
echo "wg-compose-onboot: $iface up ($(interface_values Address | tr '\n' ' '| sed 's/ $//'))" >&2
