#!/usr/bin/env bash
# Side-by-side benchmark: Caisson against Debian's containerd (CRI plugin) on this machine, same
# CNI network, same loopback registry mirror, alternating rounds; plus the raw `runc run` floor.
# Results (JSON + printed table) go to bench/results/.
#
#   scripts/bench-vs-containerd.sh [extra caisson-bench args...]
#   env: ROUNDS (5) ITERATIONS (20) PODS (100) WORKLOADS (all) RUNC_RUNS (20)
#
# Both daemons get scratch roots, states and sockets of their own: /etc/containerd, the machine's
# /run/containerd/containerd.sock and /run/caisson are never used. Both are stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
require_root
require_jdk

repo="$(pwd)"
testenv="${TESTENV:-$(cd .. && pwd)/shared/testenv}"
registry_data="${REGISTRY_DATA:-/var/lib/cri-testenv-registry}"
work="${BENCH_WORK:-/var/tmp/caisson-bench}"
run="/run/bench-cri"                      # short: shim and conmon sockets live under it
results="$repo/bench/results"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
pull_ref="registry.k8s.io/caisson-bench/pull:3x33m"
busybox_ref="registry.k8s.io/e2e-test-images/busybox:1.29-2"

apt_install containerd runc conmon containernetworking-plugins skopeo umoci jq curl docker-registry
[[ -f target/lib/picocli-4.7.7.jar && -n "$(ls target/caisson-*.jar 2>/dev/null)" ]] ||
  ./mvnw -B -q -DskipTests package
# bin/caisson starts from the AOT cache, as a node set up by scripts/setup.sh does.
jar_file="$(ls target/caisson-*.jar | grep -v -e sources -e tests | head -n 1)"
[[ "$(cat target/caisson.aot.jar 2>/dev/null)" == "$(stat -c '%s %Y' "$jar_file")" ]] || bash scripts/aot-cache.sh

# A containerd the package may have started runs on its default socket; ours never touches it.
if pgrep -x containerd >/dev/null; then
  echo "note: a containerd is already running (pid $(pgrep -x containerd | tr '\n' ' ')); left alone"
fi

# The client runs on a copy of the JDK of its own. PSS splits a file page among the processes that
# map it: a client on the daemon's own libjvm.so would take half of the daemon's resident libjvm
# pages off the daemon's PSS, which no node has. Other JVMs running meanwhile do the same, so they
# are counted into the results.
client_jdk="$work/client-jdk"
if [[ ! -x "$client_jdk/bin/java" ]]; then
  rm -rf "$client_jdk.new" && cp -a "$JAVA_HOME" "$client_jdk.new" && mv "$client_jdk.new" "$client_jdk"
fi
other_jvms() { { grep -l "$JAVA_HOME/lib/server/libjvm.so" /proc/[0-9]*/maps 2>/dev/null || true; } | wc -l; }
jvms_before="$(other_jvms)"
[[ "$jvms_before" == 0 ]] || echo "note: $jvms_before other processes map $JAVA_HOME's libjvm.so; the daemon's PSS will be lower by their share"

rm -rf "$run" && mkdir -p "$run" "$work" "$results"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  # containerd's shims outlive it by design; stop the ones serving our scratch daemon.
  pkill_ours() { local p; for p in $(pgrep -f -- "-address $run/containerd/containerd.sock" || true); do kill "$p" 2>/dev/null || true; done; }
  pkill_ours
  ip link del cbench0 2>/dev/null || true
}
trap cleanup EXIT

# --- registry mirror and images -----------------------------------------------------------------
if ! curl -fs --max-time 2 http://127.0.0.1:5000/v2/ >/dev/null; then
  "$testenv/registry.sh" start "$registry_data"
fi
curl -fs --max-time 2 http://127.0.0.1:5000/v2/e2e-test-images/busybox/manifests/1.29-2 \
  -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' >/dev/null || "$testenv/images.sh"
