package io.caisson.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ContainerMetadata;
import io.caisson.cri.v1.ContainerStats;
import io.caisson.cri.v1.ContainerStatsFilter;
import io.caisson.cri.v1.ContainerStatsRequest;
import io.caisson.cri.v1.CreateContainerRequest;
import io.caisson.cri.v1.ExecSyncRequest;
import io.caisson.cri.v1.FilesystemUsage;
import io.caisson.cri.v1.ImageFsInfoRequest;
import io.caisson.cri.v1.ImageFsInfoResponse;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.LinuxContainerConfig;
import io.caisson.cri.v1.LinuxContainerResources;
import io.caisson.cri.v1.LinuxPodSandboxConfig;
import io.caisson.cri.v1.LinuxPodSandboxStats;
import io.caisson.cri.v1.ListContainerStatsRequest;
import io.caisson.cri.v1.ListPodSandboxMetricsRequest;
import io.caisson.cri.v1.ListPodSandboxStatsRequest;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.cri.v1.PodSandboxStatsFilter;
import io.caisson.cri.v1.PodSandboxStatsRequest;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.RemoveContainerRequest;
import io.caisson.cri.v1.RemovePodSandboxRequest;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.StartContainerRequest;
import io.caisson.cri.v1.StopPodSandboxRequest;
import io.caisson.testing.DaemonProcess;
import io.caisson.testing.LeakCheck;
import io.caisson.testing.TestImages;
import io.caisson.testing.TestNetwork;
import io.caisson.testing.TestRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stats of a real busy container and its pod, through the daemon's CRI socket. */
class StatsIT {
  @TempDir static Path shared;
  private static TestRegistry registry;
  private static String image;
  private static String pause;

  @TempDir Path dir;
  private LeakCheck leaks;
  private TestNetwork network;
  private DaemonProcess daemon;
  private String pod;

  @BeforeAll
  static void pushImages() throws Exception {
    registry = TestRegistry.start(shared.resolve("registry"));
    image = TestImages.pushBusybox(registry, "it/busybox", "1", "{\"Cmd\": [\"sleep\", \"3600\"]}");
    pause =
        TestImages.pushBusybox(registry, "it/pause", "1", "{\"Cmd\": [\"sleep\", \"2147483647\"]}");
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    registry.close();
  }

