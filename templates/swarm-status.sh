#!/bin/sh
# wg-compose status on a swarm: one look at every sidecar of a project on this node. `wg-compose
# status --target swarm` runs it once on every node as a global job (docker service create
# --mode global-job) with the node's engine socket bind-mounted, reads what it printed through
# the manager (`docker service logs`, the only channel from every node back to it) and removes
# the job. It needs POSIX sh, curl and jq (the tools image has them).
#
# For every running sidecar of $WG_COMPOSE_PROJECT on this node (the containers the node agent,
# templates/swarm-agent.sh, started: label dev.wg-compose.role=sidecar), it runs
# $WG_COMPOSE_PROBE (src/status/links.ts: public keys, times and counters only; the private
# and preshared keys are dropped inside the sidecar) through the engine's exec API, and prints
# each line of its answer as
#   wg-compose-status SERVICE TASK NODE LINE
# then, last,
#   wg-compose-status done NODE
set -u
project="${WG_COMPOSE_PROJECT:?WG_COMPOSE_PROJECT is not set}"
iface="${WG_COMPOSE_INTERFACE:-wg0}"
probe="${WG_COMPOSE_PROBE:?WG_COMPOSE_PROBE is not set}"
sock="${DOCKER_SOCK:-/var/run/docker.sock}"

api() {
  m="$1" p="$2"
  shift 2
  curl -sS --fail --unix-socket "$sock" -X "$m" "$@" "http://engine$p"
}

node="$(api GET /info | jq -r .Name)" || exit 1
api GET /containers/json -G --data-urlencode "filters={\"label\":[\"dev.wg-compose.role=sidecar\",\"dev.wg-compose.project=$project\"],\"status\":[\"running\"]}" |
  jq -r '.[] | [.Id, .Labels["dev.wg-compose.service"], .Labels["dev.wg-compose.task"]] | @tsv' | {
  while IFS="$(printf '\t')" read -r id service task; do
    [ -n "$id" ] || continue
    (
      cmd="$(jq -nc --arg sh "$probe" --arg iface "$iface" '{Cmd: ["sh", "-c", $sh, "sh", $iface], AttachStdout: true, Tty: true}')"
      eid="$(api POST "/containers/$id/exec" -H 'Content-Type: application/json' -d "$cmd" | jq -r .Id)" || exit 0
      out="$(api POST "/exec/$eid/start" -H 'Content-Type: application/json' -d '{"Detach":false,"Tty":true}' | tr -d '\r')"
      # One write per sidecar, so lines of two sidecars never interleave.
      printf '%s\n' "$out" | awk -v p="wg-compose-status $service $task $node" 'BEGIN { print p, "seen" } NF { print p, $0 }'
    ) &
  done
  wait
}
echo "wg-compose-status done $node"
