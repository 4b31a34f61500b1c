#!/bin/sh
# wg-compose swarm node agent: brings WireGuard into the network namespace of every task of a
# linked service on this node, without touching the task's image or privileges. A stack
# rendered with `wg-compose render --target swarm` runs it as a global service (one task per
# node, templates/swarm-agent.yml.hbs) with the node's engine socket and the node's
# <data-root>/containers directory (read-only) bind-mounted. It needs POSIX sh, curl and jq.
#
# For each running container on this node labelled dev.wg-compose.role=task and
# dev.wg-compose.project=$WG_COMPOSE_PROJECT, it keeps one plain (non-swarm) sidecar
# container that
#   - joins the task's network namespace   (NetworkMode container:<task id>)
#   - may create the interface             (CapAdd NET_ADMIN, device /dev/net/tun)
#   - gets exactly one file: the task's own swarm secret holding its wg-quick config without
#     the peers' public keys, bind-mounted read-only from
#     <data-root>/containers/<id>/mounts/secrets/<SecretID>, and its peers' public keys
#     (WG_COMPOSE_PEERS, from the agent's own dev.wg-compose.public-keys label and the task's
#     dev.wg-compose.peers label)
#   - runs templates/swarm-sidecar.sh ($WG_COMPOSE_WRAPPER), which puts the two together in a
#     tmpfs and runs templates/sidecar.sh ($WG_COMPOSE_SIDECAR) on that: wg-quick up, then
#     endpoint re-resolution every 2 s (tasks.PROJECT_NAME of a peer whose task does not exist
#     yet, or moved to another node, is found again within that; a name lookup is cheap);
#   - leaves by itself (and is removed: AutoRemove) once the task's network is gone, so no
#     sidecar outlives its task even when the agent is gone first (`docker stack rm`).
# The key never passes through the agent: it reads the task's config.v2.json only to learn
# which SecretID backs the secret target named by the label dev.wg-compose.secret, and hands
# the engine a path.
#
# Reconciliation is stateless (all state is in container labels), every $WG_COMPOSE_RESYNC
# seconds:
#   - a sidecar whose task is gone, not running, or restarted since (a restarted container
#     has a new network namespace), or that is not running itself, is removed;
#   - a task without a running sidecar gets one;
#   - a sidecar that this agent has not yet given its peers' current keys gets them (adopt, in
#     templates/swarm-sidecar.sh): a rotated key changes the agent's dev.wg-compose.public-keys
#     label, so every agent restarts, and the peers of the rotated service take its new key in
#     place, without a restart, the moment its new task shakes hands with them.
# Sidecars outlive the agent: an agent update or restart does not cut the tunnels.
#
# Status, for `wg-compose deploy` (which reads this service's logs through the manager: the
# only channel from every node back to it): one line per sidecar whenever it changes, and
# at least every $WG_COMPOSE_HEARTBEAT seconds,
#   wg-compose-agent: status SERVICE TASK up PASSING/PEERS [waiting=PUBKEY,…]
#   wg-compose-agent: status SERVICE TASK down
# TASK is the task container's name (STACK_SERVICE.SLOT.TASKID); public keys only.
#
# Environment:
#   WG_COMPOSE_PROJECT    the stack's project (only its tasks are served)
#   WG_COMPOSE_IMAGE      the sidecar image (the tools image)
#   WG_COMPOSE_INTERFACE  the WireGuard interface name
#   WG_COMPOSE_SIDECAR    the sidecar program (templates/sidecar.sh)
#   WG_COMPOSE_WRAPPER    what the sidecar container runs (templates/swarm-sidecar.sh)
#   DOCKER_SOCK           default /var/run/docker.sock
#   NODE_CONTAINERS       default /node/containers (<data-root>/containers, read-only)
#   WG_COMPOSE_RESYNC     default 2 (seconds between full reconciliations and status looks)
#   WG_COMPOSE_HEARTBEAT  default 60 (seconds between repeated status lines)
# and, on the agent's own container, the label dev.wg-compose.public-keys: every linked
# service's public key and addresses, "SERVICE KEY ADDRESS…" a line each (public, as in the
# lockfile). A label, not the environment: `wg-compose deploy` changes it alone before it rolls
# out a rotated key, and the stack deploy after it must find the same spec (labels are a map;
# `docker service update --env-add` reorders the environment), or the agents restart again.
set -u

