package io.caisson.bench;

import io.caisson.json.Json;
import io.caisson.json.JsonArray;
import io.caisson.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The printed tables and the JSON document of a run. */
public final class Report {

  private Report() {}

  /** One table per workload: per-target stats, and medians + ratio when there are two targets. */
  public static String table(List<String> labels, List<Runner.WorkloadResult> results) {
    StringBuilder out = new StringBuilder();
    for (Runner.WorkloadResult result : results) {
      out.append("\n== ").append(result.name()).append(" ==\n");
      for (int e = 0; e < labels.size(); e++) {
        Outcome outcome = result.outcomes().get(e);
        if (!(outcome instanceof Outcome.Measured)) {
          out.append("  %-8s %s%n".formatted(labels.get(e), outcome.text()));
        }
      }
      Set<String> metrics = new LinkedHashSet<>();
      result.outcomes().forEach(o -> metrics.addAll(metricsOf(o).keySet()));
      if (metrics.isEmpty()) {
        continue;
      }
      if (labels.size() == 1) {
        out.append(
            "  %-36s %-6s %5s %10s %10s %10s %10s%n"
                .formatted("metric", "unit", "n", "median", "p90", "min", "max"));
        for (String metric : metrics) {
          Samples.Metric m = metricsOf(result.outcomes().get(0)).get(metric);
          Stats.Summary s = Stats.summarize(m.values());
          out.append(
              "  %-36s %-6s %5d %10s %10s %10s %10s%n"
                  .formatted(
                      metric,
                      m.unit(),
                      s.count(),
                      num(s.median()),
                      num(s.p90()),
                      num(s.min()),
                      num(s.max())));
        }
      } else {
        String a = labels.get(0);
        String b = labels.get(1);
        out.append(
            "  %-36s %-6s %12s %12s %12s %12s %8s%n"
                .formatted(
                    "metric",
                    "unit",
                    a + " median",
                    a + " p90",
                    b + " median",
                    b + " p90",
                    a + "/" + b));
        for (String metric : metrics) {
          Samples.Metric ma = metricsOf(result.outcomes().get(0)).get(metric);
          Samples.Metric mb = metricsOf(result.outcomes().get(1)).get(metric);
          Stats.Summary sa = ma == null ? null : Stats.summarize(ma.values());
          Stats.Summary sb = mb == null ? null : Stats.summarize(mb.values());
          String unit = ma != null ? ma.unit() : mb.unit();
          out.append(
              "  %-36s %-6s %12s %12s %12s %12s %8s%n"
                  .formatted(
                      metric,
                      unit,
                      sa == null ? "-" : num(sa.median()),
                      sa == null ? "-" : num(sa.p90()),
                      sb == null ? "-" : num(sb.median()),
                      sb == null ? "-" : num(sb.p90()),
                      ratio(sa, sb) == null ? "-" : "%.2f".formatted(ratio(sa, sb))));
        }
      }
      for (int e = 0; e < labels.size(); e++) {
        for (FloorPair pair : FLOORS) {
          Double over = pair.over(result.outcomes().get(e));
          if (over != null) {
            out.append(
                "  %s: %s / %s of the same rounds (medians) = %.2f%n"
                    .formatted(labels.get(e), pair.metric(), pair.floorName(), over));
          }
        }
      }
    }
    return out.toString();
  }

  /**
   * A runtime's metric and the raw runc timing under it, taken in the same rounds.
   *
   * @param floorName how the report names the floor
   * @param jsonKey where the JSON puts the ratio
   */
  record FloorPair(String metric, String floor, String floorName, String jsonKey) {
    /** The metric's median over the floor's, or null when either is missing. */
    Double over(Outcome outcome) {
      Map<String, Samples.Metric> metrics = metricsOf(outcome);
      Samples.Metric measured = metrics.get(metric);
      Samples.Metric under = metrics.get(floor);
      return measured == null || under == null
          ? null
          : ratio(Stats.summarize(measured.values()), Stats.summarize(under.values()));
    }
  }

  static final List<FloorPair> FLOORS =
      List.of(
          new FloorPair(
              ContainerWorkload.CREATE_START,
              ContainerWorkload.FLOOR,
              "runc run floor",
              "create_start_over_runc_floor"),
          new FloorPair(
              ExecWorkload.EXEC,
              ExecWorkload.FLOOR,
              "runc exec floor",
              "exec_sync_over_runc_exec"));

  static Double ratio(Stats.Summary a, Stats.Summary b) {
    return a == null || b == null || b.median() == 0 ? null : a.median() / b.median();
  }

  static String num(double value) {
    return value >= 100
        ? "%.0f".formatted(value)
        : value >= 10 ? "%.1f".formatted(value) : "%.2f".formatted(value);
  }

  private static Map<String, Samples.Metric> metricsOf(Outcome outcome) {
    return outcome instanceof Outcome.Measured m ? m.metrics() : Map.of();
  }

  /** The whole run as JSON: environment, per-target outcomes with summaries and raw samples. */
  public static JsonObject json(
      JsonObject header, List<String> labels, List<Runner.WorkloadResult> results) {
    JsonObject root = header.deepCopy();
    JsonArray workloads = root.putArray("workloads");
    for (Runner.WorkloadResult result : results) {
      JsonObject workload = workloads.addObject().put("name", result.name());
      JsonObject byTarget = workload.putObject("results");
      for (int e = 0; e < labels.size(); e++) {
        Outcome outcome = result.outcomes().get(e);
        JsonObject node = byTarget.putObject(labels.get(e));
        switch (outcome) {
          case Outcome.Measured m -> {
            node.put("status", "ok");
            JsonObject metrics = node.putObject("metrics");
            m.metrics()
                .forEach(
                    (name, metric) -> {
                      Stats.Summary s = Stats.summarize(metric.values());
                      JsonObject mn = metrics.putObject(name);
                      mn.put("unit", metric.unit())
                          .put("count", s.count())
                          .put("median", s.median())
                          .put("p90", s.p90())
                          .put("min", s.min())
                          .put("max", s.max());
                      JsonArray values = mn.putArray("samples");
                      metric.values().forEach(values::add);
                    });
          }
          case Outcome.Unimplemented u ->
              node.put("status", "unimplemented").put("text", u.text()).put("detail", u.detail());
          case Outcome.Skipped s -> node.put("status", "skipped").put("detail", s.reason());
          case Outcome.Failed f -> node.put("status", "failed").put("detail", f.message());
        }
        for (FloorPair pair : FLOORS) {
          Double over = pair.over(outcome);
          if (over != null) {
            node.put(pair.jsonKey(), over);
          }
        }
      }
      if (labels.size() == 2) {
        JsonObject ratios = workload.putObject("ratio");
        ratios.put("of", labels.get(0) + "/" + labels.get(1));
        Map<String, Samples.Metric> a = metricsOf(result.outcomes().get(0));
        Map<String, Samples.Metric> b = metricsOf(result.outcomes().get(1));
        for (String metric : a.keySet()) {
          if (b.containsKey(metric)) {
            Double r =
                ratio(
                    Stats.summarize(a.get(metric).values()),
                    Stats.summarize(b.get(metric).values()));
            if (r != null) {
              ratios.put(metric, r);
            }
          }
        }
      }
    }
    return root;
  }

  public static void write(Path file, JsonObject document) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, Json.pretty(document) + "\n");
  }
}
