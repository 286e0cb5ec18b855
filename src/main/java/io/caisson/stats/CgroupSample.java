package io.caisson.stats;

/**
 * One reading of a cgroup's CPU and memory counters; {@code memoryLimit} is 0 when unlimited.
 *
 * @param timestampNanos when it was read, nanoseconds since the epoch
 */
public record CgroupSample(
    long timestampNanos,
    long cpuUsageNanos,
    long memoryUsage,
    long workingSet,
    long rss,
    long pageFaults,
    long majorPageFaults,
    long memoryLimit) {

  /** Limit minus working set, or 0 when there is no limit. */
  public long availableBytes() {
    return memoryLimit > 0 ? Math.max(0, memoryLimit - workingSet) : 0;
  }
}
