package io.caisson.cri;

import io.caisson.common.EpochNanos;
import io.caisson.container.Container;
import io.caisson.container.ContainerManager;
import io.caisson.cri.v1.ContainerEventResponse;
import io.caisson.cri.v1.ContainerEventType;
import io.caisson.events.EventBus;
import io.caisson.events.Lifecycle;
import io.caisson.sandbox.Sandbox;
import io.caisson.sandbox.SandboxManager;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GetContainerEvents: turns the managers' lifecycle changes into {@link ContainerEventResponse}s
 * (with the pod's status and all its containers' statuses at that moment, which kubelet's evented
 * PLEG uses instead of asking again) and streams them to each subscriber, honouring gRPC flow
 * control. A subscriber that stops reading is cut off with RESOURCE_EXHAUSTED by the bus.
 */
public final class ContainerEvents implements Lifecycle, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerEvents.class);

  private final EventBus<ContainerEventResponse> bus;
  private final SandboxManager sandboxes;
  private final ContainerManager containers;
  private volatile boolean closing;

  public ContainerEvents(
      EventBus<ContainerEventResponse> bus, SandboxManager sandboxes, ContainerManager containers) {
    this.bus = bus;
    this.sandboxes = sandboxes;
    this.containers = containers;
  }

  public EventBus<ContainerEventResponse> bus() {
    return bus;
  }

  @Override
  public void changed(Kind kind, String subject, String sandboxId) {
    try {
      bus.publish(() -> event(kind, subject, sandboxId));
    } catch (RuntimeException e) {
      // An event that cannot be built must not fail the lifecycle operation that raised it.
      LOG.error("{} event of {} could not be built", kind, subject, e);
    }
  }

  private ContainerEventResponse event(Kind kind, String subject, String sandboxId) {
    ContainerEventResponse.Builder event =
        ContainerEventResponse.newBuilder()
            .setContainerId(subject)
            .setContainerEventType(type(kind))
            .setCreatedAt(EpochNanos.now());
    Sandbox sandbox = sandboxes.findOptional(sandboxId).orElse(null);
    if (sandbox != null) {
      event.setPodSandboxStatus(SandboxRpcs.statusOf(sandbox));
    }
    // Records as they are: refreshing another container here could take its monitor while this
    // one's is held. Its own exit raises its own event.
    for (Container container : containers.all()) {
      if (!container.isRemoved() && container.record().sandboxId().equals(sandboxId)) {
        event.addContainersStatuses(ContainerRpcs.statusOf(container, container.record()));
      }
    }
    return event.build();
  }

  private static ContainerEventType type(Kind kind) {
    return switch (kind) {
      case CREATED -> ContainerEventType.CONTAINER_CREATED_EVENT;
      case STARTED -> ContainerEventType.CONTAINER_STARTED_EVENT;
      case STOPPED -> ContainerEventType.CONTAINER_STOPPED_EVENT;
      case DELETED -> ContainerEventType.CONTAINER_DELETED_EVENT;
    };
  }

  /** Serves one GetContainerEvents call until the client cancels, falls behind, or we close. */
  void stream(StreamObserver<ContainerEventResponse> observer) {
    var call = (ServerCallStreamObserver<ContainerEventResponse>) observer;
    if (closing) {
      call.onError(
          Status.UNAVAILABLE.withDescription("caisson is shutting down").asRuntimeException());
      return;
    }
    EventBus.Subscription<ContainerEventResponse> subscription = bus.subscribe();
    ReentrantLock lock = new ReentrantLock();
    Condition ready = lock.newCondition();
    Runnable wake =
        () -> {
          lock.lock();
          try {
            ready.signalAll();
          } finally {
            lock.unlock();
          }
        };
    call.setOnReadyHandler(wake);
    call.setOnCancelHandler(
        () -> {
          subscription.close();
          wake.run();
        });
    // The call's own callbacks (ready, cancel) run on its serialising executor: the pump must not
    // hold that thread, so it gets one of its own.
    Thread.ofVirtual().name("container-events").start(() -> pump(call, subscription, lock, ready));
  }

  private void pump(
      ServerCallStreamObserver<ContainerEventResponse> call,
      EventBus.Subscription<ContainerEventResponse> subscription,
      ReentrantLock lock,
      Condition ready) {
    try {
      while (!subscription.isClosed() && !call.isCancelled()) {
        ContainerEventResponse event = subscription.take(1, TimeUnit.SECONDS);
        if (event == null) {
          continue;
        }
        lock.lock();
        try {
          while (!call.isReady() && !subscription.isClosed() && !call.isCancelled()) {
            subscription.checkOverflow();
            ready.await(1, TimeUnit.SECONDS);
          }
        } finally {
          lock.unlock();
        }
        if (subscription.isClosed() || call.isCancelled()) {
          break;
        }
        call.onNext(event);
      }
      if (closing && !call.isCancelled()) {
        call.onError(
            Status.UNAVAILABLE.withDescription("caisson is shutting down").asRuntimeException());
      }
    } catch (EventBus.Overflow e) {
      LOG.warn("GetContainerEvents subscriber cut off: {}", e.getMessage());
      call.onError(Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // The client went away while we wrote: nothing left to tell it.
      LOG.debug("GetContainerEvents stream ended: {}", e.toString());
    } finally {
      subscription.close();
    }
  }

  /** Ends every open stream with UNAVAILABLE, so a shutting-down server need not wait for them. */
  @Override
  public void close() {
    closing = true;
    bus.closeAll();
  }
}
