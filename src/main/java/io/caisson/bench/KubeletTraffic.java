package io.caisson.bench;

import io.caisson.cri.v1.ImageFsInfoRequest;
import io.caisson.cri.v1.ListContainerStatsRequest;
import io.caisson.cri.v1.ListPodSandboxStatsRequest;
import io.caisson.cri.v1.StatusRequest;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What kubelet asks a runtime while nothing changes on its node, so that a node "at 20 pods" is
 * measured as it runs rather than in the quiet after a burst: PLEG's relist every second (a {@link
 * RelistPoller}), the runtime's Status every 5 s (kubelet's runtime health check) and, every 10 s,
 * the pod and container stats and image file system usage its summary API and eviction manager
 * read. Without these calls a daemon's working set would look smaller than it is on a node.
 */
final class KubeletTraffic implements AutoCloseable {
  private static final Duration TICK = Duration.ofSeconds(5);

  private final CriClient client;
  private final RelistPoller relists;
  private final Thread periodic;
  private final AtomicReference<StatusRuntimeException> failure = new AtomicReference<>();
  // Counted down to stop; not an interrupt, which would cancel a call in flight.
  private final CountDownLatch stop = new CountDownLatch(1);

  private KubeletTraffic(CriClient client) {
    this.client = client;
    this.relists = RelistPoller.start(client);
    this.periodic = Thread.ofVirtual().name("kubelet-traffic").start(this::run);
  }

  static KubeletTraffic start(CriClient client) {
    return new KubeletTraffic(client);
  }

  private void run() {
    for (long tick = 0; ; tick++) {
      try {
        var runtime = client.runtime();
        runtime.status(StatusRequest.getDefaultInstance());
        if (tick % 2 == 0) {
          runtime.listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance());
          runtime.listContainerStats(ListContainerStatsRequest.getDefaultInstance());
          client.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
        }
      } catch (StatusRuntimeException e) {
        failure.compareAndSet(null, e);
      }
      try {
        if (stop.await(TICK.toMillis(), TimeUnit.MILLISECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Stops the calls; the first call that failed, if any, is thrown (the measurement is void). */
  @Override
  public void close() throws InterruptedException {
    stop.countDown();
    periodic.join();
    relists.close();
    StatusRuntimeException failed = failure.get();
    if (failed != null) {
      throw new IllegalStateException("kubelet's periodic calls failed: " + failed.getMessage());
    }
    var relisted = relists.result();
    if (relisted.path("errors").asLong() > 0) {
      throw new IllegalStateException("kubelet's relists failed: " + relisted.path("first_errors"));
    }
  }
}
