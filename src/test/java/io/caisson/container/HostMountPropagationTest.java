package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.Mount;
import io.caisson.cri.v1.MountPropagation;
import io.caisson.linux.MountTable;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostMountPropagationTest {
  @TempDir Path dir;

  /** The node as a table: the test's directory on a mount of the given propagation fields. */
  private HostMountPropagation.Mounts nodeWith(String fields) {
    String mountinfo =
        """
        1 0 254:1 / / rw shared:1 - ext4 /dev/vda1 rw
        2 1 0:2 / %s rw %s - tmpfs tmpfs rw
        """
            .formatted(realDir(), fields);
    return () -> MountTable.parse(mountinfo);
  }

  private String realDir() {
    try {
      return dir.toRealPath().toString();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private ContainerConfig mount(MountPropagation propagation) {
    return ContainerConfig.newBuilder()
        .addMounts(
            Mount.newBuilder()
                .setContainerPath("/var/lib/kubelet")
                .setHostPath(dir.toString())
                .setPropagation(propagation))
        .build();
  }

  @Test
  void bidirectionalNeedsASharedMount() {
    assertThatCode(
            () ->
                HostMountPropagation.check(
                    mount(MountPropagation.PROPAGATION_BIDIRECTIONAL), nodeWith("shared:5")))
        .doesNotThrowAnyException();
    for (String fields : new String[] {"master:5", ""}) {
      assertThatThrownBy(
              () ->
                  HostMountPropagation.check(
                      mount(MountPropagation.PROPAGATION_BIDIRECTIONAL), nodeWith(fields)))
          .isInstanceOf(CaissonException.class)
          .hasMessageContaining(
              "mount /var/lib/kubelet: Bidirectional propagation needs host path "
                  + dir
                  + " on a shared mount, and the mount at "
                  + realDir()
                  + " is "
                  + (fields.isEmpty() ? "private" : "slave"))
          .hasMessageContaining("mount --make-rshared " + realDir());
    }
  }

  @Test
  void hostToContainerNeedsASharedOrSlaveMount() {
    for (String fields : new String[] {"shared:5", "master:5"}) {
      assertThatCode(
              () ->
                  HostMountPropagation.check(
                      mount(MountPropagation.PROPAGATION_HOST_TO_CONTAINER), nodeWith(fields)))
          .doesNotThrowAnyException();
    }
    assertThatThrownBy(
            () ->
                HostMountPropagation.check(
                    mount(MountPropagation.PROPAGATION_HOST_TO_CONTAINER), nodeWith("")))
        .hasMessageContaining("HostToContainer propagation needs host path")
        .hasMessageContaining("on a shared or slave mount");
  }

  @Test
  void aRecursiveReadOnlyMountIsLeftToTheSpecsOwnRefusal() {
    ContainerConfig config = mount(MountPropagation.PROPAGATION_BIDIRECTIONAL);
    ContainerConfig recursive =
        config.toBuilder()
            .setMounts(
                0, config.getMounts(0).toBuilder().setReadonly(true).setRecursiveReadOnly(true))
            .build();
    assertThatCode(() -> HostMountPropagation.check(recursive, nodeWith("")))
        .doesNotThrowAnyException();
  }

  @Test
  void privateMountsAreNotLookedUp() {
    HostMountPropagation.check(
        mount(MountPropagation.PROPAGATION_PRIVATE),
        () -> {
          throw new AssertionError("the node's mounts were read for a private mount");
        });
  }
}
