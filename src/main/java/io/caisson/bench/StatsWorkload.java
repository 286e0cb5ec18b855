package io.caisson.bench;

import io.caisson.cri.v1.ContainerStatsRequest;
import io.caisson.cri.v1.ListContainerStatsRequest;
import io.caisson.cri.v1.ListPodSandboxStatsRequest;
import io.caisson.cri.v1.PodSandboxStatsRequest;

/**
 * The stats calls kubelet's summary API makes (CRI stats provider): PodSandboxStats and
 * ListPodSandboxStats on one pod, then ContainerStats and ListContainerStats with one running
 * container in it. Pod stats come first, so a runtime without them is found out before it needs an
 * image.
 */
public final class StatsWorkload implements Workload {
  private String pod;
  private String container;

  @Override
  public String name() {
    return "stats";
  }

  @Override
  public boolean needsImage() {
    return false;
  }

  @Override
  public void setUp(BenchContext context) throws Exception {
    pod = context.fleet().runPod("stats");
  }

  @Override
  public void round(BenchContext context, Samples samples) throws Exception {
    var runtime = context.client().runtime();
    for (int i = 0; i < context.iterations(); i++) {
      samples.time(
          "PodSandboxStats",
          () ->
              runtime.podSandboxStats(
                  PodSandboxStatsRequest.newBuilder().setPodSandboxId(pod).build()));
      samples.time(
          "ListPodSandboxStats",
          () -> runtime.listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance()));
    }
    if (container == null) {
      Images.ensure(context.client(), context.image());
      container = context.fleet().runContainer(pod, "stats");
    }
    for (int i = 0; i < context.iterations(); i++) {
      samples.time(
          "ContainerStats",
          () ->
              runtime.containerStats(
                  ContainerStatsRequest.newBuilder().setContainerId(container).build()));
      samples.time(
          "ListContainerStats",
          () -> runtime.listContainerStats(ListContainerStatsRequest.getDefaultInstance()));
    }
  }

  @Override
  public void tearDown(BenchContext context) {
    context.fleet().close();
  }
}
