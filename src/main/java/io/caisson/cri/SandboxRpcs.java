package io.caisson.cri;

import io.caisson.common.EpochNanos;
import io.caisson.common.Ids;
import io.caisson.container.Container;
import io.caisson.container.ContainerManager;
import io.caisson.cri.v1.LinuxPodSandboxStatus;
import io.caisson.cri.v1.ListPodSandboxRequest;
import io.caisson.cri.v1.ListPodSandboxResponse;
import io.caisson.cri.v1.Namespace;
import io.caisson.cri.v1.PodIP;
import io.caisson.cri.v1.PodSandbox;
import io.caisson.cri.v1.PodSandboxFilter;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.cri.v1.PodSandboxNetworkStatus;
import io.caisson.cri.v1.PodSandboxState;
import io.caisson.cri.v1.PodSandboxStatus;
import io.caisson.cri.v1.PodSandboxStatusRequest;
import io.caisson.cri.v1.PodSandboxStatusResponse;
import io.caisson.cri.v1.RemovePodSandboxRequest;
import io.caisson.cri.v1.RemovePodSandboxResponse;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.RunPodSandboxResponse;
import io.caisson.cri.v1.StopPodSandboxRequest;
import io.caisson.cri.v1.StopPodSandboxResponse;
import io.caisson.sandbox.Sandbox;
import io.caisson.sandbox.SandboxManager;
import io.caisson.sandbox.SandboxRecord;
import io.caisson.sandbox.SandboxState;

/** RunPodSandbox, StopPodSandbox, RemovePodSandbox, PodSandboxStatus, ListPodSandbox. */
public final class SandboxRpcs {
  private final SandboxManager sandboxes;
  private final ContainerManager containers;

  public SandboxRpcs(SandboxManager sandboxes, ContainerManager containers) {
    this.sandboxes = sandboxes;
    this.containers = containers;
  }

  RunPodSandboxResponse run(RunPodSandboxRequest request) throws Exception {
    String id = sandboxes.run(request.getConfig(), request.getRuntimeHandler());
    return RunPodSandboxResponse.newBuilder().setPodSandboxId(id).build();
  }

  StopPodSandboxResponse stop(StopPodSandboxRequest request) throws Exception {
    sandboxes.stop(request.getPodSandboxId());
    return StopPodSandboxResponse.getDefaultInstance();
  }

  RemovePodSandboxResponse remove(RemovePodSandboxRequest request) throws Exception {
    sandboxes.remove(request.getPodSandboxId());
    return RemovePodSandboxResponse.getDefaultInstance();
  }

  PodSandboxStatusResponse status(PodSandboxStatusRequest request) throws Exception {
    Sandbox sandbox = sandboxes.find(request.getPodSandboxId());
    SandboxRecord record = sandbox.record();
    // With a timestamp, kubelet's evented PLEG takes the pod's containers from this response
    // alone (and only then): they come with it, as they are now.
    PodSandboxStatusResponse.Builder response =
        PodSandboxStatusResponse.newBuilder().setStatus(statusOf(sandbox));
    // One read of conmon's exit directory for the pod, as ListContainers does, not one per
    // container: kubelet asks this for every pod it relists.
    java.util.Set<String> exits = containers.exitFileNames();
    for (Container container : containers.all()) {
      if (!container.isRemoved() && container.record().sandboxId().equals(sandbox.id())) {
        response.addContainersStatuses(
            ContainerRpcs.statusOf(container, containers.refresh(container, exits)));
      }
    }
    // Stamped once all was read, in nanoseconds as an event's created_at: kubelet keeps whichever
    // of the two is newer, so a stamp earlier than the read would let an older event win.
    response.setTimestamp(EpochNanos.now());
    if (request.getVerbose()) {
      response.putInfo("info", VerboseInfo.sandbox(record, sandbox.config()));
    }
    return response.build();
  }

  /** The sandbox's CRI status as it is now. */
  static PodSandboxStatus statusOf(Sandbox sandbox) {
    SandboxRecord record = sandbox.record();
    PodSandboxStatus.Builder status =
        PodSandboxStatus.newBuilder()
            .setId(record.id())
            .setMetadata(sandbox.config().getMetadata())
            .setState(state(sandbox))
            .setCreatedAt(record.createdAtNanos())
            .setLinux(
                LinuxPodSandboxStatus.newBuilder()
                    .setNamespaces(
                        Namespace.newBuilder()
                            .setOptions(
                                sandbox
                                    .config()
                                    .getLinux()
                                    .getSecurityContext()
                                    .getNamespaceOptions())))
            .putAllLabels(sandbox.config().getLabelsMap())
            .putAllAnnotations(sandbox.config().getAnnotationsMap())
            .setRuntimeHandler(record.runtimeHandler());
    if (record.ip() != null
        && !record.ip().isEmpty()
        && state(sandbox) == PodSandboxState.SANDBOX_READY) {
      PodSandboxNetworkStatus.Builder network =
          PodSandboxNetworkStatus.newBuilder().setIp(record.ip());
      for (String ip : record.additionalIps()) {
        network.addAdditionalIps(PodIP.newBuilder().setIp(ip));
      }
      status.setNetwork(network);
    }
    return status.build();
  }

  ListPodSandboxResponse list(ListPodSandboxRequest request) {
    PodSandboxFilter filter = request.getFilter();
    if (!filter.getId().isEmpty()) {
      Ids.requireValid("filter.id", filter.getId());
    }
    ListPodSandboxResponse.Builder response = ListPodSandboxResponse.newBuilder();
    for (Sandbox sandbox : sandboxes.all()) {
      if (sandbox.isRemoved()) {
        continue;
      }
      SandboxRecord record = sandbox.record();
      if (!filter.getId().isEmpty() && !record.id().startsWith(filter.getId())) {
        continue;
      }
      if (filter.hasState() && filter.getState().getState() != state(sandbox)) {
        continue;
      }
      if (!Labels.match(filter.getLabelSelectorMap(), sandbox.config().getLabelsMap())) {
        continue;
      }
      response.addItems(
          PodSandbox.newBuilder()
              .setId(record.id())
              .setMetadata(PodSandboxMetadata.newBuilder(sandbox.config().getMetadata()).build())
              .setState(state(sandbox))
              .setCreatedAt(record.createdAtNanos())
              .putAllLabels(sandbox.config().getLabelsMap())
              .putAllAnnotations(sandbox.config().getAnnotationsMap())
              .setRuntimeHandler(record.runtimeHandler()));
    }
    return response.build();
  }

  private static PodSandboxState state(Sandbox sandbox) {
    return sandbox.record().state() == SandboxState.READY
        ? PodSandboxState.SANDBOX_READY
        : PodSandboxState.SANDBOX_NOTREADY;
  }
}
