package io.caisson.stats;

import java.util.concurrent.ConcurrentHashMap;

/**
 * CPU usage as a rate (nano cores) between the two latest samples of each container: the cumulative
 * counter alone cannot tell kubelet how busy a container is now.
 */
public final class CpuRates {
  private record Point(long timestampNanos, long usageNanos) {}

  private final ConcurrentHashMap<String, Point> last = new ConcurrentHashMap<>();

  /** The rate since the previous sample of {@code id}, 0 for its first sample. */
  public long nanoCores(String id, CgroupSample sample) {
    Point now = new Point(sample.timestampNanos(), sample.cpuUsageNanos());
    Point before = last.put(id, now);
    if (before == null || now.timestampNanos() <= before.timestampNanos()) {
      return 0;
    }
    long used = Math.max(0, now.usageNanos() - before.usageNanos());
    return (long) (used * 1e9 / (now.timestampNanos() - before.timestampNanos()));
  }

  public void forget(String id) {
    last.remove(id);
  }

  /** Drops the samples of ids not in {@code live}: containers and pods that were removed. */
  public void retainOnly(java.util.Set<String> live) {
    last.keySet().retainAll(live);
  }
}
