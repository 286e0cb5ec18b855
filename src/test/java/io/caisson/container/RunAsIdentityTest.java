package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.Int64Value;
import io.caisson.cri.v1.LinuxContainerConfig;
import io.caisson.cri.v1.LinuxContainerSecurityContext;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Ids a process cannot have are the caller's error, named, before anything reads the image. */
class RunAsIdentityTest {
  private static ContainerConfig with(LinuxContainerSecurityContext.Builder security) {
    return ContainerConfig.newBuilder()
        .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(security))
        .build();
  }

  private static void assertRefused(LinuxContainerSecurityContext.Builder security, String named) {
    assertThatThrownBy(() -> RunAsIdentity.resolve(with(security), null, Path.of("/nonexistent")))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.INVALID_ARGUMENT))
        .hasMessageContaining(named);
  }

  /** Found by FuzzIT (seed 65117539481035): runc refused the spec, which came back INTERNAL. */
  @Test
  void supplementalGroupsOutsideTheKernelsIdsAreRefused() {
    assertRefused(
        LinuxContainerSecurityContext.newBuilder().addSupplementalGroups(Long.MIN_VALUE),
        "supplemental group -9223372036854775808 is out of range");
    assertRefused(
        LinuxContainerSecurityContext.newBuilder().addSupplementalGroups(1L << 32),
        "supplemental group 4294967296");
  }

  @Test
  void usersAndGroupsOutsideTheKernelsIdsAreRefused() {
    assertRefused(
        LinuxContainerSecurityContext.newBuilder()
            .setRunAsUser(Int64Value.newBuilder().setValue(4_294_967_295L)),
        "run_as_user 4294967295");
    assertRefused(
        LinuxContainerSecurityContext.newBuilder()
            .setRunAsUser(Int64Value.newBuilder().setValue(1000))
            .setRunAsGroup(Int64Value.newBuilder().setValue(-1)),
        "run_as_group -1");
  }
}
