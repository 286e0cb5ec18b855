package io.caisson.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MountTableTest {
  private static final String MOUNTINFO =
      """
      22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
      30 22 0:26 / /run rw,nosuid - tmpfs tmpfs rw
      31 22 254:16 / /var/lib rw master:7 - ext4 /dev/vdb rw
      40 22 0:40 / /mnt/with\\040space rw shared:9 master:2 - tmpfs none rw
      41 30 0:41 / /run/over rw shared:12 - tmpfs first rw
      42 30 0:42 / /run/over rw - tmpfs second rw
      """;

  private final MountTable table = MountTable.parse(MOUNTINFO);

  @Test
  void readsEachMountsPointTypeSourceAndPropagation() {
    assertThat(table.mounts()).hasSize(6);
    MountTable.Mount root = table.mounts().getFirst();
    assertThat(root.mountPoint()).isEqualTo(Path.of("/"));
    assertThat(root.fsType()).isEqualTo("ext4");
    assertThat(root.source()).isEqualTo("/dev/vda1");
    assertThat(root.propagation()).isEqualTo("shared");
    assertThat(table.mounts().get(1).propagation()).isEqualTo("private");
    assertThat(table.mounts().get(2).propagation()).isEqualTo("slave");
    // Shared and a slave of another group at once: shared wins, as findmnt shows it first.
    assertThat(table.mounts().get(3).mountPoint()).isEqualTo(Path.of("/mnt/with space"));
    assertThat(table.mounts().get(3).propagation()).isEqualTo("shared");
  }

  @Test
  void aPathLiesOnTheLongestMountPointAboveItAndOnTheTopMountThere() {
    assertThat(table.holding(Path.of("/var/lib/kubelet/pods")).mountPoint())
        .isEqualTo(Path.of("/var/lib"));
    assertThat(table.holding(Path.of("/var/libx")).mountPoint()).isEqualTo(Path.of("/"));
    assertThat(table.holding(Path.of("/run/over/x")).source()).isEqualTo("second");
    assertThat(table.holding(Path.of("/run/over/x")).propagation()).isEqualTo("private");
  }
}
