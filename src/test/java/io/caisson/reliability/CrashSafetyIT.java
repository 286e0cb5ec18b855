package io.caisson.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.cri.v1.ListContainersRequest;
import io.caisson.json.Json;
import io.caisson.linux.Syscalls;
import io.caisson.store.RecordStore;
import io.caisson.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash leaves half-created objects behind: records missing or torn, runc containers and mounts
 * nobody owns. The next start removes them (logging each at warn) and keeps what is whole.
 */
class CrashSafetyIT {
  @TempDir Path dir;
  private TestNode node;

  @AfterEach
  void tearDown() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void halfCreatedObjectsAreCleanedUpAtStart() throws Exception {
    node = TestNode.start(dir);
    String pod = node.runPod("whole");
    String kept = node.run(pod, "whole", node.container("kept", "sleep", "3600"));
    String torn = node.run(pod, "whole", node.container("torn", "sleep", "3600"));
    String unrecorded = node.create(pod, "whole", node.container("unrecorded", "sleep", "3600"));
    String stray = node.run(pod, "whole", node.container("stray", "sleep", "3600"));
    String brokenPod = node.runPod("broken");
    long tornPid = pid(torn);
    long strayPid = pid(stray);
    node.daemon.kill();

    Path records = node.daemonRoot().resolve("containers");
    // A record cut in the middle (as a non-atomic write would leave it) ...
    Path tornRecord = records.resolve(torn).resolve("container.json");
    byte[] bytes = Files.readAllBytes(tornRecord);
    Files.write(tornRecord, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    // ... a record never written ...
    Files.delete(records.resolve(unrecorded).resolve("container.json"));
    // ... a runc container, conmon, overlay mount and layer with no record dir at all ...
    RecordStore.deleteTree(records.resolve(stray));
    // ... a pod whose record is gone but whose namespaces, shm and CNI attachment are not ...
    Files.delete(node.daemonRoot().resolve("sandboxes").resolve(brokenPod).resolve("sandbox.json"));
    // ... and a mount under the state dir that belongs to nothing.
    Path strayMount = node.daemonState().resolve("containers/0123456789abcdef/rootfs");
    Files.createDirectories(strayMount);
    Syscalls.mount("tmpfs", strayMount, "tmpfs", 0, "size=1m");

    node.startDaemon();

    assertThat(node.pods()).extracting(p -> p.getId()).containsExactly(pod);
    assertThat(
            node.daemon
                .runtime()
                .listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersList())
        .extracting(c -> c.getId())
        .containsExactly(kept);
    assertThat(alive(tornPid)).as("torn container's process").isFalse();
    assertThat(alive(strayPid)).as("stray runc container's process").isFalse();
    for (String gone : List.of(torn, unrecorded, stray)) {
      assertThat(node.daemonState().resolve("containers").resolve(gone)).doesNotExist();
      assertThat(node.daemonRoot().resolve("containers-storage").resolve(gone)).doesNotExist();
      assertThat(records.resolve(gone)).doesNotExist();
    }
    assertThat(node.daemonState().resolve("sandboxes").resolve(brokenPod)).doesNotExist();
    assertThat(strayMount.getParent()).doesNotExist();
    String log = node.daemon.log();
    assertThat(log)
        .contains("container " + torn + " was never fully created")
        .contains("container " + unrecorded + " was never fully created")
        .contains("sandbox " + brokenPod + " was never fully created")
        .contains("runc container " + stray + " (running) has no record")
        .contains("mount " + strayMount + " has no owner");
    // The kept container is still the same, working one.
    assertThat(node.status(kept).getState())
        .isEqualTo(io.caisson.cri.v1.ContainerState.CONTAINER_RUNNING);
    node.cleanUpAndAssertNothingLeaked();
  }

  @Test
  void aCrashInTheMiddleOfCreatingLeavesWholeObjectsOrNone() throws Exception {
    node = TestNode.start(dir);
    String pod = node.runPod("busy");
    for (long delay : new long[] {80, 200, 350, 600}) {
      java.util.concurrent.atomic.AtomicInteger started =
          new java.util.concurrent.atomic.AtomicInteger();
      List<Thread> clients = new java.util.ArrayList<>();
      for (int c = 0; c < 4; c++) {
        int client = c;
        clients.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        started.incrementAndGet();
                        if (client % 2 == 0) {
                          node.runPod("cut-" + delay + "-" + client);
                        } else {
                          node.run(
                              pod,
                              "busy",
                              node.container("cut-" + delay + "-" + client, "sleep", "3600"));
                        }
                      } catch (RuntimeException e) {
                        // The daemon died under the call: expected.
                      }
                    }));
      }
      Thread.sleep(delay);
      node.daemon.kill();
      for (Thread t : clients) {
        t.join();
      }
      node.startDaemon();
      System.out.println(
          "killed after "
              + delay
              + " ms; clean-ups at start: "
              + node.daemon
                  .log()
                  .lines()
                  .filter(
                      l ->
                          l.contains("cleaning up")
                              || l.contains("no owner")
                              || l.contains("no record"))
                  .count());
      // Whatever survived is whole: its status answers and it can be removed.
      for (var c :
          node.daemon
              .runtime()
              .listContainers(ListContainersRequest.getDefaultInstance())
              .getContainersList()) {
        node.status(c.getId());
        node.removeContainer(c.getId());
      }
      for (var p : node.pods()) {
        if (!p.getId().equals(pod)) {
          node.removePod(p.getId());
        }
      }
    }
    node.cleanUpAndAssertNothingLeaked();
  }

  private long pid(String id) throws Exception {
    return Json.parse(node.daemonRoot().resolve("containers").resolve(id).resolve("container.json"))
        .get("pid")
        .asLong();
  }

  private static boolean alive(long pid) throws InterruptedException {
    for (int i = 0;
        i < 100 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        i++) {
      Thread.sleep(50);
    }
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
