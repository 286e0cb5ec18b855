package io.caisson.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.cri.v1.ContainerState;
import io.caisson.cri.v1.ContainerStatus;
import io.caisson.cri.v1.StopContainerRequest;
import io.caisson.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * conmon killed under a running container (the OOM killer may pick it): the container runs on, and
 * its exit, which nobody will write down now, is still reported, whether it ends on its own or is
 * stopped.
 */
class ConmonLossIT {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path dir;
  private TestNode node;

  @AfterEach
  void tearDown() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void anExitAfterConmonWasKilledIsReported() throws Exception {
    node = TestNode.start(dir);
    String pod = node.runPod("orphan");
    String id = node.run(pod, "orphan", node.container("c", "sleep", "3600"));
    kill(pidIn("conmon.pid", id));
    assertThat(node.status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);

    kill(pidIn("pidfile", id));
    ContainerStatus status = awaitExited(id);
    assertThat(status.getReason()).isEqualTo("Unknown");
    assertThat(status.getExitCode()).isEqualTo(255);
    assertThat(status.getMessage()).contains("conmon recorded no exit status");
    node.cleanUpAndAssertNothingLeaked();
  }

  @Test
  void aContainerWhoseConmonWasKilledCanBeStopped() throws Exception {
    node = TestNode.start(dir);
    String pod = node.runPod("orphan");
    String id = node.run(pod, "orphan", node.container("c", "sleep", "3600"));
    kill(pidIn("conmon.pid", id));

    node.daemon
        .runtime()
        .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
    assertThat(node.status(id).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    node.cleanUpAndAssertNothingLeaked();
  }

  private long pidIn(String file, String id) throws Exception {
    Path path = node.daemonState().resolve("containers").resolve(id).resolve(file);
    return Long.parseLong(Files.readString(path).strip());
  }

  private static void kill(long pid) throws Exception {
    ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
    process.destroyForcibly();
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !zombie(pid)) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("process " + pid + " outlived SIGKILL");
      }
      Thread.sleep(20);
    }
  }

  private static boolean zombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
    } catch (java.io.IOException e) {
      return true; // gone
    }
  }

  /** The exit watcher's sweep notices the exit within seconds; this waits for it, generously. */
  private ContainerStatus awaitExited(String id) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      ContainerStatus status = node.status(id);
      if (status.getState() == ContainerState.CONTAINER_EXITED) {
        return status;
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("container " + id + " still " + status.getState());
      }
      Thread.sleep(200);
    }
  }
}
