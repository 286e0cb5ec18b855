package io.caisson.bench;

import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.RemoveContainerRequest;
import io.caisson.cri.v1.RemovePodSandboxRequest;
import io.caisson.cri.v1.StartContainerRequest;
import io.caisson.cri.v1.StopContainerRequest;
import io.caisson.cri.v1.StopPodSandboxRequest;

/** A pod with one busybox container, from nothing to removed. */
final class Lifecycles {
  private Lifecycles() {}

  /** Runs one full lifecycle; returns its wall time in milliseconds. */
  static double once(Fleet fleet, String prefix) throws Exception {
    var runtime = fleet.client().runtime();
    long start = System.nanoTime();
    PodSandboxConfig config = fleet.podConfig(prefix);
    String pod =
        fleet.track(runtime.runPodSandbox(fleet.runRequest(config)).getPodSandboxId(), config);
    String container =
        fleet.trackContainer(
            runtime.createContainer(fleet.createRequest(pod, config, "c")).getContainerId(), pod);
    runtime.startContainer(StartContainerRequest.newBuilder().setContainerId(container).build());
    runtime.stopContainer(
        StopContainerRequest.newBuilder().setContainerId(container).setTimeout(0).build());
    runtime.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(container).build());
    fleet.forget(container);
    runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    fleet.forget(pod);
    return (System.nanoTime() - start) / 1e6;
  }
}
