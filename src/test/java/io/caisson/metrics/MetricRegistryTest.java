package io.caisson.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricRegistryTest {
  @Test
  void rendersCountersHistogramsAndGaugesInTheTextFormat() {
    MetricRegistry registry = new MetricRegistry();
    var calls = registry.counter("calls_total", "Calls.", "method", "code");
    calls.inc("Version", "OK");
    calls.inc("Version", "OK");
    calls.inc("Status", "NOT_FOUND");
    var latency = registry.histogram("latency_seconds", "Latency.", new double[] {0.1, 1}, "m");
    latency.observe(0.05, "a");
    latency.observe(0.5, "a");
    latency.observe(5, "a");
    registry.gauges(
        "things", "Things \\ by\nstate.", List.of("state"), () -> Map.of(List.of("a\"b"), 3.5));

    assertThat(registry.render())
        .isEqualTo(
            """
            # HELP calls_total Calls.
            # TYPE calls_total counter
            calls_total{method="Status",code="NOT_FOUND"} 1
            calls_total{method="Version",code="OK"} 2
            # HELP latency_seconds Latency.
            # TYPE latency_seconds histogram
            latency_seconds_bucket{m="a",le="0.1"} 1
            latency_seconds_bucket{m="a",le="1"} 2
            latency_seconds_bucket{m="a",le="+Inf"} 3
            latency_seconds_sum{m="a"} 5.55
            latency_seconds_count{m="a"} 3
            # HELP things Things \\\\ by\\nstate.
            # TYPE things gauge
            things{state="a\\"b"} 3.5
            """);
  }

  @Test
  void theProcessResidentSetIsRead() {
    assertThat(DaemonMetrics.residentBytes()).isGreaterThan(1 << 20);
  }
}