  @BeforeEach
  void start() throws Exception {
    leaks = LeakCheck.snapshot(dir);
    network = new TestNetwork(dir);
    daemon =
        DaemonProcess.start(
            dir.resolve("daemon"),
            "--cni-conf-dir",
            network.confDir().toString(),
            "--pause-image",
            pause);
    daemon
        .images()
        .pullImage(
            PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
    pod = runPod(podConfig("stats-it").putLabels("pod", "stats"));
  }

  private PodSandboxConfig.Builder podConfig(String name) {
    return PodSandboxConfig.newBuilder()
        .setMetadata(
            PodSandboxMetadata.newBuilder()
                .setName(name)
                .setNamespace("it")
                .setUid(UUID.randomUUID().toString()))
        .setLogDirectory(dir.resolve("logs").toString());
  }

  private String runPod(PodSandboxConfig.Builder config) {
    return daemon
        .runtime()
        .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
        .getPodSandboxId();
  }

  @AfterEach
  void stop() throws Exception {
    daemon
        .runtime()
        .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    daemon.close();
    network.assertNothingAttached();
    network.close();
    leaks.assertNothingLeaked();
  }

  @Test
  void aBusyContainerAndItsPodReportCpuMemoryDiskProcessesAndNetwork() throws Exception {
    String id =
        daemon
            .runtime()
            .createContainer(
                CreateContainerRequest.newBuilder()
                    .setPodSandboxId(pod)
                    .setConfig(
                        ContainerConfig.newBuilder()
                            .setMetadata(ContainerMetadata.newBuilder().setName("busy"))
                            .setImage(ImageSpec.newBuilder().setImage(image))
                            .setLogPath("busy.log")
                            .putLabels("role", "spin")
                            .addAllCommand(List.of("sh", "-c", "while true; do :; done"))
                            .setLinux(
                                LinuxContainerConfig.newBuilder()
                                    .setResources(
                                        LinuxContainerResources.newBuilder()
                                            .setMemoryLimitInBytes(64L << 20))))
                    .build())
            .getContainerId();
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    daemon
        .runtime()
        .execSync(
            ExecSyncRequest.newBuilder()
                .setContainerId(id)
                .addAllCmd(List.of("dd", "if=/dev/zero", "of=/written", "bs=1024", "count=100"))
                .setTimeout(10)
                .build());

    containerStats(id);
    Thread.sleep(500);
    ContainerStats stats = containerStats(id);
    assertThat(stats.getAttributes().getMetadata().getName()).isEqualTo("busy");
    assertThat(stats.getAttributes().getLabelsMap()).containsEntry("role", "spin");
    assertThat(stats.getCpu().getUsageCoreNanoSeconds().getValue()).isPositive();
    assertThat(stats.getCpu().getUsageNanoCores().getValue())
        .as("a shell spinning on one core")
        .isGreaterThan(200_000_000L);
    assertThat(stats.getMemory().getWorkingSetBytes().getValue()).isPositive();
    assertThat(stats.getMemory().getAvailableBytes().getValue()).isPositive().isLessThan(64L << 20);
    assertThat(stats.getWritableLayer().getUsedBytes().getValue()).isGreaterThanOrEqualTo(100_000);
    assertThat(stats.getWritableLayer().getInodesUsed().getValue()).isGreaterThanOrEqualTo(2);
    boolean swapAccounted =
        Files.exists(Path.of("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"))
            || Files.exists(Path.of("/sys/fs/cgroup/init.scope/memory.swap.current"));
    assertThat(stats.hasSwap())
        .as("swap reported where the kernel accounts it")
        .isEqualTo(swapAccounted);
    if (swapAccounted) {
      assertThat(stats.getSwap().getTimestamp()).isPositive();
      assertThat(stats.getSwap().hasSwapUsageBytes()).isTrue();
    }

    // kubelet compares the two to know whether the node splits image and container filesystems.
    ImageFsInfoResponse fs = daemon.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
    FilesystemUsage layers = fs.getContainerFilesystems(0);
    assertThat(layers.getFsId().getMountpoint())
        .isEqualTo(fs.getImageFilesystems(0).getFsId().getMountpoint());
    assertThat(layers.getUsedBytes().getValue()).isGreaterThanOrEqualTo(100_000);
    assertThat(layers.getTimestamp()).isPositive();

    assertThat(listIds(ContainerStatsFilter.newBuilder().putLabelSelector("role", "spin")))
        .containsExactly(id);
    assertThat(listIds(ContainerStatsFilter.newBuilder().putLabelSelector("role", "idle")))
        .isEmpty();
    assertThat(listIds(ContainerStatsFilter.newBuilder().setPodSandboxId(pod.substring(0, 12))))
        .containsExactly(id);

    LinuxPodSandboxStats podStats =
        daemon
            .runtime()
            .podSandboxStats(PodSandboxStatsRequest.newBuilder().setPodSandboxId(pod).build())
            .getStats()
            .getLinux();
    assertThat(podStats.getContainersList())
        .extracting(c -> c.getAttributes().getId())
        .contains(id);
    assertThat(podStats.getCpu().getUsageCoreNanoSeconds().getValue()).isPositive();
    assertThat(podStats.getMemory().getWorkingSetBytes().getValue()).isPositive();
    assertThat(podStats.getProcess().getProcessCount().getValue()).isGreaterThanOrEqualTo(1);
    assertThat(podStats.getNetwork().getDefaultInterface().getName()).isEqualTo("eth0");
    assertThat(podStats.getNetwork().getInterfacesList())
        .extracting(i -> i.getName())
        .doesNotContain("lo");
    assertThat(
            daemon
                .runtime()
                .listPodSandboxStats(
                    ListPodSandboxStatsRequest.newBuilder()
                        .setFilter(
                            PodSandboxStatsFilter.newBuilder()
                                .putAllLabelSelector(Map.of("pod", "x")))
                        .build())
                .getStatsList())
        .isEmpty();

    daemon
        .runtime()
        .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    assertThat(listIds(ContainerStatsFilter.newBuilder())).doesNotContain(id);
  }

  /**
   * kubelet's pods each have a cgroup (cgroup_parent), and the pod's usage is that cgroup's: the
   * CPU seconds of a container that has since exited stay in the pod's, where a sum over the
   * running containers would fall back (a counter reset to kubelet).
   */
  @Test
  void aPodsCpuSecondsKeepWhatItsExitedContainersUsed() throws Exception {
    String parent = "caisson-statsit-" + UUID.randomUUID().toString().substring(0, 8);
    String cgroupPod =
        runPod(
            podConfig("cgroup-pod")
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(parent)));
    try {
      String burner =
          createIn(
              cgroupPod,
              "burner",
              List.of(
                  "sh",
                  "-c",
                  "end=$(( $(date +%s) + 1 )); while [ $(date +%s) -le $end ]; do :; done"));
      String sleeper = createIn(cgroupPod, "sleeper", List.of("sleep", "3600"));
      for (String id : List.of(burner, sleeper)) {
        daemon
            .runtime()
            .startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
      }
      for (int i = 0; i < 100 && !exited(burner); i++) {
        Thread.sleep(100);
      }
      assertThat(exited(burner)).isTrue();

      LinuxPodSandboxStats stats =
          daemon
              .runtime()
              .podSandboxStats(
                  PodSandboxStatsRequest.newBuilder().setPodSandboxId(cgroupPod).build())
              .getStats()
              .getLinux();
      assertThat(stats.getContainersList())
          .extracting(c -> c.getAttributes().getId())
          .containsExactly(sleeper);
      assertThat(stats.getCpu().getUsageCoreNanoSeconds().getValue())
          .as("the exited burner's second of CPU stays the pod's")
          .isGreaterThan(500_000_000L);
    } finally {
      daemon
          .runtime()
          .removePodSandbox(
              RemovePodSandboxRequest.newBuilder().setPodSandboxId(cgroupPod).build());
      // The pod cgroup is kubelet's to make and remove; runc made it here.
      try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
        for (Path hierarchy : hierarchies.filter(Files::isDirectory).toList()) {
          Files.deleteIfExists(hierarchy.resolve(parent));
        }
      }
      Files.deleteIfExists(Path.of("/sys/fs/cgroup", parent));
    }
  }

  /**
   * A stopped attempt of a pod must not report the pod cgroup its next attempt runs in, nor add a
   * second set of pod-level series with the same labels: containerd refuses its stats and lists
   * only ready pods.
   */
  @Test
  void aStoppedPodHasNoStatsAndNoMetrics() throws Exception {
    daemon
        .runtime()
        .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());

    assertThat(
            daemon
                .runtime()
                .listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance())
                .getStatsList())
        .extracting(s -> s.getAttributes().getId())
        .doesNotContain(pod);
    assertThatThrownBy(
            () ->
                daemon
                    .runtime()
                    .podSandboxStats(
                        PodSandboxStatsRequest.newBuilder().setPodSandboxId(pod).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription()).contains(pod);
            });
    assertThat(
            daemon
                .runtime()
                .listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance())
                .getPodMetricsList())
        .extracting(m -> m.getPodSandboxId())
        .doesNotContain(pod);
  }

  /** Zeros with a fresh timestamp would read as a counter reset: an exited container has none. */
  @Test
  void anExitedContainerReportsNoCpuOrMemory() throws Exception {
    String id = createIn(pod, "done", List.of("true"));
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    for (int i = 0; i < 100 && !exited(id); i++) {
      Thread.sleep(100);
    }
    assertThat(exited(id)).isTrue();

    ContainerStats stats = containerStats(id);

    assertThat(stats.getAttributes().getId()).isEqualTo(id);
    assertThat(stats.hasCpu()).isFalse();
    assertThat(stats.hasMemory()).isFalse();
    assertThat(stats.hasWritableLayer()).isTrue();
  }

  /**
   * An operator may mount containers-storage apart from the image store: the writable layers'
   * fs_id, ImageFsInfo's container filesystem and the metrics' device then name that filesystem.
   */
  @Test
  void writableLayersOnAFilesystemOfTheirOwnAreReportedOnIt() throws Exception {
    Path daemonDir = dir.resolve("daemon");
    Path layers = Files.createDirectories(daemonDir.resolve("root/containers-storage"));
    daemon.close();
    run("mount", "-t", "tmpfs", "-o", "size=64m", "caisson-statsit-layers", layers.toString());
    try {
      daemon =
          DaemonProcess.start(
              daemonDir, "--cni-conf-dir", network.confDir().toString(), "--pause-image", pause);
      String id = createIn(pod, "writer", List.of("sleep", "3600"));
      daemon
          .runtime()
          .startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());

      String mount = layers.toRealPath().toString();
      ImageFsInfoResponse fs = daemon.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
      assertThat(fs.getContainerFilesystems(0).getFsId().getMountpoint()).isEqualTo(mount);
      assertThat(fs.getImageFilesystems(0).getFsId().getMountpoint()).isNotEqualTo(mount);
      assertThat(containerStats(id).getWritableLayer().getFsId().getMountpoint()).isEqualTo(mount);
      List<io.caisson.cri.v1.Metric> fsUsage =
          daemon
              .runtime()
              .listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance())
              .getPodMetricsList()
              .stream()
              .flatMap(p -> p.getContainerMetricsList().stream())
              .filter(c -> c.getContainerId().equals(id))
              .flatMap(c -> c.getMetricsList().stream())
              .filter(m -> m.getName().equals("container_fs_usage_bytes"))
              .toList();
      assertThat(fsUsage)
          .singleElement()
          .satisfies(
              m -> assertThat(m.getLabelValuesList()).last().isEqualTo("caisson-statsit-layers"));
      daemon
          .runtime()
          .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    } finally {
      run("umount", "-l", layers.toString());
    }
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
  }

  private String createIn(String sandbox, String name, List<String> command) {
    return daemon
        .runtime()
        .createContainer(
            CreateContainerRequest.newBuilder()
                .setPodSandboxId(sandbox)
                .setConfig(
                    ContainerConfig.newBuilder()
                        .setMetadata(ContainerMetadata.newBuilder().setName(name))
                        .setImage(ImageSpec.newBuilder().setImage(image))
                        .setLogPath(name + ".log")
                        .addAllCommand(command))
                .build())
        .getContainerId();
  }

  private boolean exited(String id) {
    return daemon
            .runtime()
            .containerStatus(
                io.caisson.cri.v1.ContainerStatusRequest.newBuilder().setContainerId(id).build())
            .getStatus()
            .getState()
        == io.caisson.cri.v1.ContainerState.CONTAINER_EXITED;
  }

  private ContainerStats containerStats(String id) {
    return daemon
        .runtime()
        .containerStats(ContainerStatsRequest.newBuilder().setContainerId(id).build())
        .getStats();
  }

  private List<String> listIds(ContainerStatsFilter.Builder filter) {
    return daemon
        .runtime()
        .listContainerStats(ListContainerStatsRequest.newBuilder().setFilter(filter).build())
        .getStatsList()
        .stream()
        .map(s -> s.getAttributes().getId())
        .toList();
  }
}
