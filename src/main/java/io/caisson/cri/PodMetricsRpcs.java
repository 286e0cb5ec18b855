package io.caisson.cri;

import io.caisson.common.EpochNanos;
import io.caisson.container.Container;
import io.caisson.container.ContainerManager;
import io.caisson.container.ContainerRecord;
import io.caisson.cri.v1.ContainerMetrics;
import io.caisson.cri.v1.ListMetricDescriptorsResponse;
import io.caisson.cri.v1.ListPodSandboxMetricsResponse;
import io.caisson.cri.v1.Metric;
import io.caisson.cri.v1.MetricDescriptor;
import io.caisson.cri.v1.MetricType;
import io.caisson.cri.v1.PodSandboxMetrics;
import io.caisson.cri.v1.UInt64Value;
import io.caisson.sandbox.Sandbox;
import io.caisson.sandbox.SandboxManager;
import io.caisson.stats.BlockDevices;
import io.caisson.stats.CgroupReader;
import io.caisson.stats.CgroupSample;
import io.caisson.stats.DirUsage;
import io.caisson.stats.NetDev;
import io.caisson.stats.UsageCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ListMetricDescriptors and ListPodSandboxMetrics: the cAdvisor metrics kubelet serves on
 * /metrics/cadvisor, named and labelled as cAdvisor does, from the same cgroup, writable-layer and
 * netns readings as the stats RPCs. kubelet turns each {@link Metric} into a Prometheus sample of
 * the descriptor with the same name, so names, label keys and types here are the contract.
 *
 * <p>Values are unsigned integers on the wire: CPU seconds are whole seconds (rounded down).
 */
public final class PodMetricsRpcs {
  private static final Logger LOG = LoggerFactory.getLogger(PodMetricsRpcs.class);
  private static final long NANOS = 1_000_000_000L;

  /** cAdvisor's container labels as kubelet sets them, in this order, before any extra ones. */
  static final List<String> BASE_LABELS =
      List.of("container", "id", "image", "name", "namespace", "pod");

