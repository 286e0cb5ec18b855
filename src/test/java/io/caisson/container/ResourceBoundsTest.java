package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.LinuxContainerResources;
import io.caisson.oci.OciSpecBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kernel's bounds on CPU values are the request's fault, refused before runc is asked. */
class ResourceBoundsTest {
  @Test
  void valuesOutsideTheKernelsBoundsAreInvalidArguments() {
    assertRefused(
        LinuxContainerResources.newBuilder().setCpuShares(4475082244788652094L), "cpu_shares");
    assertRefused(LinuxContainerResources.newBuilder().setCpuShares(262_145), "cpu_shares");
    assertRefused(LinuxContainerResources.newBuilder().setCpuShares(1), "below the minimum of 2");
    assertRefused(LinuxContainerResources.newBuilder().setCpuPeriod(999), "cpu_period");
    assertRefused(LinuxContainerResources.newBuilder().setCpuPeriod(1_000_001), "cpu_period");
    assertRefused(LinuxContainerResources.newBuilder().setCpuQuota(999), "cpu_quota");
    assertRefused(LinuxContainerResources.newBuilder().setCpusetCpus("\n"), "cpuset_cpus");
    assertRefused(LinuxContainerResources.newBuilder().setCpusetCpus("0-"), "cpuset_cpus");
    assertRefused(LinuxContainerResources.newBuilder().setCpusetMems("all"), "cpuset_mems");
  }

  @Test
  void valuesAtTheBoundsAndUnlimitedQuotaAreTaken() {
    OciSpecBuilder spec = new OciSpecBuilder();
    ContainerSpecs.resources(
        spec,
        LinuxContainerResources.newBuilder()
            .setCpuShares(262_144)
            .setCpuPeriod(1_000)
            .setCpuQuota(-1)
            .setCpusetCpus("0-1,3")
            .setCpusetMems("0")
            .build(),
        0,
        true);
    assertThat(spec.resources().cpu().shares()).isEqualTo(262_144L);
    assertThat(spec.resources().cpu().quota()).isEqualTo(-1L);
  }

  @Test
  void oomScoreAdjIsAlwaysSetAndNeverBelowTheDaemonsOwn() {
    OciSpecBuilder unset = withProcess();
    ContainerSpecs.resources(unset, LinuxContainerResources.getDefaultInstance(), -999, true);
    assertThat(unset.build().process().oomScoreAdj()).isZero();

    OciSpecBuilder guaranteed = withProcess();
    ContainerSpecs.resources(
        guaranteed, LinuxContainerResources.newBuilder().setOomScoreAdj(-997).build(), 0, true);
    assertThat(guaranteed.build().process().oomScoreAdj()).isZero();

    OciSpecBuilder burstable = withProcess();
    ContainerSpecs.resources(
        burstable, LinuxContainerResources.newBuilder().setOomScoreAdj(500).build(), -999, true);
    assertThat(burstable.build().process().oomScoreAdj()).isEqualTo(500);
  }

  @Test
  void aMemoryLimitWithoutASwapLimitAllowsNoSwapWhereSwapIsAccounted() {
    LinuxContainerResources limitOnly =
        LinuxContainerResources.newBuilder().setMemoryLimitInBytes(128 << 20).build();
    OciSpecBuilder accounted = new OciSpecBuilder();
    ContainerSpecs.resources(accounted, limitOnly, 0, true);
    assertThat(accounted.resources().memory().swap()).isEqualTo(128L << 20);

    // runc fails to write a v1 swap limit without swap accounting: none is asked for there.
    OciSpecBuilder unaccounted = new OciSpecBuilder();
    ContainerSpecs.resources(unaccounted, limitOnly, 0, false);
    assertThat(unaccounted.resources().memory().swap()).isNull();

    OciSpecBuilder explicit = new OciSpecBuilder();
    ContainerSpecs.resources(
        explicit, limitOnly.toBuilder().setMemorySwapLimitInBytes(-1).build(), 0, true);
    assertThat(explicit.resources().memory().swap()).isEqualTo(-1L);
  }

  private static OciSpecBuilder withProcess() {
    return new OciSpecBuilder().args(List.of("sleep", "1"));
  }

  private static void assertRefused(LinuxContainerResources.Builder resources, String field) {
    assertThatThrownBy(
            () -> ContainerSpecs.resources(new OciSpecBuilder(), resources.build(), 0, true))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(CaissonException.Kind.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains(field);
            });
  }
}
