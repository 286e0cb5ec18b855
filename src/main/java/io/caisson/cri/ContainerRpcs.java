package io.caisson.cri;

import com.google.protobuf.ByteString;
import io.caisson.common.Ids;
import io.caisson.container.CheckpointDeadline;
import io.caisson.container.Container;
import io.caisson.container.ContainerManager;
import io.caisson.container.ContainerRecord;
import io.caisson.cri.v1.CheckpointContainerRequest;
import io.caisson.cri.v1.CheckpointContainerResponse;
import io.caisson.cri.v1.ContainerFilter;
import io.caisson.cri.v1.ContainerMetadata;
import io.caisson.cri.v1.ContainerResources;
import io.caisson.cri.v1.ContainerState;
import io.caisson.cri.v1.ContainerStatus;
import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.ContainerStatusResponse;
import io.caisson.cri.v1.ContainerUser;
import io.caisson.cri.v1.CreateContainerRequest;
import io.caisson.cri.v1.CreateContainerResponse;
import io.caisson.cri.v1.ExecSyncRequest;
import io.caisson.cri.v1.ExecSyncResponse;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.LinuxContainerUser;
import io.caisson.cri.v1.ListContainersRequest;
import io.caisson.cri.v1.ListContainersResponse;
import io.caisson.cri.v1.RemoveContainerRequest;
import io.caisson.cri.v1.RemoveContainerResponse;
import io.caisson.cri.v1.ReopenContainerLogRequest;
import io.caisson.cri.v1.ReopenContainerLogResponse;
import io.caisson.cri.v1.StartContainerRequest;
import io.caisson.cri.v1.StartContainerResponse;
import io.caisson.cri.v1.StopContainerRequest;
import io.caisson.cri.v1.StopContainerResponse;
import io.caisson.cri.v1.UpdateContainerResourcesRequest;
import io.caisson.cri.v1.UpdateContainerResourcesResponse;
import io.caisson.oci.Runc;
import io.grpc.Context;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The container RPCs over {@link ContainerManager}. */
public final class ContainerRpcs {
  private final ContainerManager containers;

  public ContainerRpcs(ContainerManager containers) {
    this.containers = containers;
  }

  CreateContainerResponse create(CreateContainerRequest request) throws Exception {
    String id = containers.create(request.getPodSandboxId(), request.getConfig());
    return CreateContainerResponse.newBuilder().setContainerId(id).build();
  }

  StartContainerResponse start(StartContainerRequest request) throws Exception {
    containers.start(request.getContainerId());
    return StartContainerResponse.getDefaultInstance();
  }

  StopContainerResponse stop(StopContainerRequest request) throws Exception {
    containers.stop(request.getContainerId(), request.getTimeout());
    return StopContainerResponse.getDefaultInstance();
  }

  RemoveContainerResponse remove(RemoveContainerRequest request) throws Exception {
    containers.remove(request.getContainerId());
    return RemoveContainerResponse.getDefaultInstance();
  }

  ListContainersResponse list(ListContainersRequest request) throws Exception {
    ContainerFilter filter = request.getFilter();
    if (!filter.getId().isEmpty()) {
      Ids.requireValid("filter.id", filter.getId());
    }
    ListContainersResponse.Builder response = ListContainersResponse.newBuilder();
    Set<String> exitFiles = containers.exitFileNames();
    for (Container container : containers.all()) {
      if (container.isRemoved()) {
        continue;
      }
      ContainerRecord record = containers.refresh(container, exitFiles);
      if (!filter.getId().isEmpty() && !record.id().startsWith(filter.getId())) {
        continue;
      }
      if (!filter.getPodSandboxId().isEmpty()
          && !record.sandboxId().startsWith(filter.getPodSandboxId())) {
        continue;
      }
      if (filter.hasState() && filter.getState().getState() != state(record)) {
        continue;
      }
      if (!Labels.match(filter.getLabelSelectorMap(), container.config().getLabelsMap())) {
        continue;
      }
      response.addContainers(
          io.caisson.cri.v1.Container.newBuilder()
              .setId(record.id())
              .setPodSandboxId(record.sandboxId())
              .setMetadata(metadata(container))
              .setImage(ImageSpec.newBuilder().setImage(record.imageRef()))
              .setImageRef(record.imageId())
              .setImageId(record.imageId())
              .setState(state(record))
              .setCreatedAt(record.createdAtNanos())
              .putAllLabels(container.config().getLabelsMap())
              .putAllAnnotations(container.config().getAnnotationsMap()));
    }
    return response.build();
  }