project="${WG_COMPOSE_PROJECT:?WG_COMPOSE_PROJECT is not set}"
image="${WG_COMPOSE_IMAGE:?WG_COMPOSE_IMAGE is not set}"
iface="${WG_COMPOSE_INTERFACE:-wg0}"
sidecar="${WG_COMPOSE_SIDECAR:?WG_COMPOSE_SIDECAR is not set}"
wrapper="${WG_COMPOSE_WRAPPER:?WG_COMPOSE_WRAPPER is not set}"
keys="" # read from the agent's label once the engine answers
sock="${DOCKER_SOCK:-/var/run/docker.sock}"
containers="${NODE_CONTAINERS:-/node/containers}"
resync="${WG_COMPOSE_RESYNC:-2}"
settled=10 # seconds between looks at a tunnel that is fully up
heartbeat="${WG_COMPOSE_HEARTBEAT:-60}"
seen="$(mktemp -d)"    # last status line and its time, per sidecar
applied="$(mktemp -d)" # a file per sidecar this agent gave its peers' keys

ROLE=dev.wg-compose.role
PROJECT=dev.wg-compose.project
SERVICE=dev.wg-compose.service
SECRET=dev.wg-compose.secret
OF=dev.wg-compose.sidecar-of            # on sidecars: the task container's id
STARTED=dev.wg-compose.task-started     # on sidecars: the task's State.StartedAt when joined
PEERS=dev.wg-compose.peers              # on tasks and their sidecars: the peer services
KEYS=dev.wg-compose.public-keys         # on the agent: every linked service's key and addresses

log() { echo "wg-compose-agent: $*" >&2; }
short() { printf '%.12s' "$1"; }

# api METHOD PATH [curl args…]: one Engine API call; the body on stdout, non-zero on HTTP >= 400.
api() {
  m="$1" p="$2"
  shift 2
  curl -sS --fail --unix-socket "$sock" -X "$m" "$@" "http://engine$p"
}

# Containers carrying every label in $1 (a JSON list of "k=v"); running ones unless $2 is "all".
list() {
  if [ "${2:-}" = all ]; then
    api GET /containers/json -G --data-urlencode all=1 --data-urlencode "filters={\"label\":$1}"
  else
    api GET /containers/json -G --data-urlencode "filters={\"label\":$1,\"status\":[\"running\"]}"
  fi
}

# "SERVICE …" → "ADDRESS KEY …": the public keys of those services, from $KEYS.
peer_keys() {
  printf '%s\n' "$keys" | awk -v want="$1" '
    BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) ok[w[i]] = 1 }
    ($1 in ok) { for (i = 3; i <= NF; i++) out = out (out ? " " : "") $i " " $2 }
    END { print out }'
}

