#!/usr/bin/env bash
# Installs what the tests need (run-time packages, a registry, image tools) and runs the whole
# suite: unit tests, then integration tests against real runc, conmon, CNI and a registry.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
require_root
require_jdk
apt_install "${RUNTIME_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
exec ./mvnw -B verify "$@"
