package io.caisson.stats;

import io.caisson.common.EpochNanos;
import io.caisson.linux.CgroupHierarchies;
import io.caisson.linux.ProcFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a cgroup's counters by its cgroupfs path (as given to runc), on cgroup v1 (a hierarchy per
 * controller, also in hybrid mode) and on cgroup v2 (one unified hierarchy).
 */
public final class CgroupReader {
  // v1 writes "no limit" as the largest page multiple below 2^63, which depends on the page size;
  // anything from 2^62 on is no limit any machine has, as cAdvisor reads it.
  private static final long V1_UNLIMITED = 1L << 62;

  /** cpuacct.stat counts in USER_HZ, which is 100 on every Linux architecture we run on. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private final Path root;
  private final boolean unified;

  public CgroupReader(Path root) {
    this.root = root;
    this.unified = CgroupHierarchies.unified(root);
  }

  public static CgroupReader host() {
    return new CgroupReader(Path.of("/sys/fs/cgroup"));
  }

  /** The cgroup's counters, or empty when the cgroup does not exist (any more). */
  public Optional<CgroupSample> read(String cgroupsPath) throws IOException {
    String relative = cgroupsPath.startsWith("/") ? cgroupsPath.substring(1) : cgroupsPath;
    try {
      return Optional.of(unified ? readV2(root.resolve(relative)) : readV1(relative));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  private CgroupSample readV1(String relative) throws IOException {
    Path cpu = controller("cpuacct").resolve(relative);
    Path memory = controller("memory").resolve(relative);
    long cpuNanos = Long.parseLong(ProcFiles.read(cpu.resolve("cpuacct.usage")));
    long usage = Long.parseLong(ProcFiles.read(memory.resolve("memory.usage_in_bytes")));
    Map<String, Long> stat = keyValues(ProcFiles.read(memory.resolve("memory.stat")));
    long inactiveFile = stat.getOrDefault("total_inactive_file", 0L);
    long limit = Long.parseLong(ProcFiles.read(memory.resolve("memory.limit_in_bytes")));
    Path cpuStat = cpu.resolve("cpuacct.stat");
    Map<String, Long> ticks = Files.exists(cpuStat) ? keyValues(ProcFiles.read(cpuStat)) : Map.of();
    return new CgroupSample(
        EpochNanos.now(),
        cpuNanos,
        usage,
        Math.max(0, usage - inactiveFile),
        stat.getOrDefault("total_rss", 0L),
        stat.getOrDefault("total_pgfault", 0L),
        stat.getOrDefault("total_pgmajfault", 0L),
        limit >= V1_UNLIMITED ? 0 : limit,
        pids(controller("pids").resolve(relative)),
        ticks.getOrDefault("user", 0L) * NANOS_PER_TICK,
        ticks.getOrDefault("system", 0L) * NANOS_PER_TICK,
        stat.getOrDefault("total_cache", 0L));
  }

  /**
   * Swap used by the cgroup and its swap limit; empty when the kernel does not account swap per
   * cgroup (v1 without swapaccount, v2 without memory.swap.*) or the cgroup is gone.
   */
  public Optional<SwapSample> swap(String cgroupsPath) throws IOException {
    String relative = cgroupsPath.startsWith("/") ? cgroupsPath.substring(1) : cgroupsPath;
    try {
      if (unified) {
        Path dir = root.resolve(relative);
        Path current = dir.resolve("memory.swap.current");
        if (!Files.exists(current)) {
          return Optional.empty();
        }
        String max = ProcFiles.read(dir.resolve("memory.swap.max"));
        return Optional.of(
            new SwapSample(
                Long.parseLong(ProcFiles.read(current)),
                max.equals("max") ? SwapSample.UNLIMITED : Long.parseLong(max)));
      }
      Path memory = controller("memory").resolve(relative);
      Path memsw = memory.resolve("memory.memsw.limit_in_bytes");
      Long used = keyValues(ProcFiles.read(memory.resolve("memory.stat"))).get("total_swap");
      if (used == null || !Files.exists(memsw)) {
        return Optional.empty();
      }
      // v1 limits memory + swap together: the swap a cgroup may use is the difference.
      long both = Long.parseLong(ProcFiles.read(memsw));
      long memoryOnly = Long.parseLong(ProcFiles.read(memory.resolve("memory.limit_in_bytes")));
      return Optional.of(
          new SwapSample(
              used, both >= V1_UNLIMITED ? SwapSample.UNLIMITED : Math.max(0, both - memoryOnly)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /**
   * @param usage bytes of the cgroup's memory in swap
   * @param limit how much swap it may use ({@link #UNLIMITED} when there is no limit; 0 is none at
   *     all, kubelet's NoSwap)
   */
  public record SwapSample(long usage, long limit) {
    public static final long UNLIMITED = -1;

    public boolean limited() {
      return limit != UNLIMITED;
    }

    /** What is left of the limit; only meaningful when there is one. */
    public long available() {
      return Math.max(0, limit - usage);
    }
  }

  /**
   * CFS bandwidth counters (cpu.stat of the cpu controller, v1 and v2): periods that had a quota,
   * periods the cgroup was throttled in, and the time it was throttled. Periods count only under a
   * quota, as cAdvisor reports these only for containers with one.
   */
  public record CfsSample(long periods, long throttledPeriods, long throttledNanos) {}

  /** The cgroup's CFS counters; empty when gone or without the cpu controller. */
  public Optional<CfsSample> cfs(String cgroupsPath) throws IOException {
    String relative = cgroupsPath.startsWith("/") ? cgroupsPath.substring(1) : cgroupsPath;
    Path stat =
        (unified ? root.resolve(relative) : controller("cpu").resolve(relative))
            .resolve("cpu.stat");
    try {
      Map<String, Long> values = keyValues(ProcFiles.read(stat));
      Long periods = values.get("nr_periods"); // v2 has cpu.stat without the cpu controller
      if (periods == null) {
        return Optional.empty();
      }
      long throttled =
          unified
              ? values.getOrDefault("throttled_usec", 0L) * 1000
              : values.getOrDefault("throttled_time", 0L);
      return Optional.of(
          new CfsSample(periods, values.getOrDefault("nr_throttled", 0L), throttled));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** pids.current; the pids controller may be absent (not mounted, or not enabled on v2). */
  private static long pids(Path dir) throws IOException {
    Path current = dir.resolve("pids.current");
    if (!Files.exists(current)) {
      return 0;
    }
    try {
      return Long.parseLong(ProcFiles.read(current));
    } catch (NoSuchFileException e) {
      return 0;
    }
  }

  private Path controller(String name) {
    Path direct = root.resolve(name);
    if (Files.isDirectory(direct)) {
      return direct;
    }
    return root.resolve(name.equals("cpuacct") || name.equals("cpu") ? "cpu,cpuacct" : name);
  }

  private CgroupSample readV2(Path dir) throws IOException {
    Map<String, Long> cpu = keyValues(ProcFiles.read(dir.resolve("cpu.stat")));
    long usage = Long.parseLong(ProcFiles.read(dir.resolve("memory.current")));
    Map<String, Long> stat = keyValues(ProcFiles.read(dir.resolve("memory.stat")));
    String max = ProcFiles.read(dir.resolve("memory.max"));
    return new CgroupSample(
        EpochNanos.now(),
        cpu.getOrDefault("usage_usec", 0L) * 1000,
        usage,
        Math.max(0, usage - stat.getOrDefault("inactive_file", 0L)),
        stat.getOrDefault("anon", 0L),
        stat.getOrDefault("pgfault", 0L),
        stat.getOrDefault("pgmajfault", 0L),
        max.equals("max") ? 0 : Long.parseLong(max),
        pids(dir),
        cpu.getOrDefault("user_usec", 0L) * 1000,
        cpu.getOrDefault("system_usec", 0L) * 1000,
        stat.getOrDefault("file", 0L));
  }

  /** "key value" lines, as memory.stat and cpu.stat have them. */
  static Map<String, Long> keyValues(String text) {
    Map<String, Long> values = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] parts = line.strip().split("\\s+");
      if (parts.length == 2) {
        try {
          values.put(parts[0], Long.parseLong(parts[1]));
        } catch (NumberFormatException e) {
          // Not a counter: skip.
        }
      }
    }
    return values;
  }
}
