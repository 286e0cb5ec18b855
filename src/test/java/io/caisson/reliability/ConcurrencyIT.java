package io.caisson.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.cri.v1.ContainerState;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.ListContainersRequest;
import io.caisson.cri.v1.ListImagesRequest;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.RemoveImageRequest;
import io.caisson.cri.v1.StopContainerRequest;
import io.caisson.cri.v1.StopPodSandboxRequest;
import io.caisson.json.Json;
import io.caisson.testing.TestImages;
import io.caisson.testing.TestNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many clients at once, and the races kubelet can produce: every outcome is one of the consistent
 * ones, nothing deadlocks (a watchdog dumps the daemon's threads if anything hangs), nothing leaks.
 */
class ConcurrencyIT {
  @TempDir Path dir;
  private TestNode node;

  @BeforeEach
  void startNode() throws Exception {
    node = TestNode.start(dir);
  }

  @AfterEach
  void stopNode() throws Exception {
    try {
      node.cleanUpAndAssertNothingLeaked();
    } finally {
      node.close();
    }
  }

  @Test
  void twentyClientsRunTheirPodsAtOnce() throws Exception {
    watchdog(
        Duration.ofMinutes(5),
        () -> {
          List<Callable<Void>> clients = new ArrayList<>();
          for (int c = 0; c < 20; c++) {
            int client = c;
            clients.add(
                () -> {
                  for (int round = 0; round < 2; round++) {
                    String name = "c" + client + "-" + round;
                    String pod = node.runPod(name);
                    String a = node.run(pod, name, node.container("a", "sleep", "3600"));
                    String b = node.create(pod, name, node.container("b", "sleep", "3600"));
                    node.daemon
                        .runtime()
                        .stopContainer(
                            StopContainerRequest.newBuilder()
                                .setContainerId(a)
                                .setTimeout(1)
                                .build());
                    assertThat(node.status(a).getState())
                        .isEqualTo(ContainerState.CONTAINER_EXITED);
                    node.removeContainer(b);
                    node.removePod(pod);
                  }
                  return null;
                });
          }
          all(clients);
          assertThat(node.listing()).doesNotContain("pod ").doesNotContain("ctr ");
        });
  }

  @Test
  void stopPodSandboxRacingCreateContainerEndsConsistent() throws Exception {
    watchdog(
        Duration.ofMinutes(3),
        () -> {
          // Stop delays from 0 to 330 ms: before, during and after the create's work.
          for (int i = 0; i < 12; i++) {
            String name = "race-" + i;
            long delay = i * 30L;
            String pod = node.runPod(name);
            CountDownLatch go = new CountDownLatch(1);
            List<Callable<String>> racers =
                List.of(
                    () -> {
                      go.await();
                      try {
                        return node.create(pod, name, node.container("late", "sleep", "3600"));
                      } catch (StatusRuntimeException e) {
                        assertThat(e.getStatus().getCode())
                            .as(e.getStatus().toString())
                            .isEqualTo(Status.Code.FAILED_PRECONDITION);
                        return null;
                      }
                    },
                    () -> {
                      go.await();
                      Thread.sleep(delay);
                      node.daemon
                          .runtime()
                          .stopPodSandbox(
                              StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
                      return null;
                    });
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
              List<Future<String>> results = racers.stream().map(pool::submit).toList();
              go.countDown();
              String created = results.get(0).get();
              results.get(1).get();
              System.out.println(
                  "stop/create race " + i + ": " + (created != null ? "created" : "refused"));
              if (created != null) {
                // Created before the stop took the pod: the stop stopped it.
                assertThat(node.status(created).getState())
                    .isEqualTo(ContainerState.CONTAINER_EXITED);
              }
            }
            assertThat(liveRuncContainers()).as("processes left in stopped pod %s", pod).isEmpty();
            node.removePod(pod);
          }
        });
  }

  @Test
  void removeImageRacingCreateContainerNeverLeavesAContainerWithoutItsImage() throws Exception {
    String victim =
        TestImages.pushBusybox(
            node.registry, "rel/victim", "1", "{\"Cmd\": [\"sleep\", \"1000\"]}");
    String pod = node.runPod("images");
    watchdog(
        Duration.ofMinutes(3),
        () -> {
          for (int i = 0; i < 8; i++) {
            node.daemon
                .images()
                .pullImage(
                    PullImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(victim))
                        .build());
            CountDownLatch go = new CountDownLatch(1);
            int delay = i * 5;
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
              Future<Object> create =
                  pool.submit(
                      () -> {
                        go.await();
                        try {
                          return node.create(
                              pod,
                              "images",
                              node.container("user", "sleep", "3600")
                                  .setImage(ImageSpec.newBuilder().setImage(victim)));
                        } catch (StatusRuntimeException e) {
                          return e.getStatus();
                        }
                      });
              Future<Object> remove =
                  pool.submit(
                      () -> {
                        go.await();
                        Thread.sleep(delay);
                        try {
                          node.daemon
                              .images()
                              .removeImage(
                                  RemoveImageRequest.newBuilder()
                                      .setImage(ImageSpec.newBuilder().setImage(victim))
                                      .build());
                          return "removed";
                        } catch (StatusRuntimeException e) {
                          return e.getStatus();
                        }
                      });
              go.countDown();
              Object created = create.get();
              Object removed = remove.get();
              System.out.println("remove/create race " + i + ": " + created + " / " + removed);
              if (created instanceof String id) {
                assertThat(removed)
                    .as("image removal while container %s uses it", id)
                    .isInstanceOfSatisfying(
                        Status.class,
                        s -> {
                          assertThat(s.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                          assertThat(s.getDescription()).contains("in use");
                        });
                assertThat(imageIds()).contains(node.status(id).getImageId());
                node.removeContainer(id);
              } else {
                assertThat(((Status) created).getCode()).isEqualTo(Status.Code.NOT_FOUND);
                assertThat(removed).isEqualTo("removed");
              }
            }
            node.daemon
                .images()
                .removeImage(
                    RemoveImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(victim))
                        .build());
          }
          assertThat(
                  node.daemon
                      .runtime()
                      .listContainers(ListContainersRequest.getDefaultInstance())
                      .getContainersList())
              .isEmpty();
        });
  }

  private List<String> imageIds() {
    return node
        .daemon
        .images()
        .listImages(ListImagesRequest.getDefaultInstance())
        .getImagesList()
        .stream()
        .map(i -> i.getId())
        .toList();
  }

  /** runc containers of this daemon (bundle under its state dir) whose process still runs. */
  private List<String> liveRuncContainers() throws Exception {
    Process list =
        new ProcessBuilder(
                "runc",
                "--root",
                node.daemonState().resolve("runc").toString(),
                "list",
                "-f",
                "json")
            .redirectErrorStream(true)
            .start();
    String out = new String(list.getInputStream().readAllBytes());
    list.waitFor();
    List<String> live = new ArrayList<>();
    if (out.isBlank() || out.strip().equals("null")) {
      return live;
    }
    for (var c : Json.parse(out)) {
      if (c.get("bundle").asText().startsWith(node.daemonState().toString())
          && !c.get("status").asText().equals("stopped")) {
        live.add(c.get("id").asText() + " " + c.get("status").asText());
      }
    }
    return live;
  }

  private static <T> void all(List<Callable<T>> tasks) throws Exception {
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<T>> futures = tasks.stream().map(pool::submit).toList();
      for (Future<T> f : futures) {
        f.get();
      }
    }
  }

  interface Body {
    void run() throws Exception;
  }

  /**
   * Runs {@code body}; if it is not done in time the daemon is asked for a thread dump (SIGQUIT
   * prints one to its log) and the test fails with it, instead of hanging the build.
   */
  private void watchdog(Duration limit, Body body) throws Exception {
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Void> run =
          pool.submit(
              () -> {
                body.run();
                return null;
              });
      try {
        run.get(limit.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        long pid = node.daemon.process().pid();
        new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).start().waitFor();
        Thread.sleep(1000);
        String log = node.daemon.log();
        run.cancel(true);
        throw new AssertionError(
            "no progress in "
                + limit
                + " (deadlock?); daemon threads:\n"
                + log.substring(Math.max(0, log.length() - 60_000)));
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof Exception cause) {
          throw cause;
        }
        throw new AssertionError(e.getCause());
      }
    }
  }

  @SuppressWarnings("unused")
  private static boolean exists(Path path) {
    return Files.exists(path);
  }
}