  /** One metric family: cAdvisor's name and help, its type and the labels after the base ones. */
  enum Family {
    CPU_USAGE(
        "container_cpu_usage_seconds_total",
        "Cumulative cpu time consumed in seconds.",
        MetricType.COUNTER,
        "cpu"),
    CPU_USER(
        "container_cpu_user_seconds_total",
        "Cumulative user cpu time consumed in seconds.",
        MetricType.COUNTER),
    CPU_SYSTEM(
        "container_cpu_system_seconds_total",
        "Cumulative system cpu time consumed in seconds.",
        MetricType.COUNTER),
    CFS_PERIODS(
        "container_cpu_cfs_periods_total",
        "Number of elapsed enforcement period intervals.",
        MetricType.COUNTER),
    CFS_THROTTLED_PERIODS(
        "container_cpu_cfs_throttled_periods_total",
        "Number of throttled period intervals.",
        MetricType.COUNTER),
    CFS_THROTTLED_SECONDS(
        "container_cpu_cfs_throttled_seconds_total",
        "Total time duration the container has been throttled.",
        MetricType.COUNTER),
    MEMORY_USAGE(
        "container_memory_usage_bytes",
        "Current memory usage in bytes, including all memory regardless of when it was accessed",
        MetricType.GAUGE),
    MEMORY_WORKING_SET(
        "container_memory_working_set_bytes", "Current working set in bytes.", MetricType.GAUGE),
    MEMORY_RSS("container_memory_rss", "Size of RSS in bytes.", MetricType.GAUGE),
    MEMORY_CACHE(
        "container_memory_cache", "Number of bytes of page cache memory.", MetricType.GAUGE),
    MEMORY_FAILURES(
        "container_memory_failures_total",
        "Cumulative count of memory allocation failures.",
        MetricType.COUNTER,
        "failure_type",
        "scope"),
    MEMORY_LIMIT(
        "container_spec_memory_limit_bytes", "Memory limit for the container.", MetricType.GAUGE),
    MEMORY_SWAP("container_memory_swap", "Container swap usage in bytes.", MetricType.GAUGE),
    MEMORY_MAPPED_FILE(
        "container_memory_mapped_file", "Size of memory mapped files in bytes.", MetricType.GAUGE),
    MEMORY_MAX_USAGE(
        "container_memory_max_usage_bytes",
        "Maximum memory usage recorded in bytes",
        MetricType.GAUGE),
    OOM_EVENTS(
        "container_oom_events_total",
        "Count of out of memory events observed for the container",
        MetricType.COUNTER),
    SPEC_CPU_PERIOD("container_spec_cpu_period", "CPU period of the container.", MetricType.GAUGE),
    SPEC_CPU_QUOTA("container_spec_cpu_quota", "CPU quota of the container.", MetricType.GAUGE),
    SPEC_CPU_SHARES("container_spec_cpu_shares", "CPU share of the container.", MetricType.GAUGE),
    SPEC_MEMORY_RESERVATION(
        "container_spec_memory_reservation_limit_bytes",
        "Memory reservation limit for the container.",
        MetricType.GAUGE),
    SPEC_MEMORY_SWAP_LIMIT(
        "container_spec_memory_swap_limit_bytes",
        "Memory swap limit for the container.",
        MetricType.GAUGE),
    FS_READ_BYTES(
        "container_fs_reads_bytes_total",
        "Cumulative count of bytes read",
        MetricType.COUNTER,
        "device"),
    FS_WRITE_BYTES(
        "container_fs_writes_bytes_total",
        "Cumulative count of bytes written",
        MetricType.COUNTER,
        "device"),
    FS_READS(
        "container_fs_reads_total",
        "Cumulative count of reads completed",
        MetricType.COUNTER,
        "device"),
    FS_WRITES(
        "container_fs_writes_total",
        "Cumulative count of writes completed",
        MetricType.COUNTER,
        "device"),
    LAST_SEEN(
        "container_last_seen", "Last time a container was seen by the exporter", MetricType.GAUGE),
    PROCESSES(
        "container_processes",
        "Number of processes running inside the container.",
        MetricType.GAUGE),
    START_TIME(
        "container_start_time_seconds",
        "Start time of the container since unix epoch in seconds.",
        MetricType.GAUGE),
    FS_USAGE(
        "container_fs_usage_bytes",
        "Number of bytes that are consumed by the container on this filesystem.",
        MetricType.GAUGE,
        "device"),
    RX_BYTES(
        "container_network_receive_bytes_total",
        "Cumulative count of bytes received",
        MetricType.COUNTER,
        "interface"),
    RX_PACKETS(
        "container_network_receive_packets_total",
        "Cumulative count of packets received",
        MetricType.COUNTER,
        "interface"),
    RX_DROPPED(
        "container_network_receive_packets_dropped_total",
        "Cumulative count of packets dropped while receiving",
        MetricType.COUNTER,
        "interface"),
    RX_ERRORS(
        "container_network_receive_errors_total",
        "Cumulative count of errors encountered while receiving",
        MetricType.COUNTER,
        "interface"),
    TX_BYTES(
        "container_network_transmit_bytes_total",
        "Cumulative count of bytes transmitted",
        MetricType.COUNTER,
        "interface"),
    TX_PACKETS(
        "container_network_transmit_packets_total",
        "Cumulative count of packets transmitted",
        MetricType.COUNTER,
        "interface"),
    TX_DROPPED(
        "container_network_transmit_packets_dropped_total",
        "Cumulative count of packets dropped while transmitting",
        MetricType.COUNTER,
        "interface"),
    TX_ERRORS(
        "container_network_transmit_errors_total",
        "Cumulative count of errors encountered while transmitting",
        MetricType.COUNTER,
        "interface");

    final String metricName;
    final String help;
    final MetricType type;
    final List<String> extraLabels;