start_sidecar() { # task-id
  id="$1"
  # One jq for every field (a process each is seconds on a busy node): one per line.
  t="$(api GET "/containers/$id/json" | jq -r --arg s "$SERVICE" --arg x "$SECRET" --arg p "$PEERS" \
    '(.Name | ltrimstr("/")), (.Config.Labels[$s] // ""), (.Config.Labels[$x] // ""), .State.StartedAt, (.Config.Labels[$p] // "")')"
  [ -n "$t" ] || return 1
  { read -r name; read -r service; read -r target; read -r started; read -r peers; } <<FIELDS
$t
FIELDS
  pk="$(peer_keys "$peers")"
  # Which secret file is the config: moby stores a task's secrets as files named by SecretID.
  sid="$(jq -r --arg f "$target" '.SecretReferences[]? | select(.File.Name == $f) | .SecretID' "$containers/$id/config.v2.json" 2>/dev/null | head -n1)"
  if [ -z "$target" ] || [ -z "$sid" ]; then
    log "$name ($service): no secret with target \"$target\"; no sidecar"
    return 1
  fi
  body="$(jq -n --arg img "$image" --arg id "$id" --arg service "$service" --arg started "$started" \
    --arg src "$root/containers/$id/mounts/secrets/$sid" --arg iface "$iface" --arg sh "$wrapper" --arg prog "$sidecar" --arg name "$name" \
    --arg role "$ROLE" --arg proj "$PROJECT" --arg project "$project" --arg svc "$SERVICE" --arg of "$OF" --arg st "$STARTED" \
    --arg pl "$PEERS" --arg peers "$peers" --arg pk "$pk" '{
      Image: $img,
      Entrypoint: ["/bin/sh", "-c", $sh, "wg-compose-sidecar", "main"],
      Cmd: [],
      Env: ["WG_COMPOSE_SECRET=/run/wg-compose/secret", "WG_COMPOSE_INTERFACE=" + $iface, "WG_COMPOSE_SIDECAR=" + $prog, "WG_COMPOSE_RERESOLVE=2", "WG_COMPOSE_PEERS=" + $pk],
      Labels: {($role): "sidecar", ($proj): $project, ($svc): $service, ($of): $id, ($st): $started, ($pl): $peers, "dev.wg-compose.task": $name},
      HostConfig: {
        NetworkMode: ("container:" + $id),
        CapAdd: ["NET_ADMIN"],
        Devices: [{PathOnHost: "/dev/net/tun", PathInContainer: "/dev/net/tun", CgroupPermissions: "rwm"}],
        Binds: [($src + ":/run/wg-compose/secret:ro")],
        Tmpfs: {"/tmp": "mode=1777"},
        Init: true,
        AutoRemove: true
      }
    }')"
  sc="wg-compose-sidecar.$name"
  new="$(api POST "/containers/create?name=$sc" -H 'Content-Type: application/json' -d "$body" 2>/dev/null)" || {
    # A leftover of the same name (an older sidecar of this task, being removed): once more.
    api DELETE "/containers/$sc?force=1" >/dev/null 2>&1
    new="$(api POST "/containers/create?name=$sc" -H 'Content-Type: application/json' -d "$body")" || return 1
  }
  cid="$(printf '%s' "$new" | jq -r .Id)"
  if api POST "/containers/$cid/start" >/dev/null; then
    : >"$applied/$cid"
    log "$name ($service): sidecar $(short "$cid") started"
  else
    log "$name ($service): sidecar failed to start"
    api DELETE "/containers/$cid?force=1" >/dev/null 2>&1
    return 1
  fi
}

# start_for TASK-ID: the task's sidecar, unless one runs; one start at a time per task (the
# reconcile loop and the event loop both start sidecars).
start_for() {
  [ -n "$1" ] || return 0
  lock="$applied/.start-$1"
  mkdir "$lock" 2>/dev/null || return 0
  running="$(list "[\"$ROLE=sidecar\",\"$OF=$1\"]" | jq -r '.[0].Id // empty')" || running=""
  [ -n "$running" ] || start_sidecar "$1" || true
  rmdir "$lock"
}

reconcile() {
  tasks="$(list "[\"$ROLE=task\",\"$PROJECT=$project\"]" | jq -r '.[] | .Id')" || return 1
  cars="$(list "[\"$ROLE=sidecar\",\"$PROJECT=$project\"]" all |
    jq -r --arg of "$OF" --arg st "$STARTED" '.[] | [.Id, .Labels[$of], .Labels[$st], .State] | @tsv')" || return 1
  # Sidecars first: keep the good ones, remove the rest.
  printf '%s\n' "$cars" | while IFS="$(printf '\t')" read -r c of st state; do
    [ -n "$c" ] || continue
    why=""
    if ! printf '%s\n' "$tasks" | grep -qx "$of"; then
      why="its task is gone"
    elif [ "$state" != running ]; then
      why="it is $state"
    elif [ "$(api GET "/containers/$of/json" | jq -r .State.StartedAt)" != "$st" ]; then
      why="its task restarted"
    fi
    if [ -n "$why" ]; then
      log "removing sidecar $(short "$c"): $why"
      api DELETE "/containers/$c?force=1" >/dev/null 2>&1 || true
    fi
  done
  # Then every task without a running sidecar gets one (re-read: the removals above).
  have="$(list "[\"$ROLE=sidecar\",\"$PROJECT=$project\"]" | jq -r --arg of "$OF" --arg pl "$PEERS" '.[] | [.Id, .Labels[$of], .Labels[$pl] // ""] | @tsv')" || return 1
  for id in $tasks; do
    printf '%s\n' "$have" | cut -f2 | grep -qx "$id" || start_for "$id"
  done
  # And every running sidecar has its peers' keys (see adopt). The keys are this agent's for
  # its lifetime, so a sidecar that was given them once (at its start, or by adopt) has them.
  # Once they all have, the first time, one line says so: `wg-compose deploy` waits for it from
  # every node before it rolls out a rotated key (src/cli/stage-keys.ts).
  behind=0 n=0
  while IFS="$(printf '\t')" read -r c _ peers; do
    [ -n "$c" ] || continue
    n=$((n + 1))
    [ -e "$applied/$c" ] && continue
    if adopt "$c" "$(peer_keys "$peers")"; then : >"$applied/$c"; else behind=$((behind + 1)); fi
  done <<CARS
$have
CARS
  if [ "$behind" = 0 ] && [ ! -e "$applied/.current" ]; then
    log "keys current in $n sidecar(s)"
    : >"$applied/.current"
  fi
}

