package io.caisson.bench;

import io.caisson.cri.v1.Container;
import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.ListContainersRequest;
import io.caisson.cri.v1.ListPodSandboxRequest;
import io.caisson.json.JsonObject;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * kubelet's PLEG during a soak: once a second, ListPodSandbox, ListContainers and the status of
 * every container listed, timed as one relist. A container removed between the list and its status
 * call (NOT_FOUND) is what churn does to any relist, so it is counted apart from errors.
 */
final class RelistPoller implements AutoCloseable {
  private static final Duration PERIOD = Duration.ofSeconds(1);

  private final CriClient client;
  private final Thread thread;
  private final List<Double> window = new ArrayList<>(); // guarded by this
  private final List<Double> all = new ArrayList<>(); // guarded by this
  private final AtomicLong vanished = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final List<String> firstErrors = new ArrayList<>(); // guarded by this
  private final List<Double> windowMinutes = new ArrayList<>(); // guarded by this
  private final List<Double> windowMedians = new ArrayList<>(); // guarded by this
  private final long started = System.nanoTime();
  private volatile boolean stopped;

  private RelistPoller(CriClient client) {
    this.client = client;
    this.thread = Thread.ofVirtual().name("relist-poller").unstarted(this::poll);
  }

  static RelistPoller start(CriClient client) {
    RelistPoller poller = new RelistPoller(client);
    poller.thread.start();
    return poller;
  }

  private void poll() {
    long next = System.nanoTime();
    while (!stopped) {
      try {
        double ms = relistOnce();
        synchronized (this) {
          window.add(ms);
          all.add(ms);
        }
      } catch (StatusRuntimeException e) {
        errors.incrementAndGet();
        synchronized (this) {
          if (firstErrors.size() < 5) {
            firstErrors.add(e.getStatus().getCode() + " " + e.getStatus().getDescription());
          }
        }
      }
      next += PERIOD.toNanos();
      long wait = next - System.nanoTime();
      if (wait > 0) {
        try {
          Thread.sleep(Duration.ofNanos(wait));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      } else {
        next = System.nanoTime(); // a relist longer than the period: the next one starts now
      }
    }
  }

  private double relistOnce() {
    var runtime = client.runtime();
    long start = System.nanoTime();
    runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
    for (Container container :
        runtime.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
      try {
        runtime.containerStatus(
            ContainerStatusRequest.newBuilder().setContainerId(container.getId()).build());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
        vanished.incrementAndGet();
      }
    }
    return (System.nanoTime() - start) / 1e6;
  }

  /**
   * The relists (ms) timed since the last call, summarized; their median is kept, with the minute
   * it was taken, for {@link #result}'s trend. Empty when none finished meanwhile.
   */
  synchronized Optional<Stats.Summary> takeWindow() {
    if (window.isEmpty()) {
      return Optional.empty();
    }
    Stats.Summary summary = Stats.summarize(window);
    window.clear();
    windowMinutes.add((System.nanoTime() - started) / 60e9);
    windowMedians.add(summary.median());
    return Optional.of(summary);
  }

  /**
   * Everything timed so far: count, median, p99 and max (ms), the trend of the windows' medians
   * (ms/h), errors and containers that vanished between list and status.
   */
  synchronized JsonObject result() {
    JsonObject result = new JsonObject();
    result.put("count", all.size());
    result.put("vanished_containers", vanished.get());
    result.put("errors", errors.get());
    firstErrors.forEach(result.putArray("first_errors")::add);
    if (!all.isEmpty()) {
      List<Double> sorted = all.stream().sorted().toList();
      result.put("median_ms", Stats.median(sorted));
      result.put("p99_ms", Stats.percentile(sorted, 99));
      result.put("max_ms", sorted.getLast());
      result.put("median_trend_ms_per_hour", Stats.slope(windowMinutes, windowMedians) * 60);
    }
    return result;
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true; // not an interrupt: that would cancel a call in flight and count as an error
    thread.join();
  }
}
