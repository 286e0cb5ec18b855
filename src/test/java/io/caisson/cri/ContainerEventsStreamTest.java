package io.caisson.cri;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.cri.v1.ContainerEventResponse;
import io.caisson.cri.v1.ContainerEventType;
import io.caisson.cri.v1.GetEventsRequest;
import io.caisson.cri.v1.ListMetricDescriptorsRequest;
import io.caisson.cri.v1.PodSandboxStatus;
import io.caisson.cri.v1.RuntimeServiceGrpc;
import io.caisson.events.EventBus;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The GetContainerEvents stream over a real gRPC server on loopback, with a tiny event buffer: a
 * client that reads gets every event in order; one that never reads is cut off with
 * RESOURCE_EXHAUSTED once its buffer and the transport's windows are full, and nobody waits on it.
 */
class ContainerEventsStreamTest {
  private static final int BUFFER = 8;
  private static final String PADDING = "x".repeat(100_000);

  private final EventBus<ContainerEventResponse> bus = new EventBus<>(BUFFER);
  private ContainerEvents events;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    events = new ContainerEvents(bus, null, null);
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                new RuntimeApi(
                    null, null, null, null, null, events, new PodMetricsRpcs(null, null, null, "")))
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    events.close();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void aReaderGetsAllEventsInOrderWhileANonReaderIsCutOff() throws Exception {
    // The reader: a blocking iterator drained by its own thread.
    LinkedBlockingQueue<ContainerEventResponse> read = new LinkedBlockingQueue<>();
    Iterator<ContainerEventResponse> stream =
        RuntimeServiceGrpc.newBlockingStub(channel)
            .getContainerEvents(GetEventsRequest.getDefaultInstance());
    Thread.ofVirtual().start(() -> stream.forEachRemaining(read::add));

    // The non-reader: asks for no message at all, ever (until the end of the test).
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    ClientCallStreamObserver<?>[] stalled = new ClientCallStreamObserver<?>[1];
    RuntimeServiceGrpc.newStub(channel)
        .getContainerEvents(
            GetEventsRequest.getDefaultInstance(),
            new ClientResponseObserver<GetEventsRequest, ContainerEventResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<GetEventsRequest> call) {
                call.disableAutoRequestWithInitial(0);
                stalled[0] = call;
              }

              @Override
              public void onNext(ContainerEventResponse value) {}

              @Override
              public void onError(Throwable t) {
                ended.complete(t);
              }

              @Override
              public void onCompleted() {
                ended.complete(null);
              }
            });
    waitFor(() -> bus.subscriberCount() == 2);

    // ~100 kB events: a few MB are more than the HTTP/2 windows and the buffer of 8 can hold.
    int count = 60;
    List<ContainerEventResponse> sent = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ContainerEventResponse event = event(i);
      sent.add(event);
      long started = System.nanoTime();
      bus.publish(() -> event);
      assertThat(System.nanoTime() - started).as("publishing never waits").isLessThan(50_000_000L);
      // Keep pace with the reader so only the non-reader can fall behind.
      assertThat(read.poll(10, TimeUnit.SECONDS)).isEqualTo(event);
    }
    assertThat(read).isEmpty();

    // The server kept serving other calls meanwhile.
    assertThat(
            RuntimeServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .listMetricDescriptors(ListMetricDescriptorsRequest.getDefaultInstance())
                .getDescriptorsCount())
        .isPositive();

    assertThat(bus.subscriberCount()).as("the non-reader was dropped from the bus").isEqualTo(1);
    stalled[0].request(Integer.MAX_VALUE); // now read: what was in flight, then the status
    Throwable end = ended.get(10, TimeUnit.SECONDS);
    assertThat(end).isInstanceOf(StatusRuntimeException.class);
    Status status = ((StatusRuntimeException) end).getStatus();
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("fell behind").contains(BUFFER + " events");
    assertThat(sent).hasSize(count);
  }

  @Test
  void aCancelledClientUnsubscribes() throws Exception {
    var context = io.grpc.Context.current().withCancellation();
    Thread.ofVirtual()
        .start(
            () ->
                context.run(
                    () -> {
                      try {
                        RuntimeServiceGrpc.newBlockingStub(channel)
                            .getContainerEvents(GetEventsRequest.getDefaultInstance())
                            .hasNext();
                      } catch (StatusRuntimeException expected) {
                        // cancelled below
                      }
                    }));
    waitFor(() -> bus.subscriberCount() == 1);
    context.cancel(null);
    waitFor(() -> bus.subscriberCount() == 0);
  }

  private static ContainerEventResponse event(int i) {
    return ContainerEventResponse.newBuilder()
        .setContainerId("c" + i)
        .setContainerEventType(ContainerEventType.CONTAINER_STARTED_EVENT)
        .setCreatedAt(i)
        .setPodSandboxStatus(PodSandboxStatus.newBuilder().putAnnotations("padding", PADDING))
        .build();
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met in 10 s");
      }
      Thread.sleep(10);
    }
  }
}
