#!/usr/bin/env bash
# The engine tier (DESIGN.md §8, tier 5): `wg-compose up`/`down` with Debian's docker-compose
# 1.29.2 against two real engines, one after the other: podman's Docker API
# (scripts/podman-setup.sh), then Docker Engine, Debian's dockerd in a network namespace of its
# own (scripts/docker-setup.sh engine; nothing in the root namespace changes). Needs root. Sets
# each engine up (idempotent), runs test/engine against it, and stops what it started, pass or
# fail.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
./scripts/podman-setup.sh setup
trap './scripts/podman-setup.sh stop' EXIT
DOCKER_HOST=unix:///run/podman/podman.sock WG_COMPOSE_ENGINE_TESTS=1 npx uvu dist/test/engine '\.test\.js$'
echo "engine tier (podman): $(( $(date +%s) - start )) s" >&2
./scripts/podman-setup.sh stop
start=$(date +%s)
./scripts/docker-setup.sh install
trap './scripts/docker-setup.sh teardown' EXIT
./scripts/docker-setup.sh engine
DOCKER_HOST=unix:///run/wg-compose-test/d0/docker.sock WG_COMPOSE_TEST_CLI=docker WG_COMPOSE_TEST_NETNS=wgc-d0 WG_COMPOSE_ENGINE_TESTS=1 \
  npx uvu dist/test/engine '\.test\.js$'
echo "engine tier (dockerd): $(( $(date +%s) - start )) s" >&2
