#!/usr/bin/env bash
# Installs what Caisson needs on a Debian bookworm node, builds it, installs a default CNI
# network when the node has none, and starts the daemon with its defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
require_root
require_jdk
apt_install "${RUNTIME_PACKAGES[@]}"

./mvnw -B -q -DskipTests package
bash scripts/aot-cache.sh

if ! ls /etc/cni/net.d/*.conflist /etc/cni/net.d/*.conf /etc/cni/net.d/*.json >/dev/null 2>&1; then
  install -D -m 0644 src/main/resources/cni/10-caisson-bridge.conflist \
    /etc/cni/net.d/10-caisson-bridge.conflist
  echo "installed the default bridge network: /etc/cni/net.d/10-caisson-bridge.conflist"
fi

# `caisson` on the PATH (bin/caisson finds the jar through the link); the systemd unit in
# packaging/systemd starts it from there.
ln -sf "$PWD/bin/caisson" /usr/local/bin/caisson

if [[ -S /run/caisson/caisson.sock ]] && pgrep -f "caisson-.*\.jar" >/dev/null; then
  echo "caisson is already running"
  exit 0
fi
# What the daemon would find, said before it starts: a failure here is what kubelet would later
# see as a NotReady node or failing pulls. The daemon starts anyway and reports it in Status.
if ! /usr/local/bin/caisson check; then
  echo "caisson check found the failures above; starting caisson anyway" >&2
fi
mkdir -p /var/log
nohup /usr/local/bin/caisson >>/var/log/caisson.log 2>&1 &
for _ in $(seq 1 100); do
  [[ -S /run/caisson/caisson.sock ]] && break
  sleep 0.1
done
if [[ ! -S /run/caisson/caisson.sock ]]; then
  echo "caisson did not start; see /var/log/caisson.log" >&2
  tail -n 20 /var/log/caisson.log >&2
  exit 1
fi
echo "caisson is serving on unix:///run/caisson/caisson.sock (log: /var/log/caisson.log)"
