package io.caisson.bench;

import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxStatusRequest;
import io.caisson.cri.v1.RemovePodSandboxRequest;
import io.caisson.cri.v1.StopPodSandboxRequest;

/** RunPodSandbox (with CNI), PodSandboxStatus, StopPodSandbox, RemovePodSandbox, each timed. */
public final class SandboxWorkload implements Workload {
  @Override
  public String name() {
    return "sandbox";
  }

  @Override
  public boolean needsImage() {
    return false;
  }

  @Override
  public void round(BenchContext context, Samples samples) throws Exception {
    Fleet fleet = context.fleet();
    var runtime = context.client().runtime();
    for (int i = 0; i < context.iterations(); i++) {
      PodSandboxConfig config = fleet.podConfig("sandbox");
      String id =
          samples.time(
              "RunPodSandbox",
              () -> runtime.runPodSandbox(fleet.runRequest(config)).getPodSandboxId());
      fleet.track(id, config);
      samples.time(
          "PodSandboxStatus",
          () ->
              runtime.podSandboxStatus(
                  PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build()));
      samples.time(
          "StopPodSandbox",
          () ->
              runtime.stopPodSandbox(
                  StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build()));
      samples.time(
          "RemovePodSandbox",
          () ->
              runtime.removePodSandbox(
                  RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build()));
      fleet.forget(id);
    }
  }
}
