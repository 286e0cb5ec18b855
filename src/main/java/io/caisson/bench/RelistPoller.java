package io.caisson.bench;

import io.caisson.cri.v1.Container;
import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.ListContainersRequest;
import io.caisson.cri.v1.ListPodSandboxRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  /** The relists timed since the last call, in milliseconds. */
  synchronized List<Double> takeWindow() {
    List<Double> taken = List.copyOf(window);
    window.clear();
    return taken;
  }

  /** Every relist timed so far, in milliseconds. */
  synchronized List<Double> all() {
    return List.copyOf(all);
  }

  long vanished() {
    return vanished.get();
  }

  long errors() {
    return errors.get();
  }

  synchronized List<String> firstErrors() {
    return List.copyOf(firstErrors);
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true; // not an interrupt: that would cancel a call in flight and count as an error
    thread.join();
  }
}
