#!/usr/bin/env bash
# The engine tier (DESIGN.md §8, tier 5): `wg-compose up`/`down` against podman + Debian's
# docker-compose 1.29.2 on podman's Docker API (DESIGN.md §9). Needs root. Sets the engine up
# (idempotent), runs test/engine, and stops the API service it started, pass or fail.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/podman-setup.sh setup
trap './scripts/podman-setup.sh stop' EXIT
export DOCKER_HOST=unix:///run/podman/podman.sock WG_COMPOSE_ENGINE_TESTS=1
start=$(date +%s)
npx uvu dist/test/engine '\.test\.js$'
echo "engine tier: $(( $(date +%s) - start )) s" >&2
