package io.caisson.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ContainerEventResponse;
import io.caisson.cri.v1.ContainerEventType;
import io.caisson.cri.v1.ContainerMetadata;
import io.caisson.cri.v1.ContainerState;
import io.caisson.cri.v1.ContainerStatus;
import io.caisson.cri.v1.CreateContainerRequest;
import io.caisson.cri.v1.GetEventsRequest;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.cri.v1.PodSandboxState;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.RemoveContainerRequest;
import io.caisson.cri.v1.RemovePodSandboxRequest;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.RuntimeServiceGrpc;
import io.caisson.cri.v1.StartContainerRequest;
import io.caisson.cri.v1.StopPodSandboxRequest;
import io.caisson.testing.DaemonProcess;
import io.caisson.testing.DelRefusingPlugin;
import io.caisson.testing.LeakCheck;
import io.caisson.testing.TestImages;
import io.caisson.testing.TestNetwork;
import io.caisson.testing.TestRegistry;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two GetContainerEvents subscribers watch a whole pod lifecycle on the real daemon: both see the
 * same events in the same order, each with the pod's and its containers' statuses of that moment.
 */
class EventsIT {
  @TempDir static Path shared;
  private static TestRegistry registry;
  private static String image;
  private static String pause;

  @TempDir Path dir;
  private LeakCheck leaks;
  private TestNetwork network;
  private DaemonProcess daemon;
  private final List<Context.CancellableContext> streams = new java.util.ArrayList<>();

  @BeforeAll
  static void pushImages() throws Exception {
    registry = TestRegistry.start(shared.resolve("registry"));
    image = TestImages.pushBusybox(registry, "it/busybox", "1", "{\"Cmd\": [\"sleep\", \"3600\"]}");
    pause =
        TestImages.pushBusybox(registry, "it/pause", "1", "{\"Cmd\": [\"sleep\", \"2147483647\"]}");
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    registry.close();
  }

