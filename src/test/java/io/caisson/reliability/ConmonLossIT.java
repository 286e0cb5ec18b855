package io.caisson.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.cri.v1.ContainerState;
import io.caisson.cri.v1.ContainerStatus;
import io.caisson.cri.v1.StopContainerRequest;
import io.caisson.linux.ProcessStamp;
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
    String id = runningContainerWithoutConmon();
    assertThat(node.status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);

    kill(pidIn("pidfile", id));
    ContainerStatus status = awaitExited(id);
    assertThat(status.getReason()).isEqualTo("Unknown");
    assertThat(status.getExitCode()).isEqualTo(255);
    assertThat(status.getMessage()).contains("recorded no exit status");
    node.cleanUpAndAssertNothingLeaked();
  }

  @Test
  void aContainerWhoseConmonWasKilledCanBeStopped() throws Exception {
    String id = runningContainerWithoutConmon();

    node.daemon
        .runtime()
        .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
    assertThat(node.status(id).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    node.cleanUpAndAssertNothingLeaked();
  }

  /** A pod with one running container whose conmon has been killed. */
  private String runningContainerWithoutConmon() throws Exception {
    node = TestNode.start(dir);
    String pod = node.runPod("orphan");
    String id = node.run(pod, "orphan", node.container("c", "sleep", "3600"));
    kill(pidIn("conmon.pid", id));
    return id;
  }

  private long pidIn(String file, String id) throws Exception {
    Path path = node.daemonState().resolve("containers").resolve(id).resolve(file);
    return Long.parseLong(Files.readString(path).strip());
  }

  private static void kill(long pid) throws Exception {
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (ProcessStamp.of(pid).isPresent()) { // a zombie counts as gone
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("process " + pid + " outlived SIGKILL");
      }
      Thread.sleep(20);
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
