package io.caisson.cri;

import io.caisson.cri.v1.*;
import io.caisson.cri.v1.RuntimeConfigRequest;
import io.caisson.cri.v1.RuntimeConfigResponse;
import io.caisson.cri.v1.RuntimeServiceGrpc;
import io.caisson.cri.v1.StatusRequest;
import io.caisson.cri.v1.StatusResponse;
import io.caisson.cri.v1.UpdateRuntimeConfigRequest;
import io.caisson.cri.v1.UpdateRuntimeConfigResponse;
import io.caisson.cri.v1.VersionRequest;
import io.caisson.cri.v1.VersionResponse;
import io.grpc.stub.StreamObserver;

/**
 * The CRI RuntimeService. Each RPC family lives in its own class; this one only routes. RPCs not
 * overridden here answer UNIMPLEMENTED naming the method (grpc-java's default).
 */
public final class RuntimeApi extends RuntimeServiceGrpc.RuntimeServiceImplBase {
  private final RuntimeInfoRpcs info;
  private final SandboxRpcs sandboxes;
  private final ContainerRpcs containers;
  private final StreamingRpcs streaming;
  private final StatsRpcs stats;
  private final ContainerEvents events;
  private final PodMetricsRpcs metrics;

  public RuntimeApi(
      RuntimeInfoRpcs info,
      SandboxRpcs sandboxes,
      ContainerRpcs containers,
      StreamingRpcs streaming,
      StatsRpcs stats,
      ContainerEvents events,
      PodMetricsRpcs metrics) {
    this.info = info;
    this.sandboxes = sandboxes;
    this.containers = containers;
    this.streaming = streaming;
    this.stats = stats;
    this.events = events;
    this.metrics = metrics;
  }

  @Override
  public void getContainerEvents(
      GetEventsRequest request, StreamObserver<ContainerEventResponse> observer) {
    events.stream(observer);
  }

  @Override
  public void listMetricDescriptors(
      ListMetricDescriptorsRequest request,
      StreamObserver<ListMetricDescriptorsResponse> observer) {
    Rpc.unary(observer, metrics::descriptors);
  }

  @Override
  public void listPodSandboxMetrics(
      ListPodSandboxMetricsRequest request,
      StreamObserver<ListPodSandboxMetricsResponse> observer) {
    Rpc.unary(observer, metrics::list);
  }

  @Override
  public void containerStats(
      ContainerStatsRequest request, StreamObserver<ContainerStatsResponse> observer) {
    Rpc.unary(observer, () -> stats.containerStats(request));
  }

  @Override
  public void listContainerStats(
      ListContainerStatsRequest request, StreamObserver<ListContainerStatsResponse> observer) {
    Rpc.unary(observer, () -> stats.list(request));
  }

  @Override
  public void podSandboxStats(
      PodSandboxStatsRequest request, StreamObserver<PodSandboxStatsResponse> observer) {
    Rpc.unary(observer, () -> stats.podSandboxStats(request));
  }

  @Override
  public void listPodSandboxStats(
      ListPodSandboxStatsRequest request, StreamObserver<ListPodSandboxStatsResponse> observer) {
    Rpc.unary(observer, () -> stats.listPodSandboxStats(request));
  }

  @Override
  public void exec(ExecRequest request, StreamObserver<ExecResponse> observer) {
    Rpc.unary(observer, () -> streaming.exec(request));
  }

  @Override
  public void attach(AttachRequest request, StreamObserver<AttachResponse> observer) {
    Rpc.unary(observer, () -> streaming.attach(request));
  }

  @Override
  public void portForward(
      PortForwardRequest request, StreamObserver<PortForwardResponse> observer) {
    Rpc.unary(observer, () -> streaming.portForward(request));
  }

  @Override
  public void createContainer(
      CreateContainerRequest request, StreamObserver<CreateContainerResponse> observer) {
    Rpc.unary(observer, () -> containers.create(request));
  }

  @Override
  public void startContainer(
      StartContainerRequest request, StreamObserver<StartContainerResponse> observer) {
    Rpc.unary(observer, () -> containers.start(request));
  }

  @Override
  public void stopContainer(
      StopContainerRequest request, StreamObserver<StopContainerResponse> observer) {
    Rpc.unary(observer, () -> containers.stop(request));
  }

  @Override
  public void removeContainer(
      RemoveContainerRequest request, StreamObserver<RemoveContainerResponse> observer) {
    Rpc.unary(observer, () -> containers.remove(request));
  }

  @Override
  public void listContainers(
      ListContainersRequest request, StreamObserver<ListContainersResponse> observer) {
    Rpc.unary(observer, () -> containers.list(request));
  }

  @Override
  public void containerStatus(
      ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> observer) {
    Rpc.unary(observer, () -> containers.status(request));
  }

  @Override
  public void updateContainerResources(
      UpdateContainerResourcesRequest request,
      StreamObserver<UpdateContainerResourcesResponse> observer) {
    Rpc.unary(observer, () -> containers.update(request));
  }

  @Override
  public void reopenContainerLog(
      ReopenContainerLogRequest request, StreamObserver<ReopenContainerLogResponse> observer) {
    Rpc.unary(observer, () -> containers.reopenLog(request));
  }

  @Override
  public void checkpointContainer(
      CheckpointContainerRequest request, StreamObserver<CheckpointContainerResponse> observer) {
    Rpc.unary(observer, () -> containers.checkpoint(request));
  }

  @Override
  public void execSync(ExecSyncRequest request, StreamObserver<ExecSyncResponse> observer) {
    Rpc.unary(observer, () -> containers.execSync(request));
  }

  @Override
  public void runPodSandbox(
      RunPodSandboxRequest request, StreamObserver<RunPodSandboxResponse> observer) {
    Rpc.unary(observer, () -> sandboxes.run(request));
  }

  @Override
  public void stopPodSandbox(
      StopPodSandboxRequest request, StreamObserver<StopPodSandboxResponse> observer) {
    Rpc.unary(observer, () -> sandboxes.stop(request));
  }

  @Override
  public void removePodSandbox(
      RemovePodSandboxRequest request, StreamObserver<RemovePodSandboxResponse> observer) {
    Rpc.unary(observer, () -> sandboxes.remove(request));
  }

  @Override
  public void podSandboxStatus(
      PodSandboxStatusRequest request, StreamObserver<PodSandboxStatusResponse> observer) {
    Rpc.unary(observer, () -> sandboxes.status(request));
  }

  @Override
  public void listPodSandbox(
      ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> observer) {
    Rpc.unary(observer, () -> sandboxes.list(request));
  }

  @Override
  public void version(VersionRequest request, StreamObserver<VersionResponse> observer) {
    Rpc.unary(observer, () -> info.version(request));
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
    Rpc.unary(observer, () -> info.status(request));
  }

  @Override
  public void runtimeConfig(
      RuntimeConfigRequest request, StreamObserver<RuntimeConfigResponse> observer) {
    Rpc.unary(observer, info::runtimeConfig);
  }

  @Override
  public void updateRuntimeConfig(
      UpdateRuntimeConfigRequest request, StreamObserver<UpdateRuntimeConfigResponse> observer) {
    Rpc.unary(observer, () -> info.updateRuntimeConfig(request));
  }
}