    Family(String metricName, String help, MetricType type, String... extraLabels) {
      this.metricName = metricName;
      this.help = help;
      this.type = type;
      this.extraLabels = List.of(extraLabels);
    }

    MetricDescriptor descriptor() {
      return MetricDescriptor.newBuilder()
          .setName(metricName)
          .setHelp(help)
          .addAllLabelKeys(BASE_LABELS)
          .addAllLabelKeys(extraLabels)
          .build();
    }
  }

  private final ContainerManager containers;
  private final SandboxManager sandboxes;
  private final CgroupReader cgroups;
  private final String writableLayersDevice;
  private final BlockDevices blockDevices = BlockDevices.host();

  /**
   * @param writableLayersDevice the device of the filesystem the writable layers are on
   *     (container_fs_usage_bytes's "device")
   */
  public PodMetricsRpcs(
      ContainerManager containers,
      SandboxManager sandboxes,
      CgroupReader cgroups,
      String writableLayersDevice) {
    this.containers = containers;
    this.sandboxes = sandboxes;
    this.cgroups = cgroups;
    this.writableLayersDevice = writableLayersDevice;
  }

  ListMetricDescriptorsResponse descriptors() {
    ListMetricDescriptorsResponse.Builder response = ListMetricDescriptorsResponse.newBuilder();
    for (Family family : Family.values()) {
      response.addDescriptors(family.descriptor());
    }
    return response.build();
  }

  /**
   * Ready pods only. A stopped attempt's pod-level series would carry the same labels (kubelet's
   * pod cgroup, namespace, name) as its pod's next attempt: duplicates kubelet refuses to gather.
   */
  ListPodSandboxMetricsResponse list() throws IOException {
    ListPodSandboxMetricsResponse.Builder response = ListPodSandboxMetricsResponse.newBuilder();
    for (Sandbox sandbox : sandboxes.all()) {
      if (sandbox.isReady()) {
        response.addPodMetrics(pod(sandbox));
      }
    }
    return response.build();
  }

  /** The pod's own series (its cgroup, its interfaces) and one set per container. */
  private PodSandboxMetrics pod(Sandbox sandbox) throws IOException {
    PodSandboxMetrics.Builder pod = PodSandboxMetrics.newBuilder().setPodSandboxId(sandbox.id());
    String namespace = sandbox.config().getMetadata().getNamespace();
    String podName = sandbox.config().getMetadata().getName();
    List<CgroupSample> samples = new ArrayList<>();
    for (Container container : containers.all()) {
      if (container.isRemoved() || !container.record().sandboxId().equals(sandbox.id())) {
        continue;
      }
      var sample = cgroups.read(containers.cgroupsPath(container));
      if (sample.isEmpty()) {
        continue; // nothing runs: cAdvisor has no such container either
      }
      samples.add(sample.get());
      ContainerRecord record = container.record();
      Labels base =
          new Labels(
              container.config().getMetadata().getName(),
              containers.cgroupsPath(container),
              record.statusImageName(),
              container.id(),
              namespace,
              podName);
      List<Metric> metrics = new ArrayList<>(usage(base, sample.get()));
      metrics.addAll(throttling(base, containers.cgroupsPath(container), sample.get()));
      metrics.addAll(details(base, containers.cgroupsPath(container), sample.get()));
      long now = EpochNanos.now();
      if (record.startedAtNanos() > 0) {
        metrics.add(base.metric(Family.START_TIME, now, record.startedAtNanos() / NANOS));
      }
      // Measured at most once per 10 s: the sample's timestamp says when.
      UsageCache.Reading<DirUsage> layer = containers.writableLayerUsage().of(container.id());
      metrics.add(
          base.metric(
              Family.FS_USAGE,
              layer.timestampNanos(),
              layer.value().bytes(),
              writableLayersDevice));
      pod.addContainerMetrics(
          ContainerMetrics.newBuilder().setContainerId(container.id()).addAllMetrics(metrics));
    }
    // The pod level is cAdvisor's pod cgroup: no container, no image.
    Labels base =
        new Labels("", sandbox.config().getLinux().getCgroupParent(), "", "", namespace, podName);
    Optional<CgroupSample> own = PodCgroups.sample(cgroups, sandbox, samples);
    if (own.isPresent()) {
      pod.addAllMetrics(usage(base, own.get()));
      String parent = sandbox.config().getLinux().getCgroupParent();
      if (!parent.isBlank()) {
        pod.addAllMetrics(throttling(base, parent, own.get()));
        pod.addAllMetrics(details(base, parent, own.get()));
      }
    }
    pod.addAllMetrics(network(sandbox, base));
    return pod.build();
  }