  ContainerStatusResponse status(ContainerStatusRequest request) throws Exception {
    Container container = containers.find(request.getContainerId());
    ContainerRecord record = containers.refresh(container);
    ContainerStatusResponse.Builder response =
        ContainerStatusResponse.newBuilder().setStatus(statusOf(container, record));
    if (request.getVerbose()) {
      response.putInfo("info", VerboseInfo.container(record, container.config()));
    }
    return response.build();
  }

  /** The container's CRI status from this record of it. */
  static ContainerStatus statusOf(Container container, ContainerRecord record) {
    ContainerStatus.Builder status =
        ContainerStatus.newBuilder()
            .setId(record.id())
            .setMetadata(metadata(container))
            .setState(state(record))
            .setCreatedAt(record.createdAtNanos())
            .setStartedAt(record.startedAtNanos())
            .setFinishedAt(record.finishedAtNanos())
            .setExitCode(record.exitCode())
            .setImage(
                ImageSpec.newBuilder()
                    .setImage(record.statusImageName())
                    .setUserSpecifiedImage(container.config().getImage().getUserSpecifiedImage()))
            .setImageRef(record.statusImageRef())
            .setImageId(record.imageId())
            .setReason(record.reason() == null ? "" : record.reason())
            .setMessage(record.message() == null ? "" : record.message())
            .putAllLabels(container.config().getLabelsMap())
            .putAllAnnotations(container.config().getAnnotationsMap())
            .addAllMounts(container.config().getMountsList())
            .setLogPath(record.logPath())
            .setResources(
                ContainerResources.newBuilder()
                    .setLinux(container.config().getLinux().getResources()))
            .setUser(
                ContainerUser.newBuilder()
                    .setLinux(
                        LinuxContainerUser.newBuilder()
                            .setUid(record.uid())
                            .setGid(record.gid())
                            .addAllSupplementalGroups(record.groups())));
    return status.build();
  }

  UpdateContainerResourcesResponse update(UpdateContainerResourcesRequest request)
      throws Exception {
    containers.update(request.getContainerId(), request.getLinux());
    return UpdateContainerResourcesResponse.getDefaultInstance();
  }

  CheckpointContainerResponse checkpoint(CheckpointContainerRequest request) throws Exception {
    Context call = Context.current();
    containers
        .checkpoints()
        .checkpoint(
            request.getContainerId(),
            request.getLocation(),
            CheckpointDeadline.of(request.getTimeout(), callerTimeLeft(), call::isCancelled));
    return CheckpointContainerResponse.getDefaultInstance();
  }

  ReopenContainerLogResponse reopenLog(ReopenContainerLogRequest request) throws Exception {
    containers.reopenLog(request.getContainerId());
    return ReopenContainerLogResponse.getDefaultInstance();
  }

  ExecSyncResponse execSync(ExecSyncRequest request) throws Exception {
    Runc.ExecResult result =
        containers.execSync(
            request.getContainerId(), request.getCmdList(), execTimeout(request.getTimeout()));
    return ExecSyncResponse.newBuilder()
        .setStdout(ByteString.copyFrom(result.stdout()))
        .setStderr(ByteString.copyFrom(result.stderr()))
        .setExitCode(result.exitCode())
        .build();
  }

  /**
   * The request's timeout, but never past the caller's own gRPC deadline: a client that gives up at
   * the same second must not find the command still running when it looks again.
   */
  static Duration execTimeout(long seconds) {
    Duration timeout = seconds > 0 ? Duration.ofSeconds(seconds) : null;
    Duration left = callerTimeLeft();
    if (left != null && (timeout == null || left.compareTo(timeout) < 0)) {
      timeout = left;
    }
    return timeout;
  }

  /**
   * What is left of the caller's gRPC deadline, less a margin for the answer to reach it; null when
   * it set none.
   */
  private static Duration callerTimeLeft() {
    Deadline deadline = Context.current().getDeadline();
    return deadline == null
        ? null
        : Duration.ofMillis(Math.max(1, deadline.timeRemaining(TimeUnit.MILLISECONDS) - 100));
  }

  private static ContainerMetadata metadata(Container container) {
    return container.config().getMetadata();
  }

  private static ContainerState state(ContainerRecord record) {
    return switch (record.state()) {
      case CREATED -> ContainerState.CONTAINER_CREATED;
      case RUNNING -> ContainerState.CONTAINER_RUNNING;
      case EXITED -> ContainerState.CONTAINER_EXITED;
      case UNKNOWN -> ContainerState.CONTAINER_UNKNOWN;
    };
  }
}
