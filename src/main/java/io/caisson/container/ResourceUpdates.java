package io.caisson.container;

import io.caisson.cri.v1.LinuxContainerResources;

/**
 * What an UpdateContainerResources leaves a container with. runc changes only the limits the update
 * names (a zero or empty field is not written), so the container's recorded resources take the
 * update's set fields over what they were, as containerd merges them; replacing them whole would
 * report limits the cgroup never lost as gone.
 */
final class ResourceUpdates {
  private ResourceUpdates() {}

  static LinuxContainerResources merge(
      LinuxContainerResources current, LinuxContainerResources update) {
    LinuxContainerResources.Builder merged = current.toBuilder();
    if (update.getCpuPeriod() != 0) {
      merged.setCpuPeriod(update.getCpuPeriod());
    }
    if (update.getCpuQuota() != 0) {
      merged.setCpuQuota(update.getCpuQuota());
    }
    if (update.getCpuShares() != 0) {
      merged.setCpuShares(update.getCpuShares());
    }
    if (update.getMemoryLimitInBytes() != 0) {
      merged.setMemoryLimitInBytes(update.getMemoryLimitInBytes());
    }
    if (update.getOomScoreAdj() != 0) {
      merged.setOomScoreAdj(update.getOomScoreAdj());
    }
    if (!update.getCpusetCpus().isEmpty()) {
      merged.setCpusetCpus(update.getCpusetCpus());
    }
    if (!update.getCpusetMems().isEmpty()) {
      merged.setCpusetMems(update.getCpusetMems());
    }
    if (update.getHugepageLimitsCount() > 0) {
      merged.clearHugepageLimits().addAllHugepageLimits(update.getHugepageLimitsList());
    }
    merged.putAllUnified(update.getUnifiedMap());
    if (update.getMemorySwapLimitInBytes() != 0) {
      merged.setMemorySwapLimitInBytes(update.getMemorySwapLimitInBytes());
    } else if (update.getMemoryLimitInBytes() != 0
        && current.getMemoryLimitInBytes() > 0
        && current.getMemorySwapLimitInBytes() > 0) {
      // The limit of memory and swap together moves with the memory limit, keeping the swap the
      // container may use: the old total below a raised memory limit is refused by the kernel.
      long swap = current.getMemorySwapLimitInBytes() - current.getMemoryLimitInBytes();
      merged.setMemorySwapLimitInBytes(update.getMemoryLimitInBytes() + Math.max(0, swap));
    }
    return merged.build();
  }
}
