#!/usr/bin/env bash
# Installs the real tools the test suites run against (Debian 12, as root): docker-compose
# 1.29.2 to accept rendered stacks, wireguard-tools to check keys against `wg pubkey`, graphviz
# to read `show --format dot` back.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then echo "run as root (apt-get installs Debian packages)" >&2; exit 2; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  docker-compose wireguard-tools wireguard-go iproute2 iputils-ping graphviz >/dev/null
