package io.caisson.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The daemon's own metrics and their Prometheus text exposition (format 0.0.4). Counters and
 * histograms are updated lock-free on the hot path; gauges are computed when scraped.
 */
public final class MetricRegistry {
  private final List<Family> families = new CopyOnWriteArrayList<>();

  /** Something rendered as one metric family. */
  private sealed interface Family permits Counter, Histogram, Gauges {
    void render(StringBuilder out);
  }

  public Counter counter(String name, String help, String... labels) {
    Counter counter = new Counter(name, help, List.of(labels));
    families.add(counter);
    return counter;
  }

  /**
   * @param buckets upper bounds in increasing order; +Inf is added
   */
  public Histogram histogram(String name, String help, double[] buckets, String... labels) {
    Histogram histogram = new Histogram(name, help, buckets.clone(), List.of(labels));
    families.add(histogram);
    return histogram;
  }

  /** A gauge family whose series (label values → value) are computed at each scrape. */
  public void gauges(
      String name, String help, List<String> labels, Supplier<Map<List<String>, Double>> values) {
    families.add(new Gauges(name, help, labels, values));
  }

  /** Everything, in registration order. */
  public String render() {
    StringBuilder out = new StringBuilder(4096);
    for (Family family : families) {
      family.render(out);
    }
    return out.toString();
  }

  // ---- families -----------------------------------------------------------------------------

  /** A monotonically increasing count per label set. */
  public static final class Counter implements Family {
    private final String name;
    private final String help;
    private final List<String> labels;
    private final ConcurrentHashMap<List<String>, DoubleAdder> series = new ConcurrentHashMap<>();

    private Counter(String name, String help, List<String> labels) {
      this.name = name;
      this.help = help;
      this.labels = labels;
    }

    public void inc(String... labelValues) {
      add(1, labelValues);
    }

    public void add(double amount, String... labelValues) {
      if (amount < 0) {
        throw new IllegalArgumentException("a counter only goes up: " + name + " by " + amount);
      }
      series.computeIfAbsent(key(labels, labelValues), k -> new DoubleAdder()).add(amount);
    }

    public double value(String... labelValues) {
      DoubleAdder adder = series.get(List.of(labelValues));
      return adder == null ? 0 : adder.sum();
    }

    @Override
    public void render(StringBuilder out) {
      header(out, name, help, "counter");
      for (var entry : sortable(series).entrySet()) {
        sample(out, name, labels, entry.getValue().getKey(), entry.getValue().getValue().sum());
      }
    }
  }

  /** Observations counted into fixed buckets, with their sum and count, per label set. */
  public static final class Histogram implements Family {
    private final String name;
    private final String help;
    private final double[] bounds;
    private final List<String> labels;
    private final ConcurrentHashMap<List<String>, Series> series = new ConcurrentHashMap<>();

    private Histogram(String name, String help, double[] bounds, List<String> labels) {
      for (int i = 1; i < bounds.length; i++) {
        if (bounds[i] <= bounds[i - 1]) {
          throw new IllegalArgumentException(name + ": buckets must increase");
        }
      }
      this.name = name;
      this.help = help;
      this.bounds = bounds;
      this.labels = labels;
    }

    private final class Series {
      final LongAdder[] counts = new LongAdder[bounds.length + 1];
      final DoubleAdder sum = new DoubleAdder();

      Series() {
        Arrays.setAll(counts, i -> new LongAdder());
      }
    }

    public void observe(double value, String... labelValues) {
      Series s = series.computeIfAbsent(key(labels, labelValues), k -> new Series());
      int bucket = 0;
      while (bucket < bounds.length && value > bounds[bucket]) {
        bucket++;
      }
      s.counts[bucket].increment();
      s.sum.add(value);
    }

    public long count(String... labelValues) {
      Series s = series.get(List.of(labelValues));
      return s == null ? 0 : Arrays.stream(s.counts).mapToLong(LongAdder::sum).sum();
    }

    @Override
    public void render(StringBuilder out) {
      header(out, name, help, "histogram");
      for (var entry : sortable(series).entrySet()) {
        List<String> values = entry.getValue().getKey();
        Series s = entry.getValue().getValue();
        List<String> withLe = new ArrayList<>(labels);
        withLe.add("le");
        long cumulative = 0;
        for (int i = 0; i <= bounds.length; i++) {
          cumulative += s.counts[i].sum();
          List<String> v = new ArrayList<>(values);
          v.add(i < bounds.length ? number(bounds[i]) : "+Inf");
          sample(out, name + "_bucket", withLe, v, cumulative);
        }
        sample(out, name + "_sum", labels, values, s.sum.sum());
        sample(out, name + "_count", labels, values, cumulative);
      }
    }
  }

  private record Gauges(
      String name, String help, List<String> labels, Supplier<Map<List<String>, Double>> values)
      implements Family {
    @Override
    public void render(StringBuilder out) {
      header(out, name, help, "gauge");
      for (var entry : sortable(values.get()).entrySet()) {
        sample(out, name, labels, entry.getValue().getKey(), entry.getValue().getValue());
      }
    }
  }

  // ---- text format --------------------------------------------------------------------------

  private static List<String> key(List<String> labels, String[] values) {
    if (values.length != labels.size()) {
      throw new IllegalArgumentException(
          "expected values for " + labels + ", got " + Arrays.toString(values));
    }
    return List.of(values);
  }

  /** Series in a stable order (by label values), so scrapes are easy to compare. */
  private static <V> Map<String, Map.Entry<List<String>, V>> sortable(Map<List<String>, V> series) {
    Map<String, Map.Entry<List<String>, V>> sorted = new TreeMap<>();
    series.forEach((k, v) -> sorted.put(String.join("\u0000", k), Map.entry(k, v)));
    return sorted;
  }

  private static void header(StringBuilder out, String name, String help, String type) {
    out.append("# HELP ").append(name).append(' ');
    out.append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(
      StringBuilder out, String name, List<String> labels, List<String> values, double value) {
    out.append(name);
    if (!labels.isEmpty()) {
      out.append('{');
      for (int i = 0; i < labels.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        out.append(labels.get(i)).append("=\"").append(escape(values.get(i))).append('"');
      }
      out.append('}');
    }
    out.append(' ').append(number(value)).append('\n');
  }

  static String escape(String labelValue) {
    return labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  static String number(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return Double.toString(value);
  }
}
