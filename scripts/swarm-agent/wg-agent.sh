#!/bin/sh
# wg-compose swarm node agent: brings WireGuard into the network namespace of every swarm
# task on this node that asks for it, without touching the task's image or privileges.
#
# Runs as a global swarm service (one task per node) with the node's engine socket
# bind-mounted (and, only for the fallback below, <data-root>/containers). For each running local
# container labelled  com.wg-compose.sidecar-for=STACK/SERVICE/SLOT  it keeps one plain
# (non-swarm) sidecar container that
#   - joins the task's network namespace      (NetworkMode container:<task id>)
#   - may create the interface                (CapAdd NET_ADMIN, device /dev/net/tun)
#   - gets exactly one file: the task's own swarm secret holding its wg-quick config,
#     bind-mounted read-only from <data-root>/containers/<id>/mounts/secrets/<SecretID>
#   - runs `wg-quick up` (wireguard-go when the kernel has no module) and waits.
# The key never passes through the agent: it hands the engine a path. Which file is the
# config: moby names a task's secret files by SecretID. The renderer knows the SecretID (it
# creates the secret, `docker secret create` prints it) and puts it in the container label
# com.wg-compose.secret-id. Without that label the agent falls back to the task's
# config.v2.json (SecretReferences: target name com.wg-compose.config, default wg0.conf ->
# SecretID), which needs <data-root>/containers bind-mounted at $NODE_CONTAINERS; the engine
# forces rslave on any bind inside its data root, so that bind shows the agent every task's
# secret tmpfs: prefer the label.
#
# Reconciliation is stateless (all state is in container labels), triggered by container
# events on this node and every $RESYNC seconds:
#   - a task without a running sidecar gets one;
#   - a sidecar whose task is gone, or whose task restarted (StartedAt changed: a restarted
#     container has a new network namespace), or that is not running, is removed
#     (and, for a live task, started again).
# Sidecars also leave by themselves once the task's namespace loses its interfaces (the
# task stopped) and are created with AutoRemove, so a stopped agent leaves little behind.
#
# The Engine API is reached with curl --unix-socket and parsed with jq (both in the tools
# image), not a docker CLI bind-mounted from the node: real nodes may have none, or one
# built against another libc.
#
# Environment (defaults suit a stock node):
#   DOCKER_SOCK      /var/run/docker.sock        the node's engine
#   NODE_CONTAINERS  /node/containers            <data-root>/containers, bind-mounted read-only
#                                                (only for tasks without com.wg-compose.secret-id)
#   SIDECAR_IMAGE    localhost/wg-compose/tools:latest
#   RESYNC           10                          seconds between full reconciliations
set -u

DOCKER_SOCK="${DOCKER_SOCK:-/var/run/docker.sock}"
NODE_CONTAINERS="${NODE_CONTAINERS:-/node/containers}"
SIDECAR_IMAGE="${SIDECAR_IMAGE:-localhost/wg-compose/tools:latest}"
RESYNC="${RESYNC:-10}"

L_FOR=com.wg-compose.sidecar-for       # on task containers (and copied onto their sidecars)
L_OF=com.wg-compose.sidecar-of         # on sidecars: the task container's id
L_STARTED=com.wg-compose.task-started  # on sidecars: the task's State.StartedAt when joined
L_CONF=com.wg-compose.config           # on task containers: secret target name (default wg0.conf)
L_SID=com.wg-compose.secret-id         # on task containers: that secret's SecretID

log() { echo "wg-agent: $*" >&2; }

# api METHOD PATH [curl args…]: one Engine API call; the body on stdout, non-zero on HTTP >= 400.
api() {
  _m="$1" _p="$2"; shift 2
  curl -sS --fail --unix-socket "$DOCKER_SOCK" -X "$_m" "$@" "http://engine$_p"
}

