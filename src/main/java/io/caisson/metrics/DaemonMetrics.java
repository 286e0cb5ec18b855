package io.caisson.metrics;

import io.caisson.container.Container;
import io.caisson.container.ContainerManager;
import io.caisson.image.ImageService;
import io.caisson.linux.ProcFiles;
import io.caisson.sandbox.Sandbox;
import io.caisson.sandbox.SandboxManager;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * What the daemon reports about itself besides RPCs: image pulls, containers and pods by state,
 * event subscribers, and its own memory (JVM areas and the process's resident set).
 */
public final class DaemonMetrics {
  private static final double[] PULL_SECONDS = {0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};

  private DaemonMetrics() {}

  public static void register(
      MetricRegistry registry,
      ImageService images,
      ContainerManager containers,
      SandboxManager sandboxes,
      IntSupplier eventSubscribers) {
    MetricRegistry.Counter pulls =
        registry.counter(
            "caisson_image_pulls_total", "Image pulls that fetched from a registry.", "result");
    MetricRegistry.Counter pulledBytes =
        registry.counter(
            "caisson_image_pull_bytes_total", "Bytes downloaded from registries by image pulls.");
    MetricRegistry.Histogram pullTime =
        registry.histogram(
            "caisson_image_pull_duration_seconds",
            "Time an image pull took, from resolving the reference to the stored image.",
            PULL_SECONDS,
            "result");
    images.setPullListener(
        (bytes, nanos, succeeded) -> {
          String result = succeeded ? "success" : "failure";
          pulls.inc(result);
          pulledBytes.add(bytes);
          pullTime.observe(nanos / 1e9, result);
        });

    registry.gauges(
        "caisson_containers",
        "Containers known to the daemon, by state.",
        List.of("state"),
        () -> {
          Map<List<String>, Double> byState = new HashMap<>();
          for (String state : List.of("created", "running", "exited", "unknown")) {
            byState.put(List.of(state), 0.0);
          }
          for (Container c : containers.all()) {
            if (!c.isRemoved()) {
              byState.merge(
                  List.of(c.record().state().name().toLowerCase(Locale.ROOT)), 1.0, Double::sum);
            }
          }
          return byState;
        });
    registry.gauges(
        "caisson_pod_sandboxes",
        "Pod sandboxes known to the daemon, by state.",
        List.of("state"),
        () -> {
          Map<List<String>, Double> byState = new HashMap<>();
          byState.put(List.of("ready"), 0.0);
          byState.put(List.of("notready"), 0.0);
          for (Sandbox s : sandboxes.all()) {
            if (!s.isRemoved()) {
              byState.merge(List.of(s.isReady() ? "ready" : "notready"), 1.0, Double::sum);
            }
          }
          return byState;
        });
    registry.gauges(
        "caisson_container_event_subscribers",
        "Open GetContainerEvents streams.",
        List.of(),
        () -> Map.of(List.of(), (double) eventSubscribers.getAsInt()));

    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    registry.gauges(
        "caisson_jvm_memory_used_bytes",
        "JVM memory in use, heap and non-heap.",
        List.of("area"),
        () -> areas(memory, MemoryUsage::getUsed));
    registry.gauges(
        "caisson_jvm_memory_committed_bytes",
        "JVM memory committed by the operating system, heap and non-heap.",
        List.of("area"),
        () -> areas(memory, MemoryUsage::getCommitted));
    registry.gauges(
        "process_resident_memory_bytes",
        "Resident memory size of the daemon process in bytes.",
        List.of(),
        () -> Map.of(List.of(), (double) residentBytes()));
  }

  private static Map<List<String>, Double> areas(
      MemoryMXBean memory, java.util.function.ToLongFunction<MemoryUsage> field) {
    return Map.of(
        List.of("heap"), (double) field.applyAsLong(memory.getHeapMemoryUsage()),
        List.of("nonheap"), (double) field.applyAsLong(memory.getNonHeapMemoryUsage()));
  }

  /** VmRSS from /proc/self/status (kB there). */
  static long residentBytes() {
    try {
      for (String line : ProcFiles.read(Path.of("/proc/self/status")).split("\n")) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Not on Linux, or /proc hidden: report nothing rather than fail the scrape.
    }
    return 0;
  }
}
