package io.caisson.stats;

import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CPU usage as a rate (nano cores) of each container or pod: the cumulative counter alone cannot
 * tell kubelet how busy it is now.
 *
 * <p>The rate is taken over at least {@link #MIN_WINDOW_NANOS} once there is that much history,
 * whoever asks and however often: ContainerStats, ListContainerStats and PodSandboxStats share
 * these baselines, and a rate over the few milliseconds between two calls is mostly noise (a 0.2
 * CPU container read 0.5 cores, then 0). A baseline is kept until it is that old; calls in between
 * measure against the baseline before it.
 */
public final class CpuRates {
  static final long MIN_WINDOW_NANOS = 1_000_000_000L;

  private record Point(long timestampNanos, long usageNanos) {}

  /** The baselines of one id: {@code newer} is at least the window after {@code older}, or null. */
  private record Baselines(Point older, Point newer) {}

  private final ConcurrentHashMap<String, Baselines> baselines = new ConcurrentHashMap<>();

  /**
   * The rate of {@code id} up to {@code sample}; empty for its first sample (kubelet then computes
   * one itself, where 0 would read as idle) and when the counter went backwards (a new cgroup under
   * the same id), which starts it again.
   */
  public OptionalLong nanoCores(String id, CgroupSample sample) {
    Point now = new Point(sample.timestampNanos(), sample.cpuUsageNanos());
    OptionalLong[] rate = {OptionalLong.empty()};
    baselines.compute(
        id,
        (key, known) -> {
          if (known == null) {
            return new Baselines(now, null);
          }
          Point base =
              known.newer() != null
                      && now.timestampNanos() - known.newer().timestampNanos() >= MIN_WINDOW_NANOS
                  ? known.newer()
                  : known.older();
          if (now.usageNanos() < base.usageNanos()
              || now.timestampNanos() < base.timestampNanos()) {
            return new Baselines(now, null);
          }
          long elapsed = now.timestampNanos() - base.timestampNanos();
          if (elapsed > 0) {
            rate[0] =
                OptionalLong.of((long) ((now.usageNanos() - base.usageNanos()) * 1e9 / elapsed));
          }
          Point latest = known.newer() != null ? known.newer() : known.older();
          return now.timestampNanos() - latest.timestampNanos() >= MIN_WINDOW_NANOS
              ? new Baselines(latest, now)
              : known;
        });
    return rate[0];
  }

  public void forget(String id) {
    baselines.remove(id);
  }

  /** Drops the samples of ids not in {@code live}: containers and pods that were removed. */
  public void retainOnly(java.util.Set<String> live) {
    baselines.keySet().retainAll(live);
  }
}
