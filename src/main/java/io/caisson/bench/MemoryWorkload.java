package io.caisson.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Daemon RSS and PSS idle and with 20 pods x 1 running container, plus the PSS of the monitor
 * processes (conmon per container for Caisson, containerd-shim per pod for containerd) and of any
 * pause processes under them. Node overhead, as the target defines it, is the daemon and its
 * monitors (containerd and its shims); the pause processes, which only containerd runs here, are
 * shown beside it and in a second total, not in the one the target is judged by.
 */
public final class MemoryWorkload implements Workload {
  static final int PODS = 20;

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
    List<String> pods = fleet.podIds();
    Parallel.run(4, pods.size(), i -> fleet.removePod(pods.get(i)));
  }
}
