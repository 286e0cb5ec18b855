package io.caisson.stats;

import io.caisson.common.EpochNanos;
import io.caisson.linux.CgroupHierarchies;
import io.caisson.linux.ProcFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
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

  /**
   * What cAdvisor reports of a cgroup beyond {@link CgroupSample} and {@link SwapSample}: the
   * memory counters and the CPU and memory settings behind its container_oom_events_total,
   * container_memory_max_usage_bytes, container_memory_mapped_file and container_spec_* series. A
   * value the kernel does not keep is {@link #UNKNOWN}.
   *
   * @param oomKills processes the OOM killer killed in the cgroup (v1 since Linux 4.13)
   * @param maxUsage the highest memory usage seen (v2: memory.peak, since Linux 5.19)
   * @param mappedFile bytes of files mapped into its processes
   * @param cpuShares its CPU weight in v1 shares (v2's cpu.weight converted back, as cAdvisor does)
   * @param cpuQuotaMicros CFS quota per period; 0 without one
   * @param cpuPeriodMicros CFS period
   * @param memoryReservation the soft limit (v1) or protected memory (v2 memory.low); 0 without
   */
  public record Details(
      long oomKills,
      long maxUsage,
      long mappedFile,
      long cpuShares,
      long cpuQuotaMicros,
      long cpuPeriodMicros,
      long memoryReservation) {
    public static final long UNKNOWN = -1;
  }

  /** The cgroup's {@link Details}; empty when it is gone. */
  public Optional<Details> details(String cgroupsPath) throws IOException {
    String relative = cgroupsPath.startsWith("/") ? cgroupsPath.substring(1) : cgroupsPath;
    try {
      return Optional.of(unified ? detailsV2(root.resolve(relative)) : detailsV1(relative));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  private Details detailsV1(String relative) throws IOException {
    Path memory = controller("memory").resolve(relative);
    Path cpu = controller("cpu").resolve(relative);
    Map<String, Long> stat = keyValues(ProcFiles.read(memory.resolve("memory.stat")));
    Long oomKills = keyValues(ProcFiles.read(memory.resolve("memory.oom_control"))).get("oom_kill");
    long soft = Long.parseLong(ProcFiles.read(memory.resolve("memory.soft_limit_in_bytes")));
    long quota = longOr(cpu.resolve("cpu.cfs_quota_us"), -1);
    return new Details(
        oomKills == null ? Details.UNKNOWN : oomKills,
        Long.parseLong(ProcFiles.read(memory.resolve("memory.max_usage_in_bytes"))),
        stat.getOrDefault("total_mapped_file", 0L),
        longOr(cpu.resolve("cpu.shares"), Details.UNKNOWN),
        Math.max(0, quota),
        longOr(cpu.resolve("cpu.cfs_period_us"), Details.UNKNOWN),
        soft >= V1_UNLIMITED ? 0 : soft);
  }

  private Details detailsV2(Path dir) throws IOException {
    Map<String, Long> stat = keyValues(ProcFiles.read(dir.resolve("memory.stat")));
    Long oomKills = keyValues(ProcFiles.read(dir.resolve("memory.events"))).get("oom_kill");
    long shares = Details.UNKNOWN;
    long quota = 0;
    long period = Details.UNKNOWN;
    Path weight = dir.resolve("cpu.weight");
    if (Files.exists(weight)) {
      // The inverse of runc's shares-to-weight mapping ([2, 262144] onto [1, 10000]).
      shares = 2 + (Long.parseLong(ProcFiles.read(weight)) - 1) * 262142 / 9999;
      String[] max = ProcFiles.read(dir.resolve("cpu.max")).split("\\s+");
      quota = max[0].equals("max") ? 0 : Long.parseLong(max[0]);
      period = Long.parseLong(max[1]);
    }
    Path low = dir.resolve("memory.low");
    String reservation = Files.exists(low) ? ProcFiles.read(low) : "0";
    return new Details(
        oomKills == null ? Details.UNKNOWN : oomKills,
        longOr(dir.resolve("memory.peak"), Details.UNKNOWN),
        stat.getOrDefault("file_mapped", 0L),
        shares,
        quota,
        period,
        reservation.equals("max") ? 0 : Long.parseLong(reservation));
  }

  /**
   * One block device's I/O by the cgroup's processes (cumulative): what reached the device, so on
   * v1 writes through the page cache are not counted (the kernel's writeback does them).
   */
  public record IoSample(
      int major, int minor, long readBytes, long writeBytes, long reads, long writes) {}

  /** Per device, from io.stat (v2) or blkio's throttle counters (v1); empty when none or gone. */
  public List<IoSample> io(String cgroupsPath) throws IOException {
    String relative = cgroupsPath.startsWith("/") ? cgroupsPath.substring(1) : cgroupsPath;
    try {
      if (unified) {
        Path stat = root.resolve(relative).resolve("io.stat");
        return Files.exists(stat) ? ioStatV2(ProcFiles.read(stat)) : List.of();
      }
      Path blkio = controller("blkio").resolve(relative);
      Path bytes = blkio.resolve("blkio.throttle.io_service_bytes_recursive");
      Path ops = blkio.resolve("blkio.throttle.io_serviced_recursive");
      if (!Files.exists(bytes)) { // before Linux 4.19: the cgroup's own, which a leaf's are
        bytes = blkio.resolve("blkio.throttle.io_service_bytes");
        ops = blkio.resolve("blkio.throttle.io_serviced");
      }
      if (!Files.exists(bytes)) {
        return List.of();
      }
      return ioStatV1(ProcFiles.read(bytes), ProcFiles.read(ops));
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }

  /** io.stat lines: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N". */
  static List<IoSample> ioStatV2(String text) {
    List<IoSample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] fields = line.strip().split("\\s+");
      int[] device = device(fields[0]);
      if (device == null) {
        continue;
      }
      Map<String, Long> values = new HashMap<>();
      for (int i = 1; i < fields.length; i++) {
        int eq = fields[i].indexOf('=');
        if (eq > 0) {
          values.put(fields[i].substring(0, eq), parseOrZero(fields[i].substring(eq + 1)));
        }
      }
      samples.add(
          new IoSample(
              device[0],
              device[1],
              values.getOrDefault("rbytes", 0L),
              values.getOrDefault("wbytes", 0L),
              values.getOrDefault("rios", 0L),
              values.getOrDefault("wios", 0L)));
    }
    return samples;
  }

  /** blkio's "MAJ:MIN Read N" / "MAJ:MIN Write N" lines, bytes and operations in two files. */
  static List<IoSample> ioStatV1(String bytes, String ops) {
    Map<String, long[]> byDevice = new LinkedHashMap<>(); // readBytes, writeBytes, reads, writes
    collectV1(bytes, byDevice, 0);
    collectV1(ops, byDevice, 2);
    List<IoSample> samples = new ArrayList<>();
    byDevice.forEach(
        (name, v) -> {
          int[] device = device(name);
          samples.add(new IoSample(device[0], device[1], v[0], v[1], v[2], v[3]));
        });
    return samples;
  }

  private static void collectV1(String text, Map<String, long[]> byDevice, int offset) {
    for (String line : text.split("\n")) {
      String[] fields = line.strip().split("\\s+");
      if (fields.length != 3 || device(fields[0]) == null) {
        continue;
      }
      int index =
          switch (fields[1]) {
            case "Read" -> offset;
            case "Write" -> offset + 1;
            default -> -1;
          };
      if (index >= 0) {
        byDevice.computeIfAbsent(fields[0], d -> new long[4])[index] = parseOrZero(fields[2]);
      }
    }
  }

  /** "MAJ:MIN" as two numbers; null when the field is not one (blkio's "Total" line). */
  private static int[] device(String field) {
    int colon = field.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    try {
      return new int[] {
        Integer.parseInt(field.substring(0, colon)), Integer.parseInt(field.substring(colon + 1))
      };
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static long parseOrZero(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * A one-number file, or {@code otherwise} when it is not there (controller or kernel lacks it).
   */
  private static long longOr(Path file, long otherwise) throws IOException {
    if (!Files.exists(file)) {
      return otherwise;
    }
    return Long.parseLong(ProcFiles.read(file));
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
