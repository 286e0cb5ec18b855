#!/usr/bin/env bash
# Runs the CRI conformance suite (critest, cri-tools v1.32.0, built separately and on PATH)
# against a private Caisson instance, with images served by the loopback registry of
# ../shared/testenv (registry.k8s.io and gcr.io rewritten to 127.0.0.1:5000).
#
#   scripts/critest.sh [critest args...]     e.g. --ginkgo.focus='Image Manager'
#
# CRITEST_RUNTIME_HANDLER=NAME runs every spec's pods with a runtime handler of that name, whose
# runtime is a wrapper that writes down each call and runs runc ($work/NAME-calls.log): the
# per-pod runtime path, checked by the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
require_root
require_jdk
command -v critest >/dev/null || { echo "critest is not on PATH" >&2; exit 1; }

testenv="${TESTENV:-$(cd .. && pwd)/shared/testenv}"
work="${CRITEST_WORK:-/tmp/caisson-critest}"
registry_data="${REGISTRY_DATA:-/var/lib/cri-testenv-registry}"
mkdir -p "$work"

if ! curl -fs --max-time 2 http://127.0.0.1:5000/v2/ >/dev/null; then
  "$testenv/registry.sh" start "$registry_data"
  "$testenv/images.sh"
fi

cat >"$work/registries.conf" <<'CONF'
[[registry]]
prefix = "registry.k8s.io"
location = "127.0.0.1:5000"
insecure = true
[[registry]]
prefix = "gcr.io"
location = "127.0.0.1:5000"
insecure = true
CONF

# The node's CNI network when it has one, else the project's default bridge network.
cni_conf_dir=/etc/cni/net.d
if ! ls "$cni_conf_dir"/*.conflist "$cni_conf_dir"/*.conf "$cni_conf_dir"/*.json >/dev/null 2>&1; then
  cni_conf_dir="$work/net.d"
  install -D -m 0644 src/main/resources/cni/10-caisson-bridge.conflist \
    "$cni_conf_dir/10-caisson-bridge.conflist"
fi

config=/dev/null
handler_args=()
if [[ -n "${CRITEST_RUNTIME_HANDLER:-}" ]]; then
  handler="$CRITEST_RUNTIME_HANDLER"
  calls="$work/$handler-calls.log"
  : >"$calls"
  printf '#!/bin/sh\necho "$*" >> %s\nexec /usr/sbin/runc "$@"\n' "$calls" >"$work/$handler-runtime"
  chmod 0755 "$work/$handler-runtime"
  config="$work/caisson-$handler.toml"
  printf '[runtimes.%s]\npath = "%s"\n' "$handler" "$work/$handler-runtime" >"$config"
  handler_args=(--runtime-handler "$handler")
fi

socket="$work/caisson.sock"
bin/caisson --config "$config" --socket "$socket" --root "$work/root" --state "$work/state" \
  --registries-conf "$work/registries.conf" --cni-conf-dir "$cni_conf_dir" --log-level "${CAISSON_LOG_LEVEL:-info}" \
  >"$work/caisson.log" 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [[ -S "$socket" ]] && break; sleep 0.1; done

critest "${handler_args[@]}" --runtime-endpoint "unix://$socket" --image-endpoint "unix://$socket" \
  --ginkgo.no-color --ginkgo.skip='public image with digest' "$@"
if [[ -n "${CRITEST_RUNTIME_HANDLER:-}" ]]; then
  echo "runtime handler $handler: $(wc -l <"$calls") calls to its runtime ($calls)"
fi
