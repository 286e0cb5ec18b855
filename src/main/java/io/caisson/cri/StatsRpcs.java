package io.caisson.cri;

import io.caisson.container.Container;
import io.caisson.container.ContainerManager;
import io.caisson.cri.v1.ContainerAttributes;
import io.caisson.cri.v1.ContainerStats;
import io.caisson.cri.v1.ContainerStatsFilter;
import io.caisson.cri.v1.ContainerStatsRequest;
import io.caisson.cri.v1.ContainerStatsResponse;
import io.caisson.cri.v1.CpuUsage;
import io.caisson.cri.v1.FilesystemIdentifier;
import io.caisson.cri.v1.FilesystemUsage;
import io.caisson.cri.v1.ListContainerStatsRequest;
import io.caisson.cri.v1.ListContainerStatsResponse;
import io.caisson.cri.v1.MemoryUsage;
import io.caisson.cri.v1.UInt64Value;
import io.caisson.stats.CgroupReader;
import io.caisson.stats.CgroupSample;
import io.caisson.stats.CpuRates;
import io.caisson.storage.DiskUsage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** ContainerStats and ListContainerStats from the containers' cgroups and writable layers. */
public final class StatsRpcs {
  private final ContainerManager containers;
  private final CgroupReader cgroups;
  private final CpuRates rates = new CpuRates();
  private final Path storageMount;

  public StatsRpcs(ContainerManager containers, CgroupReader cgroups, Path storageMount) {
    this.containers = containers;
    this.cgroups = cgroups;
    this.storageMount = storageMount;
  }

  ContainerStatsResponse containerStats(ContainerStatsRequest request) throws IOException {
    Container container = containers.find(request.getContainerId());
    return ContainerStatsResponse.newBuilder().setStats(stats(container)).build();
  }

  ListContainerStatsResponse list(ListContainerStatsRequest request) throws IOException {
    ContainerStatsFilter filter = request.getFilter();
    ListContainerStatsResponse.Builder response = ListContainerStatsResponse.newBuilder();
    for (Container container : containers.all()) {
      if (container.isRemoved()
          || (!filter.getId().isEmpty() && !container.id().startsWith(filter.getId()))
          || (!filter.getPodSandboxId().isEmpty()
              && !container.record().sandboxId().startsWith(filter.getPodSandboxId()))
          || !Labels.match(filter.getLabelSelectorMap(), container.config().getLabelsMap())) {
        continue;
      }
      response.addStats(stats(container));
    }
    return response.build();
  }

  private ContainerStats stats(Container container) throws IOException {
    ContainerStats.Builder stats =
        ContainerStats.newBuilder()
            .setAttributes(
                ContainerAttributes.newBuilder()
                    .setId(container.id())
                    .setMetadata(container.config().getMetadata())
                    .putAllLabels(container.config().getLabelsMap())
                    .putAllAnnotations(container.config().getAnnotationsMap()));
    Optional<CgroupSample> sample = cgroups.read(containers.cgroupsPath(container));
    if (sample.isPresent()) {
      CgroupSample s = sample.get();
      stats.setCpu(
          CpuUsage.newBuilder()
              .setTimestamp(s.timestampNanos())
              .setUsageCoreNanoSeconds(u64(s.cpuUsageNanos()))
              .setUsageNanoCores(u64(rates.nanoCores(container.id(), s))));
      stats.setMemory(
          MemoryUsage.newBuilder()
              .setTimestamp(s.timestampNanos())
              .setWorkingSetBytes(u64(s.workingSet()))
              .setUsageBytes(u64(s.memoryUsage()))
              .setRssBytes(u64(s.rss()))
              .setPageFaults(u64(s.pageFaults()))
              .setMajorPageFaults(u64(s.majorPageFaults()))
              .setAvailableBytes(u64(s.availableBytes())));
    } else {
      rates.forget(container.id());
    }
    Path upper = containers.writableLayer(container);
    long[] layer = java.nio.file.Files.isDirectory(upper) ? DiskUsage.measure(upper) : new long[2];
    stats.setWritableLayer(
        FilesystemUsage.newBuilder()
            .setTimestamp(System.currentTimeMillis() * 1_000_000L)
            .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(storageMount.toString()))
            .setUsedBytes(u64(layer[0]))
            .setInodesUsed(u64(layer[1])));
    return stats.build();
  }

  private static UInt64Value u64(long value) {
    return UInt64Value.newBuilder().setValue(value).build();
  }
}
