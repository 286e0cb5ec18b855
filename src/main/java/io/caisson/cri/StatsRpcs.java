package io.caisson.cri;

import io.caisson.common.CaissonException;
import io.caisson.common.EpochNanos;
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
import io.caisson.cri.v1.LinuxPodSandboxStats;
import io.caisson.cri.v1.ListContainerStatsRequest;
import io.caisson.cri.v1.ListContainerStatsResponse;
import io.caisson.cri.v1.ListPodSandboxStatsRequest;
import io.caisson.cri.v1.ListPodSandboxStatsResponse;
import io.caisson.cri.v1.MemoryUsage;
import io.caisson.cri.v1.NetworkInterfaceUsage;
import io.caisson.cri.v1.NetworkUsage;
import io.caisson.cri.v1.PodSandboxAttributes;
import io.caisson.cri.v1.PodSandboxStats;
import io.caisson.cri.v1.PodSandboxStatsFilter;
import io.caisson.cri.v1.PodSandboxStatsRequest;
import io.caisson.cri.v1.PodSandboxStatsResponse;
import io.caisson.cri.v1.ProcessUsage;
import io.caisson.cri.v1.SwapUsage;
import io.caisson.cri.v1.UInt64Value;
import io.caisson.sandbox.Sandbox;
import io.caisson.sandbox.SandboxManager;
import io.caisson.stats.CgroupReader;
import io.caisson.stats.CgroupSample;
import io.caisson.stats.CpuRates;
import io.caisson.stats.DirUsage;
import io.caisson.stats.NetDev;
import io.caisson.stats.UsageCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ContainerStats, ListContainerStats, PodSandboxStats and ListPodSandboxStats from the containers'
 * cgroups, their writable layers and the pods' network namespaces.
 */
public final class StatsRpcs {
  private static final Logger LOG = LoggerFactory.getLogger(StatsRpcs.class);

  private final ContainerManager containers;
  private final SandboxManager sandboxes;
  private final CgroupReader cgroups;
  private final CpuRates rates = new CpuRates();
  private final CpuRates podRates = new CpuRates();
  private final Path writableLayersMount;

  /**
   * @param writableLayersMount the mount point of the filesystem the writable layers are on: their
   *     fs_id, which kubelet matches with ImageFsInfo's container filesystem
   */
  public StatsRpcs(
      ContainerManager containers,
      SandboxManager sandboxes,
      CgroupReader cgroups,
      Path writableLayersMount) {
    this.containers = containers;
    this.sandboxes = sandboxes;
    this.cgroups = cgroups;
    this.writableLayersMount = writableLayersMount;
  }

  /**
   * One container, known to us: when its cgroup is already gone (it exited), its attributes and
   * writable layer without CPU or memory, as containerd answers for a container without a task.
   */
  ContainerStatsResponse containerStats(ContainerStatsRequest request) throws IOException {
    Container container = containers.find(request.getContainerId());
    Measured measured = measure(container);
    return ContainerStatsResponse.newBuilder().setStats(measured.stats()).build();
  }

  /** Containers whose cgroup exists: a container that exited and was cleaned up has no usage. */
  ListContainerStatsResponse list(ListContainerStatsRequest request) throws IOException {
    ContainerStatsFilter filter = request.getFilter();
    ListContainerStatsResponse.Builder response = ListContainerStatsResponse.newBuilder();
    rates.retainOnly(liveIds(containers.all().stream().map(Container::id)));
    for (Container container : containers.all()) {
      if (container.isRemoved()
          || (!filter.getId().isEmpty() && !container.id().startsWith(filter.getId()))
          || (!filter.getPodSandboxId().isEmpty()
              && !container.record().sandboxId().startsWith(filter.getPodSandboxId()))
          || !Labels.match(filter.getLabelSelectorMap(), container.config().getLabelsMap())) {
        continue;
      }
      Measured measured = measure(container);
      if (measured.sample().isPresent()) {
        response.addStats(measured.stats());
      }
    }
    return response.build();
  }