  private static List<Metric> usage(Labels base, CgroupSample s) {
    long t = s.timestampNanos();
    return List.of(
        base.metric(Family.CPU_USAGE, t, s.cpuUsageNanos() / NANOS, "total"),
        base.metric(Family.CPU_USER, t, s.cpuUserNanos() / NANOS),
        base.metric(Family.CPU_SYSTEM, t, s.cpuSystemNanos() / NANOS),
        base.metric(Family.MEMORY_USAGE, t, s.memoryUsage()),
        base.metric(Family.MEMORY_WORKING_SET, t, s.workingSet()),
        base.metric(Family.MEMORY_RSS, t, s.rss()),
        base.metric(Family.MEMORY_CACHE, t, s.cache()),
        base.metric(Family.MEMORY_FAILURES, t, s.pageFaults(), "pgfault", "hierarchy"),
        base.metric(Family.MEMORY_FAILURES, t, s.majorPageFaults(), "pgmajfault", "hierarchy"),
        base.metric(Family.MEMORY_LIMIT, t, s.memoryLimit()),
        base.metric(Family.PROCESSES, t, s.processes()));
  }

  /**
   * CFS throttling, for a cgroup with a CPU quota only (periods count only under one), as cAdvisor
   * has it: what kube-prometheus's CPUThrottlingHigh alert reads. Whole seconds, as CPU usage.
   */
  private List<Metric> throttling(Labels base, String cgroupsPath, CgroupSample s)
      throws IOException {
    Optional<CgroupReader.CfsSample> cfs = cgroups.cfs(cgroupsPath);
    if (cfs.isEmpty() || cfs.get().periods() == 0) {
      return List.of();
    }
    long t = s.timestampNanos();
    return List.of(
        base.metric(Family.CFS_PERIODS, t, cfs.get().periods()),
        base.metric(Family.CFS_THROTTLED_PERIODS, t, cfs.get().throttledPeriods()),
        base.metric(Family.CFS_THROTTLED_SECONDS, t, cfs.get().throttledNanos() / NANOS));
  }

