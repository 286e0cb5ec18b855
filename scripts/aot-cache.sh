#!/usr/bin/env bash
# Builds target/caisson.aot, the JDK's ahead-of-time cache of the classes Caisson loads and links
# while it starts, answers kubelet's first calls and runs a pod's whole life (JEP 483/514).
# bin/caisson uses the cache when it exists and matches the jar; it roughly halves the time from
# process start to the first answer, and classes from the cache cost less memory than ones loaded
# later. The training run is a private daemon on scratch directories with a loopback-only pod
# network, and its pod's image is made of this node's own sleep and true, served on a loopback
# port by the training client (io.caisson.bench.Probe --train): it needs runc and conmon, as the
# daemon does, and leaves nothing behind. A training that fails (a node where containers cannot
# run yet) is reported and leaves a cache of what ran. Run after every build of the jar
# (scripts/setup.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
require_root
require_jdk

jar="$(ls target/caisson-*.jar 2>/dev/null | grep -v -e sources -e tests | head -n 1 || true)"
[[ -n "$jar" ]] || { echo "aot-cache: build the jar first (./mvnw -DskipTests package)" >&2; exit 1; }
scratch="$(mktemp -d /tmp/caisson-aot.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
rm -f target/caisson.aot target/caisson.aot.jar

# The pod's network: its own loopback interface and nothing of the node's. Neither the node's
# registries, trust policy nor OCI hooks apply to the training image.
mkdir -p "$scratch/net.d" "$scratch/logs" "$scratch/hooks.d" "$scratch/registries.d"
printf '{"cniVersion":"1.0.0","name":"aot-training","plugins":[{"type":"loopback"}]}\n' \
  >"$scratch/net.d/10-aot-training.conflist"
: >"$scratch/registries.conf"
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$scratch/policy.json"
CAISSON_JAVA_OPTS="-XX:AOTCacheOutput=$scratch/caisson.aot -Xlog:aot=error" \
  bin/caisson --config /dev/null --socket "$scratch/cri.sock" --root "$scratch/root" \
  --state "$scratch/state" --cni-conf-dir "$scratch/net.d" --hooks-dir "$scratch/hooks.d" \
  --registries-conf "$scratch/registries.conf" --registries-d "$scratch/registries.d" \
  --signature-policy "$scratch/policy.json" >"$scratch/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 1 300); do [[ -S "$scratch/cri.sock" ]] && break; sleep 0.1; done
java="${CAISSON_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
"$java" -cp "$jar:target/lib/*" --enable-native-access=ALL-UNNAMED \
  --sun-misc-unsafe-memory-access=allow io.caisson.bench.Probe "unix://$scratch/cri.sock" --pull-nowhere \
  --train "$scratch/logs" || trained=$?
kill -TERM "$daemon"
wait "$daemon" || true # the JVM writes the cache as it exits
if [[ -n "${trained:-}" ]]; then
  # The cache still holds what ran before the failure: the daemon works with it, and loads the
  # rest of its classes when it first needs them (a few MiB more memory of its own).
  echo "aot-cache: warning: the training run failed (exit $trained), the cache holds only what" \
    "ran before; see above and below" >&2
  tail -n 20 "$scratch/daemon.log" >&2
fi
if [[ ! -s "$scratch/caisson.aot" ]]; then
  echo "aot-cache: the training run wrote no cache; see below" >&2
  tail -n 20 "$scratch/daemon.log" >&2
  exit 1
fi
mv "$scratch/caisson.aot" target/caisson.aot
# Written back now rather than by the kernel's flusher later: a daemon started right after this
# (setup.sh does) maps the cache, and pages still dirty in the page cache are ones its page-out of
# start-up's file pages (daemon/FilePageTrimmer) cannot drop; they stayed resident, ~20 MiB more.
sync target/caisson.aot
stat -c '%s %Y' "$jar" >target/caisson.aot.jar # which jar the cache belongs to (bin/caisson checks)
echo "aot-cache: target/caisson.aot ($(du -h target/caisson.aot | cut -f1))"
