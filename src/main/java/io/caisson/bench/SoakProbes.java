package io.caisson.bench;

import io.caisson.cri.v1.ExecRequest;
import io.caisson.cri.v1.ExecSyncRequest;
import io.caisson.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * kubelet's exec probes during a soak: every {@link #EVERY} an ExecSync {@code true} in the next
 * standing container, round robin, and every {@link #STREAMING_EVERY}th time instead an exec over
 * SPDY as {@code kubectl exec} makes it. A probe that does not exit 0 is an error; a leak of
 * processes or descriptors per exec would show in the soak's memory and in the end state.
 */
final class SoakProbes implements AutoCloseable {
  private static final Duration EVERY = Duration.ofMillis(200);
  private static final int STREAMING_EVERY = 10;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final CriClient client;
  private final List<String> containers;
  private final List<Double> millis = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong streaming = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final List<String> firstErrors = Collections.synchronizedList(new ArrayList<>());
  private final Thread thread;
  private volatile boolean stopped;

  private SoakProbes(CriClient client, List<String> containers) {
    this.client = client;
    this.containers = List.copyOf(containers);
    this.thread = Thread.ofVirtual().name("soak-probes").unstarted(this::run);
  }

  /** Starts probing {@code containers}; none: nothing runs. */
  static SoakProbes start(CriClient client, List<String> containers) {
    SoakProbes probes = new SoakProbes(client, containers);
    if (!containers.isEmpty()) {
      probes.thread.start();
    }
    return probes;
  }

  private void run() {
    for (long n = 0; !stopped; n++) {
      String container = containers.get((int) (n % containers.size()));
      boolean overSpdy = n % STREAMING_EVERY == STREAMING_EVERY - 1;
      long started = System.nanoTime();
      try {
        probe(container, overSpdy);
        millis.add((System.nanoTime() - started) / 1e6);
        if (overSpdy) {
          streaming.incrementAndGet();
        }
      } catch (Exception e) {
        errors.incrementAndGet();
        if (firstErrors.size() < 5) {
          firstErrors.add(container + ": " + Outcome.of(e).text() + " " + e.getMessage());
        }
      }
      try {
        Thread.sleep(EVERY);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void probe(String container, boolean overSpdy) throws Exception {
    if (overSpdy) {
      ExecRequest request =
          ExecRequest.newBuilder().setContainerId(container).addCmd("true").setStdout(true).build();
      String status = SpdyExec.run(URI.create(client.runtime().exec(request).getUrl()), TIMEOUT);
      if (!status.contains("\"Success\"")) {
        throw new IllegalStateException("exec over SPDY ended with " + status);
      }
      return;
    }
    var response =
        client
            .runtime()
            .execSync(
                ExecSyncRequest.newBuilder()
                    .setContainerId(container)
                    .addCmd("true")
                    .setTimeout((int) TIMEOUT.toSeconds())
                    .build());
    if (response.getExitCode() != 0) {
      throw new IllegalStateException(
          "exit " + response.getExitCode() + ": " + response.getStderr().toStringUtf8());
    }
  }

  /** Probes so far, and errors, for a sample line. */
  String progress() {
    return "%d probes, %d probe errors".formatted(millis.size(), errors.get());
  }

  /** The probes' count, latencies and errors. */
  JsonObject result() {
    JsonObject result = new JsonObject();
    List<Double> all;
    synchronized (millis) {
      all = List.copyOf(millis);
    }
    result.put("count", all.size());
    result.put("over_spdy", streaming.get());
    result.put("errors", errors.get());
    firstErrors.forEach(result.putArray("first_errors")::add);
    Stats.Summary summary = Stats.summarize(all);
    if (summary != null) {
      result.put("median_ms", summary.median()).put("p90_ms", summary.p90());
      result.put("max_ms", summary.max());
    }
    return result;
  }

  /**
   * Stops after the probe under way (not interrupted: a cancelled call would count as an error).
   */
  @Override
  public void close() throws InterruptedException {
    stopped = true;
    if (thread.isAlive()) {
      thread.join();
    }
  }
}
