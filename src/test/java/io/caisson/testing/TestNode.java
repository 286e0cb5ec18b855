package io.caisson.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ContainerMetadata;
import io.caisson.cri.v1.ContainerStatus;
import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.CreateContainerRequest;
import io.caisson.cri.v1.ExecSyncRequest;
import io.caisson.cri.v1.ExecSyncResponse;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.ListContainersRequest;
import io.caisson.cri.v1.ListImagesRequest;
import io.caisson.cri.v1.ListPodSandboxRequest;
import io.caisson.cri.v1.PodSandbox;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.cri.v1.PodSandboxState;
import io.caisson.cri.v1.PodSandboxStatusRequest;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.RemoveContainerRequest;
import io.caisson.cri.v1.RemovePodSandboxRequest;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.RuntimeServiceGrpc;
import io.caisson.cri.v1.StartContainerRequest;
import io.caisson.cri.v1.StopPodSandboxRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * One test's node: a loopback registry with a busybox and a pause image, a CNI network of its own,
 * a leak snapshot and a daemon that can be stopped, killed and started again on the same dirs.
 */
public final class TestNode implements AutoCloseable {
  public final Path dir;
  public final TestRegistry registry;
  public final String image;
  public final String pause;
  public final TestNetwork network;
  public final LeakCheck leaks;
  public DaemonProcess daemon;

  private TestNode(Path dir) throws Exception {
    this.dir = dir;
    this.leaks = LeakCheck.snapshot(dir);
    this.registry = TestRegistry.start(dir.resolve("registry"));
    this.image =
        TestImages.pushBusybox(registry, "rel/busybox", "1", "{\"Cmd\": [\"sleep\", \"3600\"]}");
    this.pause =
        TestImages.pushBusybox(
            registry, "rel/pause", "1", "{\"Cmd\": [\"sleep\", \"2147483647\"]}");
    this.network = new TestNetwork(dir);
  }

  /** A node with its daemon up and the test image pulled. */
  public static TestNode start(Path dir) throws Exception {
    TestNode node = new TestNode(dir);
    node.startDaemon();
    node.daemon
        .images()
        .pullImage(
            PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(node.image))
                .build());
    return node;
  }

  public void startDaemon(String... extraArgs) throws Exception {
    List<String> args =
        new java.util.ArrayList<>(
            List.of("--cni-conf-dir", network.confDir().toString(), "--pause-image", pause));
    args.addAll(List.of(extraArgs));
    daemon = DaemonProcess.start(dir.resolve("daemon"), args.toArray(String[]::new));
  }

  public Path daemonRoot() {
    return dir.resolve("daemon/root");
  }

  public Path daemonState() {
    return dir.resolve("daemon/state");
  }

  public Path logs() {
    return dir.resolve("logs");
  }

  public PodSandboxConfig pod(String name) {
    return PodSandboxConfig.newBuilder()
        .setMetadata(
            PodSandboxMetadata.newBuilder()
                .setName(name)
                .setNamespace("rel")
                .setUid(UUID.randomUUID().toString()))
        .setLogDirectory(logs().resolve(name).toString())
        .build();
  }

  public String runPod(String name) {
    return daemon
        .runtime()
        .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod(name)).build())
        .getPodSandboxId();
  }

  public ContainerConfig.Builder container(String name, String... command) {
    return ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName(name))
        .setImage(ImageSpec.newBuilder().setImage(image))
        .setLogPath(name + ".log")
        .addAllCommand(List.of(command));
  }

  public String create(String pod, String podName, ContainerConfig.Builder config) {
    return daemon
        .runtime()
        .createContainer(
            CreateContainerRequest.newBuilder()
                .setPodSandboxId(pod)
                .setSandboxConfig(pod(podName))
                .setConfig(config)
                .build())
        .getContainerId();
  }

  public String run(String pod, String podName, ContainerConfig.Builder config) {
    String id = create(pod, podName, config);
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    return id;
  }

  /** ExecSync of {@code argv} in the container, with a 10 s timeout. */
  public ExecSyncResponse exec(String id, String... argv) {
    return exec(daemon.runtime(), id, argv);
  }

  /** ExecSync of {@code argv} in the container through {@code runtime}, with a 10 s timeout. */
  public static ExecSyncResponse exec(
      RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime, String id, String... argv) {
    return runtime.execSync(
        ExecSyncRequest.newBuilder()
            .setContainerId(id)
            .addAllCmd(List.of(argv))
            .setTimeout(10)
            .build());
  }

  /** Every pod the daemon lists. */
  public List<PodSandbox> pods() {
    return daemon
        .runtime()
        .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
        .getItemsList();
  }

  public ContainerStatus status(String id) {
    return daemon
        .runtime()
        .containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build())
        .getStatus();
  }

  public PodSandboxState podState(String pod) {
    return daemon
        .runtime()
        .podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build())
        .getStatus()
        .getState();
  }

  public void removeContainer(String id) {
    daemon
        .runtime()
        .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
  }

  public void removePod(String id) {
    daemon.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    daemon
        .runtime()
        .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
  }

  /** Everything the daemon lists, as comparable text: what "nothing changed" is checked against. */
  public String listing() {
    TreeSet<String> lines = new TreeSet<>();
    pods().forEach(p -> lines.add("pod " + p.getId() + " " + p.getState()));
    daemon
        .runtime()
        .listContainers(ListContainersRequest.getDefaultInstance())
        .getContainersList()
        .forEach(c -> lines.add("ctr " + c.getId() + " " + c.getState()));
    daemon
        .images()
        .listImages(ListImagesRequest.getDefaultInstance())
        .getImagesList()
        .forEach(i -> lines.add("img " + i.getId()));
    return String.join("\n", lines);
  }

  /** Removes every pod the daemon still has, then checks the node is as before the test. */
  public void cleanUpAndAssertNothingLeaked() throws Exception {
    for (var pod : pods()) {
      removePod(pod.getId());
    }
    assertThat(
            daemon
                .runtime()
                .listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersList())
        .as("containers outliving their pods")
        .isEmpty();
    daemon.close();
    network.assertNothingAttached();
    for (String sub :
        List.of("state/containers", "state/sandboxes", "state/infra", "state/idmapped")) {
      Path path = dir.resolve("daemon").resolve(sub);
      if (Files.isDirectory(path)) {
        try (Stream<Path> left = Files.list(path)) {
          assertThat(left.toList()).as("left in " + sub).isEmpty();
        }
      }
    }
    for (String sub : List.of("root/containers", "root/sandboxes", "root/containers-storage")) {
      Path path = dir.resolve("daemon").resolve(sub);
      if (Files.isDirectory(path)) {
        try (Stream<Path> left = Files.list(path)) {
          assertThat(left.toList()).as("left in " + sub).isEmpty();
        }
      }
    }
    leaks.assertNothingLeaked();
  }

  @Override
  public void close() throws Exception {
    if (daemon != null) {
      removePodsQuietly();
      daemon.close();
    }
    network.close();
    registry.close();
  }

  /**
   * After a failed test: its pods would otherwise keep their veths, NAT rules, mounts and cgroups
   * on the node, where they make later tests fail for a fault that is not theirs.
   */
  private void removePodsQuietly() {
    try {
      if (!daemon.process().isAlive()) {
        return;
      }
      for (var pod : pods()) {
        try {
          removePod(pod.getId());
        } catch (RuntimeException e) {
          System.err.println("could not remove pod " + pod.getId() + ": " + e);
        }
      }
    } catch (RuntimeException e) {
      System.err.println("could not list pods to remove: " + e);
    }
  }
}
