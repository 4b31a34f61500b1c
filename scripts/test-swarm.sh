#!/usr/bin/env bash
# The swarm tier (issue #12): a real 3-node Docker Swarm of Debian's dockerd, each node in a
# network namespace of its own (scripts/docker-setup.sh, DESIGN.md §9), built from nothing,
# then test/swarm (wg-compose deploy, traffic across nodes, isolation, a killed task, a
# drained node, rm), then torn down, pass or fail. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
./scripts/docker-setup.sh install
trap './scripts/docker-setup.sh teardown' EXIT
./scripts/docker-setup.sh swarm 3
echo "swarm tier: swarm ready after $(( $(date +%s) - start )) s" >&2
WG_COMPOSE_DOCKER=/usr/bin/docker npx uvu dist/test/swarm '\.slow\.js$'
echo "swarm tier: $(( $(date +%s) - start )) s" >&2