# exec_in CONTAINER ARGV-JSON: runs the command in the container (the engine's exec API, with a
# tty: output and errors as one stream) and prints its output; fails unless it exited 0.
exec_in() {
  cmd="$(jq -nc --argjson argv "$2" '{Cmd: $argv, AttachStdout: true, AttachStderr: true, Tty: true}')"
  eid="$(api POST "/containers/$1/exec" -H 'Content-Type: application/json' -d "$cmd" 2>/dev/null | jq -r .Id)" || return 1
  api POST "/exec/$eid/start" -H 'Content-Type: application/json' -d '{"Detach":false,"Tty":true}' 2>/dev/null | tr -d '\r'
  [ "$(api GET "/exec/$eid/json" 2>/dev/null | jq -r .ExitCode)" = 0 ]
}

# adopt SIDECAR "ADDRESS KEY …": templates/swarm-sidecar.sh adopt, in the sidecar.
adopt() {
  argv="$(jq -nc --arg sh "$wrapper" --arg pk "$2" '["/bin/sh", "-c", $sh, "wg-compose-sidecar", "adopt"] + ($pk | split(" ") | map(select(. != "")))')"
  ok=0
  out="$(exec_in "$1" "$argv")" || ok=1
  [ -z "$out" ] || printf '%s\n' "$out" | while read -r l; do log "sidecar $(short "$1"): ${l#wg-compose: }"; done
  [ "$ok" = 0 ]
}

# A status line per running sidecar when it changed, or when the last is $heartbeat s old.
report() {
  list "[\"$ROLE=sidecar\",\"$PROJECT=$project\"]" | jq -r --arg svc "$SERVICE" '.[] | [.Id, .Labels[$svc], .Labels["dev.wg-compose.task"]] | @tsv' |
    while IFS="$(printf '\t')" read -r c service task; do
      [ -n "$c" ] || continue
      now="$(date +%s)"
      last="$(cat "$seen/$c" 2>/dev/null || true)"
      # A tunnel passing traffic to every peer is looked at again only every $settled s:
      # each look is an exec in the sidecar.
      case "$last" in
        *" up "*)
          h="${last##* up }"
          h="${h%% *}"
          [ "${h%/*}" = "${h#*/}" ] && [ $((now - ${last%% *})) -lt "$settled" ] && continue
          ;;
      esac
      line="status $service $task $(tunnel "$c")"
      if [ "${last#* }" != "$line" ] || [ $((now - ${last%% *})) -ge "$heartbeat" ]; then
        log "$line"
        echo "$now $line" >"$seen/$c"
      fi
    done
  # Forget sidecars that are gone.
  for f in "$seen"/*; do
    [ -e "$f" ] || continue
    api GET "/containers/$(basename "$f")/json" >/dev/null 2>&1 || rm -f "$f" "$applied/$(basename "$f")"
  done
}

# "up PASSING/PEERS [waiting=KEY,…]" or "down", from one exec in the sidecar (through the
# engine's exec API) of $PROBE: a peer passes once a WireGuard handshake with it completed and,
# where the sidecar image has ping, one ping through the tunnel to the peer's address came
# back. A handshake alone was not enough: right after a deploy the overlay can still drop a
# new task's packets one way for a few seconds after the handshake got through, and "every
# tunnel is up" must mean traffic passes. Only public keys and times leave the sidecar: the
# dump's private and preshared keys are dropped inside it.
# shellcheck disable=SC2016 # expanded in the sidecar
PROBE='iface="$1"
wg show "$iface" dump >/dev/null || exit 1
wg show "$iface" dump | awk -F "\t" "NR > 1 && \$4 != \"(none)\" { split(\$4, a, \",\"); sub(/\\/.*/, \"\", a[1]); print \$1, \$5, a[1] }" | {
while read -r pub hs addr; do (
  ok=0
  if [ "$hs" != 0 ]; then
    if ! command -v ping >/dev/null 2>&1 || [ "$addr" = "(none)" ] || ping -c 1 -W 1 -q "$addr" >/dev/null 2>&1; then ok=1; fi
  elif command -v ping >/dev/null 2>&1 && [ "$addr" != "(none)" ]; then
    ping -c 1 -W 1 -q "$addr" >/dev/null 2>&1 || true # a packet to send starts a handshake
  fi
  echo "$pub $ok"
) & done
wait
}'
tunnel() {
  out="$(exec_in "$1" "$(jq -nc --arg sh "$PROBE" --arg iface "$iface" '["sh", "-c", $sh, "sh", $iface]')")" || {
    echo down
    return
  }
  printf '%s\n' "$out" | awk 'NF == 2 { n++; if ($2 == 1) h++; else w = w (w ? "," : "") $1 }
    END { printf "up %d/%d%s\n", h, n, (w ? " waiting=" w : "") }'
}

