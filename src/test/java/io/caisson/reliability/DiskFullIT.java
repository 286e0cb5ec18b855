package io.caisson.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.caisson.cri.v1.ContainerState;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.ListImagesRequest;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.StopContainerRequest;
import io.caisson.linux.Syscalls;
import io.caisson.testing.TestImages;
import io.caisson.testing.TestNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's root filesystem full: calls that need to write answer RESOURCE_EXHAUSTED naming the
 * full disk (kubelet's image garbage collection and the operator act on that, not on a registry or
 * internal error), leave nothing half-made, and work again once space is freed.
 */
class DiskFullIT {
  @TempDir Path dir;
  private TestNode node;
  private Path root;

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (node != null) {
        node.close();
      }
    } finally {
      if (root != null) {
        Syscalls.umount(root, Syscalls.MNT_DETACH);
      }
    }
  }

  @Test
  void aFullRootFilesystemIsResourceExhaustedAndUndone() throws Exception {
    startOnSmallTmpfs("daemon/root", "32m");
    String pod = node.runPod("before");
    String other =
        TestImages.pushBusybox(
            node.registry, "rel/other", "1", "{}", java.util.Map.of("other", "bin/busybox"));
    Path filler = root.resolve("filler");
    fill(filler);
    List<Path> before = tree(root);

    assertThat(refusedForSpace(() -> node.runPod("full")))
        .containsIgnoringCase("no space left on device");

    assertThat(
            refusedForSpace(
                () -> node.create(pod, "before", node.container("full", "sleep", "3600"))))
        .containsIgnoringCase("no space left on device");

    // An image with a layer of its own. With room for its manifest and config but not for its
    // unpacked layer, the pull fails in the middle of the layer's copy loop, where the registry's
    // reads and the disk's writes meet.
    try (var channel = java.nio.channels.FileChannel.open(filler, StandardOpenOption.WRITE)) {
      channel.truncate(channel.size() - (256 << 10));
    }
    assertThat(
            refusedForSpace(
                () ->
                    node.daemon
                        .images()
                        .pullImage(
                            PullImageRequest.newBuilder()
                                .setImage(ImageSpec.newBuilder().setImage(other))
                                .build())))
        .startsWith("layer sha256:")
        .containsIgnoringCase("no space left on device")
        .doesNotContain("transfer failed");
    fill(filler);

    assertThat(tree(root)).as("files under the full root").isEqualTo(before);
    assertThat(node.pods()).extracting(p -> p.getId()).containsExactly(pod);
    assertThat(
            node.daemon.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList())
        .flatExtracting(i -> i.getRepoTagsList())
        .containsExactly(node.image);

    // Space freed: the same calls succeed, and the pod made before is untouched.
    Files.delete(filler);
    String after = node.runPod("after");
    String container = node.run(after, "after", node.container("works", "sleep", "3600"));
    assertThat(node.status(container).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    node.cleanUpAndAssertNothingLeaked();
  }

  @Test
  void aFullStateFilesystemIsResourceExhaustedAndUndone() throws Exception {
    // On a node the state directory is under /run: a tmpfs a few megabytes large.
    startOnSmallTmpfs("daemon/state", "16m");
    String pod = node.runPod("before");
    String running = node.run(pod, "before", node.container("running", "sleep", "3600"));
    Path filler = root.resolve("filler");
    fill(filler);
    List<Path> before = tree(root);

    assertThat(refusedForSpace(() -> node.runPod("full")))
        .containsIgnoringCase("no space left on device");
    assertThat(
            refusedForSpace(
                () -> node.create(pod, "before", node.container("full", "sleep", "3600"))))
        .containsIgnoringCase("no space left on device")
        .contains(root.toString());

    // ExecSync writes nothing on the node through caisson-exec (runc exec needed a pid file in
    // the state directory, and failed RESOURCE_EXHAUSTED here): probes keep working.
    assertThat(node.exec(running, "true").getExitCode()).isZero();

    assertThat(tree(root)).as("files under the full state directory").isEqualTo(before);
    assertThat(node.status(running).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);

    // conmon cannot write the exit file into the full state directory: the stop still ends.
    node.daemon
        .runtime()
        .stopContainer(
            StopContainerRequest.newBuilder().setContainerId(running).setTimeout(0).build());
    var stopped = node.status(running);
    assertThat(stopped.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(stopped.getReason()).isEqualTo("Unknown");

    Files.delete(filler);
    String after = node.run(pod, "before", node.container("after", "sleep", "3600"));
    assertThat(node.status(after).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    node.cleanUpAndAssertNothingLeaked();
  }

  /** Mounts a tmpfs of {@code size} at the daemon's {@code sub} directory, then starts the node. */
  private void startOnSmallTmpfs(String sub, String size) throws Exception {
    root = dir.resolve(sub);
    Files.createDirectories(root);
    Syscalls.mount("tmpfs", root, "tmpfs", 0, "size=" + size + ",mode=0711");
    node = TestNode.start(dir);
  }

  /** The call fails RESOURCE_EXHAUSTED; its description, for what it must also say. */
  private static String refusedForSpace(ThrowingCallable call) {
    var refused = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(refused).as("a call on the full filesystem").isNotNull();
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    return refused.getStatus().getDescription();
  }

  /** Writes until the filesystem refuses another byte. */
  private static void fill(Path filler) throws IOException {
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out =
        Files.newOutputStream(filler, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      while (true) {
        out.write(chunk);
      }
    } catch (IOException e) {
      if (!e.getMessage().contains("No space left on device")) {
        throw e;
      }
    }
    // The last partial chunk may have left a few pages: take them too.
    try (OutputStream out =
        Files.newOutputStream(filler, java.nio.file.StandardOpenOption.APPEND)) {
      while (true) {
        out.write(0);
        out.flush();
      }
    } catch (IOException e) {
      if (!e.getMessage().contains("No space left on device")) {
        throw e;
      }
    }
  }

  private static List<Path> tree(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      // The store's own top directories may appear on first use; what is under them may not.
      Path storage = root.resolve("containers-storage");
      return all.filter(p -> !p.getFileName().toString().equals("filler"))
          .filter(p -> !p.equals(storage))
          .sorted()
          .toList();
    }
  }
}
