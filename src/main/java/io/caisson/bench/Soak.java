package io.caisson.bench;

import io.caisson.json.JsonObject;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Churns pod + container lifecycles (2 at a time) for a while and samples the daemon's memory every
 * 10 s: a leak shows as a rising PSS trend, a bug as errors. Meanwhile a {@link RelistPoller}
 * relists once a second as kubelet does, over the churn and any standing pods (2 containers each,
 * run first and removed at the end): a relist that slows down over time shows as a rising trend of
 * its per-sample medians. The standing pods' containers (one plain, one under seccomp {@code
 * RuntimeDefault}) get exec probes ({@link SoakProbes}), five a second.
 */
public final class Soak {
  private static final Duration SAMPLE_EVERY = Duration.ofSeconds(10);

  private Soak() {}

  public static JsonObject run(
      Fleet fleet, long daemonPid, Duration length, int standingPods, PrintStream out)
      throws Exception {
    List<String> standing = java.util.Collections.synchronizedList(new ArrayList<>());
    if (standingPods > 0) {
      out.printf("soak %s: running %d standing pods%n", fleet.client().label(), standingPods);
      Parallel.run(
          4,
          standingPods,
          i -> {
            String pod = fleet.runPod("standing");
            standing.add(fleet.runContainer(pod, "a"));
            standing.add(fleet.runContainer(pod, fleet.confinedContainerConfig("b")));
          });
    }
    AtomicLong lifecycles = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    List<String> firstErrors = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Double> minutes = new ArrayList<>();
    List<Double> rss = new ArrayList<>();
    List<Double> pss = new ArrayList<>();
    RelistPoller relists = RelistPoller.start(fleet.client());
    SoakProbes probes = SoakProbes.start(fleet.client(), standing);
    long start = System.nanoTime();
    long end = start + length.toNanos();
    try {
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
        String relistText =
            relists
                .takeWindow()
                .map(w -> "relist median %.1f ms, max %.1f ms".formatted(w.median(), w.max()))
                .orElse("no relist finished");
        double t = (System.nanoTime() - start) / 60e9;
        String memory = "";
        if (daemonPid >= 0) {
          ProcMemory.Usage usage = ProcMemory.of(daemonPid);
          minutes.add(t);
          rss.add(usage.rssMb());
          pss.add(usage.pssMb());
          memory = ", RSS %.1f MiB, PSS %.1f MiB".formatted(usage.rssMb(), usage.pssMb());
        }
        out.printf(
            "soak %s: %.1f min, %d lifecycles, %d errors%s, %s, %s%n",
            fleet.client().label(),
            t,
            lifecycles.get(),
            errors.get(),
            memory,
            relistText,
            probes.progress());
        if (System.nanoTime() >= end) {
          break;
        }
        Thread.sleep(
            Math.min(SAMPLE_EVERY.toMillis(), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
      }
      for (Thread churner : churners) {
        churner.join();
      }
    } finally {
      probes.close();
      relists.close();
    }
    fleet.close();
    JsonObject result = new JsonObject();
    result.put("endpoint", fleet.client().label());
    result.put("minutes", length.toSeconds() / 60.0);
    result.put("standing_pods", standingPods);
    result.put("lifecycles", lifecycles.get());
    result.put("errors", errors.get());
    firstErrors.forEach(result.putArray("first_errors")::add);
    JsonObject relist = relists.result();
    result.set("relist", relist);
    printRelist(out, fleet.client().label(), relist);
    JsonObject probed = probes.result();
    result.set("exec_probes", probed);
    if (probed.get("count").asInt() > 0 || probed.get("errors").asLong() > 0) {
      out.printf(
          "soak %s: %d exec probes (%d over SPDY), median %.1f ms, p90 %.1f ms, max %.1f ms,"
              + " %d errors%n",
          fleet.client().label(),
          probed.get("count").asInt(),
          probed.get("over_spdy").asLong(),
          probed.path("median_ms").asDouble(),
          probed.path("p90_ms").asDouble(),
          probed.path("max_ms").asDouble(),
          probed.get("errors").asLong());
    }
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

  private static void printRelist(PrintStream out, String label, JsonObject relist) {
    if (relist.get("count").asInt() == 0) {
      out.printf("soak %s: no relist finished, %d errors%n", label, relist.get("errors").asLong());
      return;
    }
    out.printf(
        "soak %s: %d relists, median %.1f ms, p99 %.1f ms, max %.1f ms, median trend %+.1f ms/h,"
            + " %d errors (%d containers gone between list and status)%n",
        label,
        relist.get("count").asInt(),
        relist.get("median_ms").asDouble(),
        relist.get("p99_ms").asDouble(),
        relist.get("max_ms").asDouble(),
        relist.get("median_trend_ms_per_hour").asDouble(),
        relist.get("errors").asLong(),
        relist.get("vanished_containers").asLong());
  }
}
