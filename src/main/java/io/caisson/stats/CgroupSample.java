package io.caisson.stats;

/**
 * One reading of a cgroup's CPU, memory and pids counters; {@code memoryLimit} is 0 when unlimited.
 *
 * @param timestampNanos when it was read, nanoseconds since the epoch
 * @param processes pids.current, 0 when the pids controller is not there
 * @param cpuUserNanos CPU time in user mode (cgroup v1 counts it in 10 ms ticks)
 * @param cpuSystemNanos CPU time in kernel mode
 * @param cache page cache charged to the cgroup (file-backed memory)
 */
public record CgroupSample(
    long timestampNanos,
    long cpuUsageNanos,
    long memoryUsage,
    long workingSet,
    long rss,
    long pageFaults,
    long majorPageFaults,
    long memoryLimit,
    long processes,
    long cpuUserNanos,
    long cpuSystemNanos,
    long cache) {

  /** Limit minus working set, or 0 when there is no limit. */
  public long availableBytes() {
    return memoryLimit > 0 ? Math.max(0, memoryLimit - workingSet) : 0;
  }

  /**
   * The counters of several cgroups added up (a pod's containers); the timestamp is the latest, a
   * limit is kept only when every part has one.
   */
  public static CgroupSample sum(Iterable<CgroupSample> parts) {
    long ts = 0, cpu = 0, usage = 0, ws = 0, rss = 0, faults = 0, major = 0, limit = 0, pids = 0;
    long user = 0, system = 0, cache = 0;
    boolean allLimited = true;
    boolean any = false;
    for (CgroupSample p : parts) {
      any = true;
      ts = Math.max(ts, p.timestampNanos);
      cpu += p.cpuUsageNanos;
      usage += p.memoryUsage;
      ws += p.workingSet;
      rss += p.rss;
      faults += p.pageFaults;
      major += p.majorPageFaults;
      pids += p.processes;
      user += p.cpuUserNanos;
      system += p.cpuSystemNanos;
      cache += p.cache;
      allLimited &= p.memoryLimit > 0;
      limit += p.memoryLimit;
    }
    return new CgroupSample(
        ts,
        cpu,
        usage,
        ws,
        rss,
        faults,
        major,
        any && allLimited ? limit : 0,
        pids,
        user,
        system,
        cache);
  }
}
