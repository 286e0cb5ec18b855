package io.caisson.bench;

import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ContainerMetadata;
import io.caisson.cri.v1.CreateContainerRequest;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.LinuxContainerConfig;
import io.caisson.cri.v1.LinuxContainerSecurityContext;
import io.caisson.cri.v1.LinuxPodSandboxConfig;
import io.caisson.cri.v1.LinuxSandboxSecurityContext;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.cri.v1.NamespaceOption;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.cri.v1.RemoveContainerRequest;
import io.caisson.cri.v1.RemovePodSandboxRequest;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.SecurityProfile;
import io.caisson.cri.v1.StartContainerRequest;
import io.caisson.cri.v1.StopContainerRequest;
import io.caisson.cri.v1.StopPodSandboxRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds pod and container configs the way kubelet does for a plain pod (own PID namespace per
 * container, pod network), and remembers what it created on one endpoint so a failed or finished
 * workload leaves nothing behind.
 */
public final class Fleet implements AutoCloseable {
  private static final NamespaceOption KUBELET_DEFAULT =
      NamespaceOption.newBuilder()
          .setNetwork(NamespaceMode.POD)
          .setPid(NamespaceMode.CONTAINER)
          .setIpc(NamespaceMode.POD)
          .build();
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final CriClient client;
  private final String image;
  private final Path logRoot;
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final Map<String, PodSandboxConfig> pods = new ConcurrentHashMap<>();
  private final Map<String, String> containers = new ConcurrentHashMap<>();
  private final PodCgroups cgroups;

  public Fleet(CriClient client, String image, Path logRoot) {
    this.client = client;
    this.image = image;
    this.logRoot = logRoot;
    try {
      this.cgroups = new PodCgroups(run);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list this node's cgroup hierarchies", e);
    }
  }

  public CriClient client() {
    return client;
  }

  /** A config for a fresh pod with a unique name, its log directory and its cgroup created. */
  public PodSandboxConfig podConfig(String prefix) throws IOException {
    String name = "%s-%s-%d".formatted(prefix, run, SEQUENCE.incrementAndGet());
    String uid = UUID.randomUUID().toString();
    // kubelet creates the pod log directory and the pod cgroup; runtimes only fill them.
    Path logs = Files.createDirectories(logRoot.resolve("caisson-bench_" + name + "_" + uid));
    String cgroupParent = cgroups.parentFor(uid);
    cgroups.create(cgroupParent);
    return PodSandboxConfig.newBuilder()
        .setMetadata(
            PodSandboxMetadata.newBuilder()
                .setName(name)
                .setNamespace("caisson-bench")
                .setUid(uid)
                .setAttempt(0))
        .setHostname(name.length() > 63 ? name.substring(0, 63) : name)
        .setLogDirectory(logs.toString())
        .setLinux(
            LinuxPodSandboxConfig.newBuilder()
                .setCgroupParent(cgroupParent)
                .setSecurityContext(
                    LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(KUBELET_DEFAULT)))
        .build();
  }

  /** busybox {@code sleep 3600}, logging to {@code name.log} in the pod's log directory. */
  public ContainerConfig containerConfig(String name) {
    return ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName(name).setAttempt(0))
        .setImage(ImageSpec.newBuilder().setImage(image))
        .addCommand("sleep")
        .addArgs("3600")
        .setLogPath(name + ".log")
        .setLinux(
            LinuxContainerConfig.newBuilder()
                .setSecurityContext(
                    LinuxContainerSecurityContext.newBuilder()
                        .setNamespaceOptions(KUBELET_DEFAULT)))
        .build();
  }

  /**
   * {@link #containerConfig} confined by seccomp {@code RuntimeDefault}, as the restricted Pod
   * Security Standard asks.
   */
  public ContainerConfig confinedContainerConfig(String name) {
    ContainerConfig plain = containerConfig(name);
    return plain.toBuilder()
        .setLinux(
            plain.getLinux().toBuilder()
                .setSecurityContext(
                    plain.getLinux().getSecurityContext().toBuilder()
                        .setSeccomp(
                            SecurityProfile.newBuilder()
                                .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))))
        .build();
  }

  public RunPodSandboxRequest runRequest(PodSandboxConfig config) {
    return RunPodSandboxRequest.newBuilder().setConfig(config).build();
  }

  public CreateContainerRequest createRequest(String podId, PodSandboxConfig pod, String name) {
    return createRequest(podId, pod, containerConfig(name));
  }

  private static CreateContainerRequest createRequest(
      String podId, PodSandboxConfig pod, ContainerConfig config) {
    return CreateContainerRequest.newBuilder()
        .setPodSandboxId(podId)
        .setConfig(config)
        .setSandboxConfig(pod)
        .build();
  }

  /** Remembers a pod so {@link #close()} removes it if the workload does not. */
  public String track(String podId, PodSandboxConfig config) {
    pods.put(podId, config);
    return podId;
  }

  public String trackContainer(String containerId, String podId) {
    containers.put(containerId, podId);
    return containerId;
  }

  /** Stops tracking a pod or container the workload removed; a pod's cgroup goes with it. */
  public void forget(String id) {
    PodSandboxConfig pod = pods.remove(id);
    containers.remove(id);
    if (pod != null) {
      // Left for close() when the runtime still has something in it.
      cgroups.remove(pod.getLinux().getCgroupParent());
    }
  }

  /** Runs a pod (untimed) and returns its id. */
  public String runPod(String prefix) throws IOException {
    PodSandboxConfig config = podConfig(prefix);
    String id = client.runtime().runPodSandbox(runRequest(config)).getPodSandboxId();
    return track(id, config);
  }

  public PodSandboxConfig configOf(String podId) {
    return pods.get(podId);
  }

  /** Creates and starts a container in a pod (untimed) and returns its id. */
  public String runContainer(String podId, String name) {
    return runContainer(podId, containerConfig(name));
  }

  /** Creates and starts a container of this config in a pod (untimed) and returns its id. */
  public String runContainer(String podId, ContainerConfig config) {
    String id =
        client
            .runtime()
            .createContainer(createRequest(podId, pods.get(podId), config))
            .getContainerId();
    trackContainer(id, podId);
    client.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    return id;
  }

  public List<String> containerIds() {
    return new ArrayList<>(containers.keySet());
  }

  public List<String> podIds() {
    return new ArrayList<>(pods.keySet());
  }

  /** Stops and removes one pod and its containers (SIGKILL, no grace period). */
  public void removePod(String podId) {
    for (var entry : List.copyOf(containers.entrySet())) {
      if (entry.getValue().equals(podId)) {
        removeContainer(entry.getKey());
      }
    }
    var runtime = client.runtime();
    runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    forget(podId);
  }

  public void removeContainer(String containerId) {
    var runtime = client.runtime();
    runtime.stopContainer(
        StopContainerRequest.newBuilder().setContainerId(containerId).setTimeout(0).build());
    runtime.removeContainer(
        RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
    forget(containerId);
  }

  /** Best-effort removal of everything still tracked; the first failure is rethrown at the end. */
  @Override
  public void close() {
    RuntimeException first = null;
    for (String container : List.copyOf(containers.keySet())) {
      try {
        removeContainer(container);
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    for (String pod : List.copyOf(pods.keySet())) {
      try {
        removePod(pod);
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    if (!cgroups.removeAll() && first == null) {
      first = new IllegalStateException("pod cgroups of this run are still in use: " + run);
    }
    if (first != null) {
      throw first;
    }
  }
}