  /**
   * Swap, OOM kills, peak and mapped memory, the CPU and memory settings, block I/O per device and
   * the time of the reading, for a cgroup of its own (a container's, or a pod's cgroup parent). A
   * counter the kernel does not keep is left out rather than reported as 0. The swap limit is the
   * swap the cgroup may use (on v1, the memory+swap limit minus the memory limit), 0 when
   * unlimited, as unlimited memory is.
   */
  private List<Metric> details(Labels base, String cgroupsPath, CgroupSample s) throws IOException {
    long t = s.timestampNanos();
    List<Metric> metrics = new ArrayList<>();
    metrics.add(base.metric(Family.LAST_SEEN, t, t / NANOS));
    Optional<CgroupReader.Details> details = cgroups.details(cgroupsPath);
    if (details.isPresent()) {
      CgroupReader.Details d = details.get();
      long unknown = CgroupReader.Details.UNKNOWN;
      metrics.add(base.metric(Family.MEMORY_MAPPED_FILE, t, d.mappedFile()));
      metrics.add(base.metric(Family.SPEC_MEMORY_RESERVATION, t, d.memoryReservation()));
      if (d.oomKills() != unknown) {
        metrics.add(base.metric(Family.OOM_EVENTS, t, d.oomKills()));
      }
      if (d.maxUsage() != unknown) {
        metrics.add(base.metric(Family.MEMORY_MAX_USAGE, t, d.maxUsage()));
      }
      if (d.cpuShares() != unknown) {
        metrics.add(base.metric(Family.SPEC_CPU_SHARES, t, d.cpuShares()));
      }
      // As cAdvisor: period and quota only for a cgroup with a quota.
      if (d.cpuQuotaMicros() > 0 && d.cpuPeriodMicros() != unknown) {
        metrics.add(base.metric(Family.SPEC_CPU_QUOTA, t, d.cpuQuotaMicros()));
        metrics.add(base.metric(Family.SPEC_CPU_PERIOD, t, d.cpuPeriodMicros()));
      }
    }
    Optional<CgroupReader.SwapSample> swap = cgroups.swap(cgroupsPath);
    if (swap.isPresent()) {
      metrics.add(base.metric(Family.MEMORY_SWAP, t, swap.get().usage()));
      metrics.add(
          base.metric(
              Family.SPEC_MEMORY_SWAP_LIMIT, t, swap.get().limited() ? swap.get().limit() : 0));
    }
    for (CgroupReader.IoSample io : cgroups.io(cgroupsPath)) {
      String device = blockDevices.name(io.major(), io.minor());
      metrics.add(base.metric(Family.FS_READ_BYTES, t, io.readBytes(), device));
      metrics.add(base.metric(Family.FS_WRITE_BYTES, t, io.writeBytes(), device));
      metrics.add(base.metric(Family.FS_READS, t, io.reads(), device));
      metrics.add(base.metric(Family.FS_WRITES, t, io.writes(), device));
    }
    return metrics;
  }

  /** The pod's interfaces (loopback left out); none for host-network pods. */
  private List<Metric> network(Sandbox sandbox, Labels base) {
    String netns = sandbox.record().netns();
    if (netns == null || !sandbox.isReady() || !Files.exists(Path.of(netns))) {
      return List.of();
    }
    List<NetDev.Counters> counters;
    try {
      counters = NetDev.read(Path.of(netns));
    } catch (Exception e) {
      LOG.warn("network counters of pod {}: {}", sandbox.id(), e.toString());
      return List.of();
    }
    long t = EpochNanos.now();
    return counters.stream()
        .flatMap(
            c ->
                Stream.of(
                    base.metric(Family.RX_BYTES, t, c.rxBytes(), c.name()),
                    base.metric(Family.RX_PACKETS, t, c.rxPackets(), c.name()),
                    base.metric(Family.RX_DROPPED, t, c.rxDropped(), c.name()),
                    base.metric(Family.RX_ERRORS, t, c.rxErrors(), c.name()),
                    base.metric(Family.TX_BYTES, t, c.txBytes(), c.name()),
                    base.metric(Family.TX_PACKETS, t, c.txPackets(), c.name()),
                    base.metric(Family.TX_DROPPED, t, c.txDropped(), c.name()),
                    base.metric(Family.TX_ERRORS, t, c.txErrors(), c.name())))
        .toList();
  }

  /** Values of {@link #BASE_LABELS}, in that order. */
  private record Labels(
      String container, String id, String image, String name, String namespace, String pod) {
    Metric metric(Family family, long timestamp, long value, String... extra) {
      if (extra.length != family.extraLabels.size()) {
        throw new IllegalArgumentException(family.metricName + " takes " + family.extraLabels);
      }
      return Metric.newBuilder()
          .setName(family.metricName)
          .setTimestamp(timestamp)
          .setMetricType(family.type)
          .addAllLabelValues(List.of(container, id, image, name, namespace, pod))
          .addAllLabelValues(List.of(extra))
          .setValue(UInt64Value.newBuilder().setValue(Math.max(0, value)))
          .build();
    }
  }
}