# The pull workload's image: 3 layers of ~33 MB incompressible data (~100 MB), built once.
if ! curl -fs --max-time 2 -o /dev/null http://127.0.0.1:5000/v2/caisson-bench/pull/manifests/3x33m \
  -H 'Accept: application/vnd.oci.image.manifest.v1+json'; then
  layout="$work/pull-layout"
  rm -rf "$layout" "$work/pull-layers" && mkdir -p "$work/pull-layers"
  umoci init --layout "$layout"
  umoci new --image "$layout:scratch"
  from=scratch
  for i in 1 2 3; do
    mkdir -p "$work/pull-layers/$i/data"
    head -c 33M /dev/urandom >"$work/pull-layers/$i/data/blob$i"
    tar -C "$work/pull-layers/$i" -cf "$work/pull-layers/$i.tar" data
    umoci raw add-layer --image "$layout:$from" --tag "l$i" "$work/pull-layers/$i.tar"
    from="l$i"
  done
  umoci config --image "$layout:l3" --tag final --config.cmd /data/blob1
  skopeo copy -q --dest-tls-verify=false "oci:$layout:final" \
    docker://127.0.0.1:5000/caisson-bench/pull:3x33m
  rm -rf "$work/pull-layers" "$layout"
fi

# --- shared CNI network (own bridge and subnet), registry rewrites -------------------------------
cni="$work/net.d"
mkdir -p "$cni"
cat >"$cni/10-bench.conflist" <<CONF
{"cniVersion": "1.0.0", "name": "bench", "plugins": [
  {"type": "bridge", "bridge": "cbench0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$work/ipam",
            "ranges": [[{"subnet": "10.239.0.0/16"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}
]}
CONF
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
for host in registry.k8s.io gcr.io; do
  mkdir -p "$work/certs.d/$host"
  cat >"$work/certs.d/$host/hosts.toml" <<'CONF'
server = "http://127.0.0.1:5000"
[host."http://127.0.0.1:5000"]
  capabilities = ["pull", "resolve"]
CONF
done

containerd_config() { # name -> a config with its own root, state and sockets
  local name=$1
  cat <<CONF
version = 2
root = "$work/$name/root"
state = "$run/$name/state"
[grpc]
  address = "$run/$name/containerd.sock"
[ttrpc]
  address = "$run/$name/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  # This VM withholds CAP_SYS_RESOURCE: an oom_score_adj below the daemon's own fails in runc.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$cni"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$work/certs.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = "$run/$name/runc"
CONF
}
containerd_config containerd >"$work/containerd.toml"
containerd_config containerd-start >"$work/containerd-start.toml"

caisson_args() { # name -> flags for a private Caisson
  echo "--config /dev/null --socket $run/$1/caisson.sock --root $work/$1/root --state $run/$1/state" \
    "--registries-conf $work/registries.conf --cni-conf-dir $cni --cni-bin-dir /usr/lib/cni --log-level info"
}

wait_socket() { for _ in $(seq 1 300); do [[ -S $1 ]] && return 0; sleep 0.1; done; echo "no socket $1" >&2; exit 1; }

mkdir -p "$run/containerd" "$run/caisson"
containerd --config "$work/containerd.toml" >"$work/containerd.log" 2>&1 &
pids+=($!)
# shellcheck disable=SC2046
bin/caisson $(caisson_args caisson) >"$work/caisson.log" 2>&1 &
pids+=($!)
wait_socket "$run/containerd/containerd.sock"
wait_socket "$run/caisson/caisson.sock"

# --- raw runc floor: the same busybox image as a bundle, `runc run` of `true` ---------------------
# Timed twice: RUNC_RUNS runs back to back here (warm CPU, and no cgroup move waits for an RCU
# grace period: the lowest number this VM gives), and one after each iteration of the container
# workload (--runc-floor-bundle), the same way, from the same quiet start and in the same rounds
# as the Create + Start it is held against (docs/BENCHMARK.md). They differ by ~10 ms here.
floor_runs="${RUNC_RUNS:-20}"
bundle="$work/runc-bundle"
rm -rf "$bundle" "$work/busybox-oci"
skopeo copy -q --src-tls-verify=false docker://127.0.0.1:5000/e2e-test-images/busybox:1.29-2 \
  "oci:$work/busybox-oci:bb"
umoci unpack --image "$work/busybox-oci:bb" "$bundle" >/dev/null
jq '.process.args = ["true"] | .process.terminal = false' "$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"
floor=()
for i in $(seq 1 "$floor_runs"); do
  t0=$(date +%s%N)
  runc --root "$run/runc-floor" run --bundle "$bundle" "bench-floor-$$-$i" </dev/null >/dev/null
  t1=$(date +%s%N)
  floor+=($(((t1 - t0) / 1000)))
done
runc_median_ms=$(printf '%s\n' "${floor[@]}" | sort -n | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f", m / 1000}')
runc_min_ms=$(printf '%s\n' "${floor[@]}" | sort -n | head -1 | awk '{printf "%.1f", $1/1000}')
runc_max_ms=$(printf '%s\n' "${floor[@]}" | sort -n | tail -1 | awk '{printf "%.1f", $1/1000}')

# --- the comparison ----------------------------------------------------------------------------
# What decides how long the first cgroup move after a quiet spell waits (an RCU grace period,
# unless the hierarchies are mounted with favordynmods): both the runtimes and the floors pay it.
boot_time="$(date -u -d "@$(awk '/^btime/ {print $2}' /proc/stat)" +%Y-%m-%dT%H:%M:%SZ)"
favordynmods=false
grep -q '^cgroup.* .*favordynmods' /proc/mounts && favordynmods=true
workloads=()
[[ -n "${WORKLOADS:-}" ]] && workloads=(--workloads "$WORKLOADS")
json="$results/caisson-vs-containerd-$stamp.json"
table="$results/caisson-vs-containerd-$stamp.txt"
set +e
CAISSON_BENCH_JAVA="$client_jdk/bin/java" bin/caisson-bench \
  --endpoint "unix://$run/caisson/caisson.sock" \
  --against "unix://$run/containerd/containerd.sock" \
  --rounds "${ROUNDS:-5}" --iterations "${ITERATIONS:-20}" --pods "${PODS:-100}" \
  --image "$busybox_ref" --pull-image "$pull_ref" \
  --start-command "exec $repo/bin/caisson $(caisson_args caisson-start)" \
  --start-endpoint "unix://$run/caisson-start/caisson.sock" \
  --against-start-command "exec containerd --config $work/containerd-start.toml" \
  --against-start-endpoint "unix://$run/containerd-start/containerd.sock" \
  --log-dir "$work/pod-logs" \
  --runc-floor-bundle "$bundle" --runc-floor-root "$run/runc-floor" \
  --runc-root "$run/caisson/state/runc" --against-runc-root "$run/containerd/runc/k8s.io" \
  "${workloads[@]}" --json "$json" "$@" | tee "$table"
status=${PIPESTATUS[0]}
set -e
rm -rf "$bundle" "$work/busybox-oci"

{
  echo
  echo "raw runc run of busybox true ($floor_runs runs back to back): median ${runc_median_ms} ms, min ${runc_min_ms} ms, max ${runc_max_ms} ms"
  echo "machine: $(nproc) cpus, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r), $(. /etc/os-release; echo "$PRETTY_NAME")"
  echo "containerd: $(containerd --version)"
  echo "runc: $(runc --version | head -1)"
  echo "kernel booted $boot_time; cgroup hierarchies with favordynmods (cgroup moves that never wait): $favordynmods"
  echo "processes on the daemon's libjvm.so besides it: $jvms_before before the run"
} | tee -a "$table"
if [[ -f "$json" ]]; then
  jq --argjson median "$runc_median_ms" --argjson min "$runc_min_ms" --argjson max "$runc_max_ms" \
    --argjson runs "$floor_runs" --arg containerd "$(containerd --version)" \
    --arg boot "$boot_time" --argjson favordynmods "$favordynmods" --argjson jvms "$jvms_before" \
    '. + {runc_floor_back_to_back: {runs: $runs, median_ms: $median, min_ms: $min, max_ms: $max}, containerd_version: $containerd, kernel_booted: $boot, cgroup_favordynmods: $favordynmods, other_processes_on_libjvm: $jvms}' \
    "$json" >"$json.new" && mv "$json.new" "$json"
fi

# --- critest's own benchmarks (CRITEST_BENCH=0 skips them) ---------------------------------------
# cri-tools' `critest -benchmark`, the instrument the issue's containerd numbers come from: serial
# lifecycles of pods, containers and images against each daemon in turn, once the comparison has
# removed what it made. Medians per operation, in the table and under "critest" in the JSON.
if [[ "${CRITEST_BENCH:-1}" != 0 ]] && command -v critest >/dev/null; then
  samples="${CRITEST_SAMPLES:-30}"
  cat >"$work/critest-bench.yaml" <<PARAMS
containersNumber: $samples
containersNumberParallel: 1
podsNumber: $samples
podsNumberParallel: 1
imagesNumber: 10
imagesNumberParallel: 1
imagePullingBenchmarkImage: $busybox_ref
imageListingBenchmarkImages: [$busybox_ref]
PARAMS
  out="$results/critest-bench-$stamp"
  for side in caisson containerd; do
    mkdir -p "$out/$side"
    endpoint="unix://$run/$side/$side.sock"
    critest -benchmark -benchmarking-params-file "$work/critest-bench.yaml" \
      -benchmarking-output-dir "$out/$side" --runtime-endpoint "$endpoint" \
      --image-endpoint "$endpoint" --ginkgo.no-color >"$out/$side/critest.log" 2>&1 ||
      echo "critest -benchmark against $side failed: see $out/$side/critest.log" | tee -a "$table"
  done
  # {file: {operation: {caisson_ms, containerd_ms}}} from both sides' *_benchmark_data.json
  summary="$(jq -n '
    def median: sort | if length == 0 then null
      elif length % 2 == 1 then .[(length - 1) / 2] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def medians: [.operationsNames, ([.datapoints[].operationsDurationsNs] | transpose)]
      | [range(0; .[0] | length) as $i | {(.[0][$i]): ((.[1][$i] // []) | median / 1e6)}] | add;
    reduce inputs as $f ({}; .[input_filename | split("/") | .[-1] | sub("_benchmark_data.json"; "")]
      [input_filename | split("/") | .[-2]] = ($f | medians))
    | with_entries(.value = ([.value.caisson // {} | keys_unsorted[]] as $ops
      | [$ops[] as $op | {($op): {caisson_ms: .value.caisson[$op], containerd_ms: .value.containerd[$op]}}]
      | add))' "$out"/caisson/*_benchmark_data.json "$out"/containerd/*_benchmark_data.json 2>/dev/null || echo '{}')"
  {
    echo
    echo "critest -benchmark, serial, $samples samples (images: 10), medians in ms ($out):"
    jq -r 'to_entries[] | .key as $b | .value | to_entries[]
      | "  \($b) \(.key): caisson \(.value.caisson_ms // "-" | if type == "number" then (. * 100 | round / 100) else . end)" +
        ", containerd \(.value.containerd_ms // "-" | if type == "number" then (. * 100 | round / 100) else . end)" +
        (if (.value.caisson_ms | type) == "number" and (.value.containerd_ms | type) == "number" and .value.containerd_ms > 0
         then ", ratio \(.value.caisson_ms / .value.containerd_ms * 100 | round / 100)" else "" end)' <<<"$summary"
  } | tee -a "$table"
  if [[ -f "$json" ]]; then
    jq --argjson critest "$summary" '. + {critest: $critest}' "$json" >"$json.new" && mv "$json.new" "$json"
  fi
fi
echo "results: $json, $table"
exit "$status"
