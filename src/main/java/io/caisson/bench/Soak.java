package io.caisson.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Churns pod + container lifecycles (2 at a time) for a while and samples the daemon's memory every
 * 10 s: a leak shows as a rising PSS trend, a bug as errors.
 */
public final class Soak {
  private static final Duration SAMPLE_EVERY = Duration.ofSeconds(10);

  private Soak() {}

  public static ObjectNode run(Fleet fleet, long daemonPid, Duration length, PrintStream out)
      throws Exception {
    AtomicLong lifecycles = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    List<String> firstErrors = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Double> minutes = new ArrayList<>();
    List<Double> rss = new ArrayList<>();
    List<Double> pss = new ArrayList<>();
    long start = System.nanoTime();
    long end = start + length.toNanos();
    Thread[] churners = new Thread[2];
    for (int w = 0; w < churners.length; w++) {
      churners[w] =
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (System.nanoTime() < end) {
                      try {
                        Lifecycles.once(fleet, "soak");
                        lifecycles.incrementAndGet();
                      } catch (Exception e) {
                        errors.incrementAndGet();
                        if (firstErrors.size() < 5) {
                          firstErrors.add(Outcome.of(e).text() + " " + e.getMessage());
                        }
                        if (e instanceof io.grpc.StatusRuntimeException s
                            && s.getStatus().getCode() == io.grpc.Status.Code.UNIMPLEMENTED) {
                          return;
                        }
                      }
                    }
                  });
    }
    while (true) {
      if (daemonPid >= 0) {
        ProcMemory.Usage usage = ProcMemory.of(daemonPid);
        double t = (System.nanoTime() - start) / 60e9;
        minutes.add(t);
        rss.add(usage.rssMb());
        pss.add(usage.pssMb());
        out.printf(
            "soak %s: %.1f min, %d lifecycles, %d errors, RSS %.1f MiB, PSS %.1f MiB%n",
            fleet.client().label(),
            t,
            lifecycles.get(),
            errors.get(),
            usage.rssMb(),
            usage.pssMb());
      }
      if (System.nanoTime() >= end) {
        break;
      }
      Thread.sleep(
          Math.min(SAMPLE_EVERY.toMillis(), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
    }
    for (Thread churner : churners) {
      churner.join();
    }
    fleet.close();
    ObjectNode result = Report.mapper().createObjectNode();
    result.put("endpoint", fleet.client().label());
    result.put("minutes", length.toSeconds() / 60.0);
    result.put("lifecycles", lifecycles.get());
    result.put("errors", errors.get());
    firstErrors.forEach(result.putArray("first_errors")::add);
    if (!pss.isEmpty()) {
      double slope = Stats.slope(minutes, pss) * 60;
      result.put("rss_before_mib", rss.getFirst()).put("rss_after_mib", rss.getLast());
      result.put("pss_before_mib", pss.getFirst()).put("pss_after_mib", pss.getLast());
      result.put("pss_trend_mib_per_hour", slope);
      var samples = result.putArray("samples");
      for (int i = 0; i < pss.size(); i++) {
        samples
            .addObject()
            .put("minute", minutes.get(i))
            .put("rss_mib", rss.get(i))
            .put("pss_mib", pss.get(i));
      }
      out.printf(
          "soak %s: RSS %.1f -> %.1f MiB, PSS %.1f -> %.1f MiB, PSS trend %+.1f MiB/h over %d lifecycles, %d errors%n",
          fleet.client().label(),
          rss.getFirst(),
          rss.getLast(),
          pss.getFirst(),
          pss.getLast(),
          slope,
          lifecycles.get(),
          errors.get());
    } else {
      out.printf(
          "soak %s: %d lifecycles, %d errors (memory not sampled: daemon process unknown)%n",
          fleet.client().label(), lifecycles.get(), errors.get());
    }
    return result;
  }
}
