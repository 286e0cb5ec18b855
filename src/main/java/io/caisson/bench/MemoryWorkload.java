package io.caisson.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Daemon RSS and PSS idle and with 20 pods x 1 running container, plus the PSS of the monitor
 * processes (conmon per container for Caisson, containerd-shim per pod for containerd) and of any
 * pause processes under them. Node overhead, as the target defines it, is the daemon and its
 * monitors (containerd and its shims); the pause processes, which only containerd runs here, are
 * shown beside it and in a second total, not in the one the target is judged by.
 *
 * <p>Two moments at 20 pods: one second after they were started (what the burst of creating them
 * left behind), and settled: the median of samples taken {@link #SETTLE} to {@link #SETTLED_UNTIL}
 * after it while kubelet's periodic calls run ({@link KubeletTraffic}), which is the state a node
 * with 20 pods spends its time in.
 */
public final class MemoryWorkload implements Workload {
  static final int PODS = 20;
  static final Duration SETTLE = Duration.ofSeconds(20);
  static final Duration SETTLED_UNTIL = Duration.ofSeconds(40);
  private static final Duration SAMPLE_EVERY = Duration.ofSeconds(2);

  @Override
  public String name() {
    return "memory";
  }

  @Override
  public String skipReason(BenchContext context) {
    return context.daemonPid() < 0
        ? "daemon process unknown (give --daemon-pid or run as root next to the daemon)"
        : null;
  }

  @Override
  public void round(BenchContext context, Samples samples) throws Exception {
    long pid = context.daemonPid();
    ProcMemory.Usage idle = ProcMemory.of(pid);
    samples.add("daemon RSS idle", "MiB", idle.rssMb());
    samples.add("daemon PSS idle", "MiB", idle.pssMb());
    Fleet fleet = context.fleet();
    Parallel.run(
        4,
        PODS,
        i -> {
          String pod = fleet.runPod("memory");
          fleet.runContainer(pod, "m");
        });
    Thread.sleep(1000); // let monitors finish their start-up allocations
    ProcMemory.Usage loaded = ProcMemory.of(pid);
    List<String> ids = new ArrayList<>(fleet.podIds());
    ids.addAll(fleet.containerIds());
    ProcMemory.Monitors monitors = ProcMemory.monitors(ProcMemory.processes(), ids, pid);
    ProcMemory.Usage monitorSum = ProcMemory.sum(monitors.monitors());
    ProcMemory.Usage infraSum = ProcMemory.sum(monitors.infra());
    samples.add("daemon RSS at 20 pods", "MiB", loaded.rssMb());
    samples.add("daemon PSS at 20 pods", "MiB", loaded.pssMb());
    samples.add("monitor processes at 20 pods", "count", monitors.monitors().size());
    samples.add("monitors PSS at 20 pods (sum)", "MiB", monitorSum.pssMb());
    samples.add(
        "monitor PSS each",
        "MiB",
        monitors.monitors().isEmpty() ? 0 : monitorSum.pssMb() / monitors.monitors().size());
    samples.add("pause PSS at 20 pods (sum)", "MiB", infraSum.pssMb());
    samples.add("node overhead PSS at 20 pods", "MiB", loaded.pssMb() + monitorSum.pssMb());
    samples.add(
        "node overhead with pause PSS at 20 pods",
        "MiB",
        loaded.pssMb() + monitorSum.pssMb() + infraSum.pssMb());
    settled(context, pid, ids, samples);
    List<String> pods = fleet.podIds();
    Parallel.run(4, pods.size(), i -> fleet.removePod(pods.get(i)));
  }

  /** The daemon's and the monitors' PSS at 20 pods once settled under kubelet's calls. */
  private static void settled(BenchContext context, long pid, List<String> ids, Samples samples)
      throws Exception {
    List<Double> daemon = new ArrayList<>();
    List<Double> node = new ArrayList<>();
    try (KubeletTraffic traffic = KubeletTraffic.start(context.fleet().client())) {
      Thread.sleep(SETTLE);
      for (Duration at = SETTLE; ; at = at.plus(SAMPLE_EVERY)) {
        double daemonPss = ProcMemory.of(pid).pssMb();
        ProcMemory.Monitors monitors = ProcMemory.monitors(ProcMemory.processes(), ids, pid);
        daemon.add(daemonPss);
        node.add(daemonPss + ProcMemory.sum(monitors.monitors()).pssMb());
        if (at.compareTo(SETTLED_UNTIL) >= 0) {
          break;
        }
        Thread.sleep(SAMPLE_EVERY);
      }
    }
    samples.add(
        "daemon PSS at 20 pods, settled", "MiB", Stats.median(daemon.stream().sorted().toList()));
    samples.add(
        "node overhead PSS at 20 pods, settled",
        "MiB",
        Stats.median(node.stream().sorted().toList()));
  }
}