  @BeforeEach
  void start() throws Exception {
    leaks = LeakCheck.snapshot(dir);
    network = new TestNetwork(dir);
    daemon =
        DaemonProcess.start(
            dir.resolve("daemon"),
            "--cni-conf-dir",
            network.confDir().toString(),
            "--pause-image",
            pause);
    daemon
        .images()
        .pullImage(
            PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
  }

  @AfterEach
  void stop() throws Exception {
    streams.forEach(s -> s.cancel(null));
    daemon.close();
    network.assertNothingAttached();
    network.close();
    leaks.assertNothingLeaked();
  }

  @Test
  void twoSubscribersSeeAPodLifecycleInOrderWithStatuses() throws Exception {
    LinkedBlockingQueue<ContainerEventResponse> first = subscribe();
    LinkedBlockingQueue<ContainerEventResponse> second = subscribe();
    // Subscribing is asynchronous and has no reply of its own: give both calls time to reach
    // the daemon before the first event (the metrics IT checks the subscriber count itself).
    Thread.sleep(500);

    String pod =
        daemon
            .runtime()
            .runPodSandbox(
                RunPodSandboxRequest.newBuilder()
                    .setConfig(
                        PodSandboxConfig.newBuilder()
                            .setMetadata(
                                PodSandboxMetadata.newBuilder()
                                    .setName("events-it")
                                    .setNamespace("it")
                                    .setUid(UUID.randomUUID().toString()))
                            .setLogDirectory(dir.resolve("logs").toString()))
                    .build())
            .getPodSandboxId();
    for (var events : List.of(first, second)) {
      expect(events, pod, ContainerEventType.CONTAINER_CREATED_EVENT);
      ContainerEventResponse started =
          expect(events, pod, ContainerEventType.CONTAINER_STARTED_EVENT);
      assertThat(started.getPodSandboxStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
      assertThat(started.getPodSandboxStatus().getMetadata().getName()).isEqualTo("events-it");
      assertThat(started.getContainersStatusesList()).isEmpty();
    }

    // A container that exits by itself: nobody asks for its status, the daemon must notice.
    String quitter = create(pod, "quitter", "sleep 1; exit 3");
    start(quitter);
    for (var events : List.of(first, second)) {
      ContainerEventResponse created =
          expect(events, quitter, ContainerEventType.CONTAINER_CREATED_EVENT);
      assertThat(status(created, quitter).getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
      assertThat(created.getPodSandboxStatus().getId()).isEqualTo(pod);
      ContainerEventResponse started =
          expect(events, quitter, ContainerEventType.CONTAINER_STARTED_EVENT);
      assertThat(status(started, quitter).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
      assertThat(status(started, quitter).getStartedAt()).isPositive();
      ContainerEventResponse stopped =
          expect(events, quitter, ContainerEventType.CONTAINER_STOPPED_EVENT);
      assertThat(status(stopped, quitter).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
      assertThat(status(stopped, quitter).getExitCode()).isEqualTo(3);
      assertThat(stopped.getCreatedAt()).isGreaterThan(started.getCreatedAt());
    }
    daemon
        .runtime()
        .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(quitter).build());
    for (var events : List.of(first, second)) {
      ContainerEventResponse deleted =
          expect(events, quitter, ContainerEventType.CONTAINER_DELETED_EVENT);
      assertThat(deleted.getContainersStatusesList()).isEmpty();
    }

    // A long runner, stopped with its pod.
    String sleeper = create(pod, "sleeper", "exec sleep 3600");
    start(sleeper);
    // kubelet's evented PLEG takes a pod's containers from its status when it has a timestamp,
    // and keeps whichever of a status and an event is newer: the status read after the event
    // must not be stamped before it (it was, by up to a millisecond).
    var podStatus =
        daemon
            .runtime()
            .podSandboxStatus(
                io.caisson.cri.v1.PodSandboxStatusRequest.newBuilder()
                    .setPodSandboxId(pod)
                    .build());
    assertThat(podStatus.getTimestamp()).isPositive();
    assertThat(podStatus.getContainersStatusesList())
        .singleElement()
        .satisfies(
            status -> {
              assertThat(status.getId()).isEqualTo(sleeper);
              assertThat(status.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
            });
    daemon
        .runtime()
        .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    for (var events : List.of(first, second)) {
      expect(events, sleeper, ContainerEventType.CONTAINER_CREATED_EVENT);
      // The status read after the start must not be stamped before the start's event: kubelet
      // keeps whichever is newer (it was stamped in whole milliseconds, so it could be).
      assertThat(podStatus.getTimestamp())
          .isGreaterThan(
              expect(events, sleeper, ContainerEventType.CONTAINER_STARTED_EVENT).getCreatedAt());
      ContainerEventResponse stopped =
          expect(events, sleeper, ContainerEventType.CONTAINER_STOPPED_EVENT);
      assertThat(status(stopped, sleeper).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
      ContainerEventResponse podStopped =
          expect(events, pod, ContainerEventType.CONTAINER_STOPPED_EVENT);
      assertThat(podStopped.getPodSandboxStatus().getState())
          .isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
      assertThat(status(podStopped, sleeper).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    }
    daemon
        .runtime()
        .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    for (var events : List.of(first, second)) {
      expect(events, sleeper, ContainerEventType.CONTAINER_DELETED_EVENT);
      ContainerEventResponse deleted =
          expect(events, pod, ContainerEventType.CONTAINER_DELETED_EVENT);
      assertThat(deleted.getPodSandboxStatus().getId()).isEqualTo(pod);
      assertThat(deleted.getContainersStatusesList()).isEmpty();
      assertThat(events.poll(300, TimeUnit.MILLISECONDS)).as("nothing more").isNull();
    }
    // conmon writes an exit file under a temporary name first: the watcher sees that name too and
    // must pass over it quietly (it used to warn when the rename won the race).
    assertThat(daemon.log()).doesNotContain("ExitWatcher");
  }

  /**
   * A StopPodSandbox whose network teardown fails (a plugin's DEL) has stopped the pod all the
   * same: it is not ready from then on, and its STOPPED event goes out then, not never (the retry
   * that succeeds no longer sees a ready pod to report).
   */
  @Test
  void aPodWhoseNetworkTeardownFailedStillReportsItStopped() throws Exception {
    DelRefusingPlugin plugin = DelRefusingPlugin.install(dir, network.confDir());
    Path refuseDel = plugin.refuseSwitch();
    daemon.close();
    List<String> args =
        new ArrayList<>(
            List.of("--cni-conf-dir", network.confDir().toString(), "--pause-image", pause));
    args.addAll(List.of(plugin.binDirFlags()));
    daemon = DaemonProcess.start(dir.resolve("daemon"), args.toArray(String[]::new));
    LinkedBlockingQueue<ContainerEventResponse> events = subscribe();
    Thread.sleep(500); // as above: the subscription reaches the daemon before the first event

    String pod =
        daemon
            .runtime()
            .runPodSandbox(
                RunPodSandboxRequest.newBuilder()
                    .setConfig(
                        PodSandboxConfig.newBuilder()
                            .setMetadata(
                                PodSandboxMetadata.newBuilder()
                                    .setName("teardown-fails")
                                    .setNamespace("it")
                                    .setUid(UUID.randomUUID().toString()))
                            .setLogDirectory(dir.resolve("logs").toString()))
                    .build())
            .getPodSandboxId();
    expect(events, pod, ContainerEventType.CONTAINER_CREATED_EVENT);
    expect(events, pod, ContainerEventType.CONTAINER_STARTED_EVENT);

    Files.createFile(refuseDel);
    StopPodSandboxRequest stop = StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build();
    assertThatThrownBy(() -> daemon.runtime().stopPodSandbox(stop))
        .hasMessageContaining("DEL refused by the test");
    assertThat(
            expect(events, pod, ContainerEventType.CONTAINER_STOPPED_EVENT)
                .getPodSandboxStatus()
                .getState())
        .isEqualTo(PodSandboxState.SANDBOX_NOTREADY);

    Files.delete(refuseDel);
    daemon.runtime().stopPodSandbox(stop);
    daemon
        .runtime()
        .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    expect(events, pod, ContainerEventType.CONTAINER_DELETED_EVENT);
    assertThat(events.poll(300, TimeUnit.MILLISECONDS)).as("nothing more").isNull();
  }

  private LinkedBlockingQueue<ContainerEventResponse> subscribe() {
    LinkedBlockingQueue<ContainerEventResponse> events = new LinkedBlockingQueue<>();
    Context.CancellableContext context = Context.current().withCancellation();
    streams.add(context);
    context.run(
        () ->
            RuntimeServiceGrpc.newStub(daemon.channel())
                .getContainerEvents(
                    GetEventsRequest.getDefaultInstance(),
                    new StreamObserver<>() {
                      @Override
                      public void onNext(ContainerEventResponse value) {
                        events.add(value);
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    }));
    return events;
  }

  private static ContainerEventResponse expect(
      LinkedBlockingQueue<ContainerEventResponse> events, String id, ContainerEventType type)
      throws InterruptedException {
    ContainerEventResponse event = events.poll(30, TimeUnit.SECONDS);
    assertThat(event).as("%s of %s", type, id).isNotNull();
    assertThat(event.getContainerId() + " " + event.getContainerEventType())
        .isEqualTo(id + " " + type);
    assertThat(event.hasPodSandboxStatus()).isTrue();
    return event;
  }

  private static ContainerStatus status(ContainerEventResponse event, String id) {
    return event.getContainersStatusesList().stream()
        .filter(s -> s.getId().equals(id))
        .findFirst()
        .orElseThrow(() -> new AssertionError(id + " not in the event's statuses"));
  }

  private String create(String pod, String name, String script) {
    return daemon
        .runtime()
        .createContainer(
            CreateContainerRequest.newBuilder()
                .setPodSandboxId(pod)
                .setConfig(
                    ContainerConfig.newBuilder()
                        .setMetadata(ContainerMetadata.newBuilder().setName(name))
                        .setImage(ImageSpec.newBuilder().setImage(image))
                        .setLogPath(name + ".log")
                        .addAllCommand(List.of("sh", "-c", script)))
                .build())
        .getContainerId();
  }

  private void start(String id) {
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
  }
}
