package io.caisson.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.cri.v1.ExecSyncResponse;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.Mount;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.testing.TestImages;
import io.caisson.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may talk to the daemon, and that a container's view of paths stays inside its rootfs: image
 * symlinks pointing at / or .. or a node path redirect neither the daemon's mounts nor the
 * container's writes onto the node.
 */
class AccessIT {
  @TempDir Path dir;
  private TestNode node;

  @AfterEach
  void tearDown() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void theSocketIsRootOwnedAndGroupOnly() throws Exception {
    node = TestNode.start(dir);
    PosixFileAttributes socket =
        Files.readAttributes(node.daemon.socket(), PosixFileAttributes.class);
    assertThat(PosixFilePermissions.toString(socket.permissions())).isEqualTo("rw-rw----");
    assertThat(socket.owner().getName()).isEqualTo("root");
    assertThat(socket.group().getName()).isEqualTo("root");
    node.cleanUpAndAssertNothingLeaked();
  }

  @Test
  void symlinksInTheImageResolveInsideTheRootfs() throws Exception {
    Path hostTarget = Files.createDirectories(dir.resolve("host-target"));
    Path hostData = Files.createDirectories(dir.resolve("host-data"));
    Files.writeString(hostData.resolve("marker"), "hello\n");
    node = TestNode.start(dir);
    String tricky =
        TestImages.pushBusybox(
            node.registry,
            "rel/tricky",
            "1",
            "{\"Cmd\": [\"sleep\", \"3600\"]}",
            Map.of("evil", "/", "up", "../..", "etc/escape", hostTarget.toString()));
    node.daemon
        .images()
        .pullImage(
            PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(tricky))
                .build());
    String pod = node.runPod("access");
    String m1 = "/evil" + hostTarget + "/m1";
    String m2 = "/up/up" + hostTarget + "/m2";
    String m3 = "/etc/escape/m3";
    var config =
        node.container("tricky", "sleep", "3600").setImage(ImageSpec.newBuilder().setImage(tricky));
    for (String target : List.of(m1, m2, m3)) {
      config.addMounts(
          Mount.newBuilder().setHostPath(hostData.toString()).setContainerPath(target));
    }
    String id = node.run(pod, "access", config);

    // The mount targets were made inside the rootfs, at the links' in-container meaning ...
    assertThat(node.exec(id, "cat", hostTarget + "/m1/marker").getStdout().toStringUtf8())
        .isEqualTo("hello\n");
    assertThat(node.exec(id, "cat", hostTarget + "/m2/marker").getStdout().toStringUtf8())
        .isEqualTo("hello\n");
    assertThat(node.exec(id, "cat", hostTarget + "/m3/marker").getStdout().toStringUtf8())
        .isEqualTo("hello\n");
    // ... and the container's own writes through a link land in its rootfs too.
    ExecSyncResponse write = node.exec(id, "sh", "-c", "echo owned > /etc/escape/owned");
    assertThat(write.getExitCode()).as(write.getStderr().toStringUtf8()).isZero();
    assertThat(node.exec(id, "cat", hostTarget + "/owned").getStdout().toStringUtf8())
        .isEqualTo("owned\n");
    // Nothing appeared on the node.
    try (Stream<Path> entries = Files.list(hostTarget)) {
      assertThat(entries.toList()).as("written onto the node through an image link").isEmpty();
    }
    assertThat(Files.readString(hostData.resolve("marker"))).isEqualTo("hello\n");

    node.removePod(pod);
    node.cleanUpAndAssertNothingLeaked();
  }
}
