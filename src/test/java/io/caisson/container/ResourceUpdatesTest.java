package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.cri.v1.HugepageLimit;
import io.caisson.cri.v1.LinuxContainerResources;
import org.junit.jupiter.api.Test;

class ResourceUpdatesTest {
  private static final LinuxContainerResources CREATED =
      LinuxContainerResources.newBuilder()
          .setCpuShares(512)
          .setMemoryLimitInBytes(100 << 20)
          .setCpusetCpus("0-1")
          .addHugepageLimits(HugepageLimit.newBuilder().setPageSize("2MB").setLimit(4 << 20))
          .putUnified("pids.max", "100")
          .build();

  @Test
  void anUpdateChangesTheFieldsItSetsAndKeepsTheRest() {
    LinuxContainerResources update =
        LinuxContainerResources.newBuilder()
            .setMemoryLimitInBytes(200 << 20)
            .setCpuQuota(50_000)
            .setCpuPeriod(100_000)
            .putUnified("memory.high", "150M")
            .build();

    LinuxContainerResources merged = ResourceUpdates.merge(CREATED, update);

    assertThat(merged.getCpuShares()).as("not in the update: runc left it").isEqualTo(512);
    assertThat(merged.getCpusetCpus()).isEqualTo("0-1");
    assertThat(merged.getMemoryLimitInBytes()).isEqualTo(200 << 20);
    assertThat(merged.getCpuQuota()).isEqualTo(50_000);
    assertThat(merged.getCpuPeriod()).isEqualTo(100_000);
    assertThat(merged.getHugepageLimitsList()).hasSize(1);
    assertThat(merged.getUnifiedMap())
        .containsEntry("pids.max", "100")
        .containsEntry("memory.high", "150M");
  }

  @Test
  void aFullUpdateAsKubeletSendsItIsTakenWhole() {
    LinuxContainerResources full =
        CREATED.toBuilder()
            .setCpuShares(1024)
            .setCpusetCpus("1")
            .clearHugepageLimits()
            .addHugepageLimits(HugepageLimit.newBuilder().setPageSize("2MB").setLimit(8 << 20))
            .build();
    assertThat(ResourceUpdates.merge(CREATED, full)).isEqualTo(full);
  }

  /** Memory and swap are limited together: raising memory alone keeps the swap allowance. */
  @Test
  void theSwapLimitMovesWithAMemoryLimitUpdatedAlone() {
    LinuxContainerResources noSwap =
        LinuxContainerResources.newBuilder()
            .setMemoryLimitInBytes(100 << 20)
            .setMemorySwapLimitInBytes(100 << 20)
            .build();
    LinuxContainerResources raised =
        ResourceUpdates.merge(
            noSwap, LinuxContainerResources.newBuilder().setMemoryLimitInBytes(200 << 20).build());
    assertThat(raised.getMemorySwapLimitInBytes()).isEqualTo(200 << 20);

    LinuxContainerResources someSwap =
        noSwap.toBuilder().setMemorySwapLimitInBytes(150 << 20).build();
    assertThat(
            ResourceUpdates.merge(
                    someSwap,
                    LinuxContainerResources.newBuilder().setMemoryLimitInBytes(200 << 20).build())
                .getMemorySwapLimitInBytes())
        .isEqualTo(250 << 20);
    assertThat(
            ResourceUpdates.merge(
                    noSwap.toBuilder().setMemorySwapLimitInBytes(-1).build(),
                    LinuxContainerResources.newBuilder().setMemoryLimitInBytes(200 << 20).build())
                .getMemorySwapLimitInBytes())
        .as("unlimited swap stays unlimited")
        .isEqualTo(-1);
  }
}