root=""
until root="$(api GET /info | jq -er .DockerRootDir)"; do
  log "the engine does not answer on $sock"
  sleep 2
done
[ -d "$containers" ] || {
  log "$containers: bind-mount the node's <data-root>/containers ($root/containers) there"
  exit 2
}
keys="$(api GET "/containers/${HOSTNAME:-$(cat /etc/hostname)}/json" | jq -r --arg l "$KEYS" '.Config.Labels[$l] // ""')"
log "node $(api GET /info | jq -r .Name), data root $root, project $project, sidecar image $image, $(printf '%s\n' "$keys" | grep -c .) public key(s)"

# Reconciliation runs in one loop, so rounds never overlap: reconcile, then sleep $resync
# seconds, or less: a task of the project starting on this node cuts the sleep short. The
# event loop also starts that task's sidecar itself, at once: a round reads every container
# and takes seconds on a busy node, and a rotated service's new task is unreachable until its
# sidecar is up (measured at load 20: 24 s from a task's start to its sidecar through rounds). The state is read afresh each time (stateless), so nothing that
# happens between two rounds is lost, and a burst of events costs one round, not one each (a
# round per event backed up behind a burst of task starts: tunnels up to 30 s late). An event
# during a round leaves a mark, so the sleep after that round is cut short too.
# Status reports run in a loop of their own: each is an exec in every sidecar that is not
# settled, which takes seconds on a busy node, and a new task's sidecar must not wait for them
# (measured: 22 s from a task's start to its sidecar at load 20, with both in one loop).
# The loops run in the background and the shell waits: `wait` returns on SIGTERM at once.
sleeper="$applied/.sleep" wake="$applied/.wake"
(
  while :; do
    rm -f "$wake"
    reconcile
    sleep "$resync" &
    echo $! >"$sleeper"
    [ ! -e "$wake" ] || kill $! 2>/dev/null
    wait $! 2>/dev/null
  done
) &
loop=$!
(
  while :; do
    report
    sleep "$resync"
  done
) &
reporter=$!
(
  filters="{\"type\":[\"container\"],\"event\":[\"start\"],\"label\":[\"$ROLE=task\",\"$PROJECT=$project\"]}"
  while :; do
    curl -sSN --unix-socket "$sock" -G --data-urlencode "filters=$filters" http://engine/events 2>/dev/null |
      while read -r event; do
        : >"$wake"
        kill "$(cat "$sleeper" 2>/dev/null)" 2>/dev/null
        start_for "$(printf '%s' "$event" | jq -r '.id // .Actor.ID // empty')"
      done
    sleep 1
  done
) &
events=$!
trap 'kill "$loop" "$reporter" "$events" 2>/dev/null; exit 0' TERM INT
wait "$loop"