  /**
   * A ready pod's stats. A stopped one is FAILED_PRECONDITION, as with containerd: its pod cgroup
   * (kubelet's, by cgroup_parent) may already be a later attempt's of the same pod.
   */
  PodSandboxStatsResponse podSandboxStats(PodSandboxStatsRequest request) throws IOException {
    Sandbox sandbox = sandboxes.find(request.getPodSandboxId());
    if (!sandbox.isReady()) {
      throw CaissonException.precondition(
          "pod sandbox %s is not ready: a stopped pod has no stats", sandbox.id());
    }
    return PodSandboxStatsResponse.newBuilder().setStats(podStats(sandbox)).build();
  }

  /** Ready pods only: a stopped attempt would report the cgroup its pod's next attempt uses. */
  ListPodSandboxStatsResponse listPodSandboxStats(ListPodSandboxStatsRequest request)
      throws IOException {
    PodSandboxStatsFilter filter = request.getFilter();
    ListPodSandboxStatsResponse.Builder response = ListPodSandboxStatsResponse.newBuilder();
    podRates.retainOnly(liveIds(sandboxes.all().stream().map(Sandbox::id)));
    for (Sandbox sandbox : sandboxes.all()) {
      if (!sandbox.isReady()
          || (!filter.getId().isEmpty() && !sandbox.id().startsWith(filter.getId()))
          || !Labels.match(filter.getLabelSelectorMap(), sandbox.config().getLabelsMap())) {
        continue;
      }
      response.addStats(podStats(sandbox));
    }
    return response.build();
  }

  // ---- pods ---------------------------------------------------------------------------------

  /** CPU, memory and processes of the pod's cgroup ({@link PodCgroups}); network of its netns. */
  private PodSandboxStats podStats(Sandbox sandbox) throws IOException {
    List<CgroupSample> samples = new ArrayList<>();
    LinuxPodSandboxStats.Builder linux = LinuxPodSandboxStats.newBuilder();
    for (Container container : containers.all()) {
      if (container.isRemoved() || !container.record().sandboxId().equals(sandbox.id())) {
        continue;
      }
      Measured measured = measure(container);
      measured.sample().ifPresent(samples::add);
      if (measured.sample().isPresent()) {
        linux.addContainers(measured.stats());
      }
    }
    Optional<CgroupSample> own = PodCgroups.sample(cgroups, sandbox, samples);
    CgroupSample total = own.orElseGet(() -> CgroupSample.sum(List.of()));
    long timestamp = own.isEmpty() ? EpochNanos.now() : total.timestampNanos();
    OptionalLong nanoCores =
        own.isEmpty() ? OptionalLong.empty() : podRates.nanoCores(sandbox.id(), total);
    if (own.isEmpty()) {
      podRates.forget(sandbox.id());
    }
    linux
        .setCpu(cpu(total, timestamp, nanoCores))
        .setMemory(memory(total, timestamp))
        .setProcess(
            ProcessUsage.newBuilder()
                .setTimestamp(timestamp)
                .setProcessCount(u64(total.processes())));
    network(sandbox).ifPresent(linux::setNetwork);
    return PodSandboxStats.newBuilder()
        .setAttributes(
            PodSandboxAttributes.newBuilder()
                .setId(sandbox.id())
                .setMetadata(sandbox.config().getMetadata())
                .putAllLabels(sandbox.config().getLabelsMap())
                .putAllAnnotations(sandbox.config().getAnnotationsMap()))
        .setLinux(linux)
        .build();
  }

