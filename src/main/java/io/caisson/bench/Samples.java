package io.caisson.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Samples of the metrics one workload produced on one endpoint, in first-seen order. */
public final class Samples {
  /** One metric's unit and values. */
  public record Metric(String unit, List<Double> values) {}

  /** A call that may throw anything (gRPC, I/O, interruption). */
  @FunctionalInterface
  public interface Call<T> {
    T call() throws Exception;
  }

  private final Map<String, Metric> metrics = new LinkedHashMap<>();

  /** Runs {@code call} and records its wall time in milliseconds under {@code metric}. */
  public <T> T time(String metric, Call<T> call) throws Exception {
    long start = System.nanoTime();
    T result = call.call();
    add(metric, "ms", (System.nanoTime() - start) / 1e6);
    return result;
  }

  public synchronized void add(String metric, String unit, double value) {
    metrics.computeIfAbsent(metric, m -> new Metric(unit, new ArrayList<>())).values().add(value);
  }

  /** A copy, safe to read while other threads keep adding. */
  public synchronized Map<String, Metric> snapshot() {
    Map<String, Metric> copy = new LinkedHashMap<>();
    metrics.forEach((k, v) -> copy.put(k, new Metric(v.unit(), List.copyOf(v.values()))));
    return copy;
  }
}