# The sidecar's program ($1: interface name; the config is /etc/wireguard/$1.conf, the one
# bind-mounted secret file, read-only).
# - wg-quick resolves every Endpoint at `up` and fails if one does not resolve (a peer slot
#   not running yet, or gone): one absent peer would keep the whole interface down. So the
#   interface comes up from a copy in which each Endpoint name is resolved now and dropped
#   if it does not resolve. The copy is made in the sidecar's private /dev/shm (IpcMode
#   private: not the app's, never on disk) and deleted right after `up`.
# - Every ~10 s, each peer without a handshake in the last 135 s gets its Endpoint resolved
#   and set again (as wireguard-tools' contrib reresolve-dns.sh does, but one failing name
#   does not stop the others). A live session is left alone: WireGuard roaming keeps it.
#   Its PersistentKeepalive is switched off and on with it: wireguard-go sends a keepalive
#   (so a handshake) only when keepalive is turned on, and the one sent at `up` went nowhere
#   without an endpoint; otherwise the first handshake waits for the 5 s rekey timer.
# - It leaves when the task's namespace has no interface but lo and its own (the task
#   stopped and the engine took its interfaces away); AutoRemove then deletes it.
# The config should carry MTU: without a resolvable endpoint wg-quick derives it from the
# default route (docker_gwbridge, 1500), not from the overlay (1450 by default).
# Endpoints are host:port with an IPv4 name or address (no [IPv6]:port in this prototype).
# shellcheck disable=SC2016 # expanded in the sidecar, not here
SIDECAR_SH='
iface="$1"; conf="/etc/wireguard/$iface.conf"
trap "ip link del \"\$iface\" 2>/dev/null; exit 0" TERM INT
resolve() { getent hosts "${1%:*}" | awk -v p="${1##*:}" "{ print \$1 \":\" p; exit }"; }
peers="$(awk "{ sub(/#.*/, \"\") }
  function val() { v = \$0; sub(/^[^=]*=[ \t]*/, \"\", v); sub(/[ \t]+$/, \"\", v); return v }
  function out() { if (pk != \"\" && ep != \"\") print pk, ep, (ka == \"\" ? \"off\" : ka); pk = ep = ka = \"\" }
  /^[ \t]*\[/ { out(); peer = (\$0 ~ /^[ \t]*\[Peer\]/) }
  peer && /^[ \t]*PublicKey[ \t]*=/ { pk = val() }
  peer && /^[ \t]*Endpoint[ \t]*=/ { ep = val() }
  peer && /^[ \t]*PersistentKeepalive[ \t]*=/ { ka = val() }
  END { out() }" "$conf")"
umask 077; mkdir -p /dev/shm/wg
until
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      [Ee]ndpoint*=*) ep="$(echo ${line#*=})"; ip="$(resolve "$ep")"; [ -z "$ip" ] || echo "Endpoint = $ip" ;;
      *) printf "%s\n" "$line" ;;
    esac
  done <"$conf" >"/dev/shm/wg/$iface.conf"
  wg-quick up "/dev/shm/wg/$iface.conf"
do sleep 1; done
rm -f "/dev/shm/wg/$iface.conf"
n=0
while ip -o link show | awk -F": " "{ sub(/@.*/, \"\", \$2); print \$2 }" | grep -qv -e "^lo\$" -e "^$iface\$"; do
  n=$((n + 1)); sleep 2
  [ $((n % 5)) -eq 0 ] || continue
  now=$(date +%s)
  echo "$peers" | while read -r pub ep ka; do
    [ -n "$pub" ] || continue
    hs=$(wg show "$iface" latest-handshakes | awk -v k="$pub" "\$1 == k { print \$2 }")
    [ $((now - ${hs:-0})) -gt 135 ] || continue
    ip="$(resolve "$ep")"; [ -n "$ip" ] || continue
    wg set "$iface" peer "$pub" endpoint "$ip" persistent-keepalive off &&
      wg set "$iface" peer "$pub" persistent-keepalive "$ka"
  done
done
echo "task network gone; leaving" >&2
'

start_sidecar() { # task-id
  _id="$1"
  _t="$(api GET "/containers/$_id/json")" || return 1
  _name="$(printf '%s' "$_t" | jq -r '.Name | ltrimstr("/")')"
  _for="$(printf '%s' "$_t" | jq -r --arg l "$L_FOR" '.Config.Labels[$l]')"
  _conf="$(printf '%s' "$_t" | jq -r --arg l "$L_CONF" '.Config.Labels[$l] // "wg0.conf"')"
  _started="$(printf '%s' "$_t" | jq -r '.State.StartedAt')"
  _iface="${_conf%.conf}"
  # Which secret file is the config: moby stores a task's secrets as files named by SecretID.
  _sid="$(printf '%s' "$_t" | jq -r --arg l "$L_SID" '.Config.Labels[$l] // ""')"
  [ -n "$_sid" ] || _sid="$(jq -r --arg f "$_conf" '.SecretReferences[]? | select(.File.Name == $f) | .SecretID' \
    "$NODE_CONTAINERS/$_id/config.v2.json" 2>/dev/null | head -n1)"
  case "$_sid" in *[!a-z0-9]* | "") log "$_name ($_for): no usable SecretID for $_conf; no sidecar"; return 1 ;; esac
  _src="$ROOT/containers/$_id/mounts/secrets/$_sid"
  _body="$(jq -n --arg img "$SIDECAR_IMAGE" --arg id "$_id" --arg for "$_for" --arg started "$_started" \
    --arg src "$_src" --arg iface "$_iface" --arg sh "$SIDECAR_SH" \
    --arg lfor "$L_FOR" --arg lof "$L_OF" --arg lst "$L_STARTED" '{
      Image: $img,
      Cmd: ["sh", "-c", $sh, "wg-sidecar", $iface],
      Labels: {($lfor): $for, ($lof): $id, ($lst): $started},
      HostConfig: {
        NetworkMode: ("container:" + $id),
        CapAdd: ["NET_ADMIN"],
        Devices: [{PathOnHost: "/dev/net/tun", PathInContainer: "/dev/net/tun", CgroupPermissions: "rwm"}],
        Binds: [($src + ":/etc/wireguard/" + $iface + ".conf:ro")],
        IpcMode: "private",
        Init: true,
        AutoRemove: true
      }
    }')"
  _sc="wgc-sidecar.$_name"
  _new="$(api POST "/containers/create?name=$_sc" -H 'Content-Type: application/json' -d "$_body" 2>&1)" || {
    # A leftover of the same name (an older sidecar of this task being removed): once more.
    api DELETE "/containers/$_sc?force=1" >/dev/null 2>&1
    _new="$(api POST "/containers/create?name=$_sc" -H 'Content-Type: application/json' -d "$_body")" || return 1
  }
  _sid="$(printf '%s' "$_new" | jq -r .Id)"
  if api POST "/containers/$_sid/start" >/dev/null; then
    log "$_name ($_for): sidecar ${_sid%"${_sid#????????????}"} started"
  else
    log "$_name ($_for): sidecar failed to start"
    api DELETE "/containers/$_sid?force=1" >/dev/null 2>&1
    return 1
  fi
}

reconcile() {
  _tasks="$(api GET /containers/json -G --data-urlencode "filters={\"label\":[\"$L_FOR\"],\"status\":[\"running\"]}" |
    jq -r --arg lof "$L_OF" '.[] | select(.Labels[$lof] == null) | .Id')" || return 1
  _cars="$(api GET /containers/json -G --data-urlencode all=1 --data-urlencode "filters={\"label\":[\"$L_OF\"]}" |
    jq -r --arg lof "$L_OF" --arg lst "$L_STARTED" '.[] | [.Id, .Labels[$lof], .Labels[$lst], .State] | @tsv')" || return 1
  _have=""
  # Sidecars first: keep the good ones, remove the rest.
  printf '%s\n' "$_cars" | while IFS="$(printf '\t')" read -r _c _of _st _state; do
    [ -n "$_c" ] || continue
    _why=""
    if ! printf '%s\n' "$_tasks" | grep -qx "$_of"; then _why="its task is gone"
    elif [ "$_state" != running ]; then _why="it is $_state"
    elif [ "$(api GET "/containers/$_of/json" | jq -r .State.StartedAt)" != "$_st" ]; then _why="its task restarted"
    fi
    if [ -n "$_why" ]; then
      log "removing sidecar ${_c%"${_c#????????????}"}: $_why"
      api DELETE "/containers/$_c?force=1" >/dev/null 2>&1 || true
    fi
  done
  # Then every task without a running sidecar gets one (ids re-read: removals above).
  _have="$(api GET /containers/json -G --data-urlencode "filters={\"label\":[\"$L_OF\"],\"status\":[\"running\"]}" |
    jq -r --arg lof "$L_OF" '.[] | .Labels[$lof]')" || return 1
  for _id in $_tasks; do
    printf '%s\n' "$_have" | grep -qx "$_id" || start_sidecar "$_id" || true
  done
}

ROOT=""
until ROOT="$(api GET /info | jq -er .DockerRootDir)"; do log "engine not answering on $DOCKER_SOCK"; sleep 2; done
[ -d "$NODE_CONTAINERS" ] || log "no $NODE_CONTAINERS: tasks need the label $L_SID"
log "node $(api GET /info | jq -r .Name), data root $ROOT, sidecar image $SIDECAR_IMAGE"

# One loop, so reconciliations never overlap: follow container events for up to RESYNC
# seconds (the stream ends at `until`), reconcile on each, and once more when it ends.
# The loop runs in the background and the shell waits for it: `wait` returns on SIGTERM
# at once (a foreground pipeline would delay the trap until the stream ends).
EVENTS='{"type":["container"],"event":["start","die","destroy"]}'
(
  reconcile
  while :; do
    api GET /events -N -G --data-urlencode "filters=$EVENTS" --data-urlencode "until=$(($(date +%s) + RESYNC))" |
      while read -r _ev; do reconcile; done
    reconcile
  done
) &
loop=$!
# Sidecars stay: an agent update or restart must not cut the tunnels.
trap 'kill "$loop" 2>/dev/null; exit 0' TERM INT
wait "$loop"