  /**
   * The pod's interfaces; none for host-network pods (their traffic is the node's) or pods whose
   * namespace is gone. A failed read is logged, not fatal: the rest of the stats still count.
   */
  private Optional<NetworkUsage> network(Sandbox sandbox) {
    String netns = sandbox.record().netns();
    if (netns == null || !sandbox.isReady() || !Files.exists(Path.of(netns))) {
      return Optional.empty();
    }
    List<NetDev.Counters> counters;
    try {
      counters = NetDev.read(Path.of(netns));
    } catch (Exception e) {
      LOG.warn("network counters of pod {}: {}", sandbox.id(), e.toString());
      return Optional.empty();
    }
    NetworkUsage.Builder usage = NetworkUsage.newBuilder().setTimestamp(EpochNanos.now());
    for (NetDev.Counters c : counters) {
      NetworkInterfaceUsage iface =
          NetworkInterfaceUsage.newBuilder()
              .setName(c.name())
              .setRxBytes(u64(c.rxBytes()))
              .setRxErrors(u64(c.rxErrors()))
              .setTxBytes(u64(c.txBytes()))
              .setTxErrors(u64(c.txErrors()))
              .build();
      usage.addInterfaces(iface);
      // CNI names the pod's interface eth0 (CNI_IFNAME); kubelet reports this one as the pod's.
      if (c.name().equals("eth0")) {
        usage.setDefaultInterface(iface);
      }
    }
    return Optional.of(usage.build());
  }

  // ---- containers ---------------------------------------------------------------------------

  private record Measured(ContainerStats stats, Optional<CgroupSample> sample) {}

  private Measured measure(Container container) throws IOException {
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
      stats.setCpu(cpu(s, s.timestampNanos(), rates.nanoCores(container.id(), s)));
      stats.setMemory(memory(s, s.timestampNanos()));
    } else {
      // Nothing runs any more. Zeros with a fresh timestamp would read as a counter reset.
      rates.forget(container.id());
    }
    Optional<CgroupReader.SwapSample> swap = cgroups.swap(containers.cgroupsPath(container));
    if (swap.isPresent()) {
      SwapUsage.Builder usage =
          SwapUsage.newBuilder()
              .setTimestamp(EpochNanos.now())
              .setSwapUsageBytes(u64(swap.get().usage()));
      if (swap.get().limited()) {
        usage.setSwapAvailableBytes(u64(swap.get().available()));
      }
      stats.setSwap(usage);
    }
    // Measured at most once per 10 s: its timestamp says when.
    UsageCache.Reading<DirUsage> layer = containers.writableLayerUsage().of(container.id());
    stats.setWritableLayer(
        FilesystemUsage.newBuilder()
            .setTimestamp(layer.timestampNanos())
            .setFsId(
                FilesystemIdentifier.newBuilder().setMountpoint(writableLayersMount.toString()))
            .setUsedBytes(u64(layer.value().bytes()))
            .setInodesUsed(u64(layer.value().inodes())));
    return new Measured(stats.build(), sample);
  }

  /** {@code nanoCores} left unset when there is no rate yet: kubelet then computes its own. */
  private static CpuUsage cpu(CgroupSample s, long timestamp, OptionalLong nanoCores) {
    CpuUsage.Builder cpu =
        CpuUsage.newBuilder()
            .setTimestamp(timestamp)
            .setUsageCoreNanoSeconds(u64(s.cpuUsageNanos()));
    nanoCores.ifPresent(rate -> cpu.setUsageNanoCores(u64(rate)));
    return cpu.build();
  }

  private static MemoryUsage memory(CgroupSample s, long timestamp) {
    return MemoryUsage.newBuilder()
        .setTimestamp(timestamp)
        .setWorkingSetBytes(u64(s.workingSet()))
        .setUsageBytes(u64(s.memoryUsage()))
        .setRssBytes(u64(s.rss()))
        .setPageFaults(u64(s.pageFaults()))
        .setMajorPageFaults(u64(s.majorPageFaults()))
        .setAvailableBytes(u64(s.availableBytes()))
        .build();
  }

  /** Ids still known; kubelet lists periodically, so pruning there bounds the rate tables. */
  private static java.util.Set<String> liveIds(java.util.stream.Stream<String> ids) {
    return ids.collect(java.util.stream.Collectors.toSet());
  }

  private static UInt64Value u64(long value) {
    return UInt64Value.newBuilder().setValue(value).build();
  }
}
