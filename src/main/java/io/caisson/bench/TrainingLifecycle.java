package io.caisson.bench;

import io.caisson.cri.v1.ContainerStatsRequest;
import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.ExecSyncRequest;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.ImageStatusRequest;
import io.caisson.cri.v1.ListContainerStatsRequest;
import io.caisson.cri.v1.ListContainersRequest;
import io.caisson.cri.v1.ListMetricDescriptorsRequest;
import io.caisson.cri.v1.ListPodSandboxMetricsRequest;
import io.caisson.cri.v1.ListPodSandboxRequest;
import io.caisson.cri.v1.ListPodSandboxStatsRequest;
import io.caisson.cri.v1.PodSandboxStatsRequest;
import io.caisson.cri.v1.PodSandboxStatusRequest;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.RemoveImageRequest;
import io.caisson.cri.v1.ReopenContainerLogRequest;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One pod's whole life as kubelet drives it, against the AOT cache's training daemon: pull, run the
 * pod, create, start and exec into a container, the status, list and stats calls kubelet polls,
 * then stop and remove everything and the image. A daemon that served only start-up's calls loads
 * the classes of this path on the first pod of its life, into memory of its own (class metadata,
 * not shared with the cache's file pages) that stays for good: ~4 MiB more PSS at 20 pods in an A/B
 * run against a cache trained this way.
 */
final class TrainingLifecycle {
  private TrainingLifecycle() {}

  /**
   * Runs the life of one pod with the image {@code registry} serves.
   *
   * @param logRoot where the pod's log directory is made
   */
  static void run(CriClient client, TrainingRegistry registry, Path logRoot) throws IOException {
    var images = client.images();
    ImageSpec image = ImageSpec.newBuilder().setImage(registry.reference()).build();
    images.pullImage(PullImageRequest.newBuilder().setImage(image).build());
    try {
      livePod(client, registry.reference(), logRoot);
    } finally {
      images.removeImage(RemoveImageRequest.newBuilder().setImage(image).build());
    }
  }

  private static void livePod(CriClient client, String image, Path logRoot) throws IOException {
    var runtime = client.runtime();
    try (Fleet fleet = new Fleet(client, image, logRoot)) {
      client
          .images()
          .imageStatus(
              ImageStatusRequest.newBuilder()
                  .setImage(ImageSpec.newBuilder().setImage(image))
                  .setVerbose(true)
                  .build());
      String pod = fleet.runPod("aot-training");
      runtime.podSandboxStatus(
          PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).setVerbose(true).build());
      String container = fleet.runContainer(pod, "training");
      runtime.containerStatus(
          ContainerStatusRequest.newBuilder().setContainerId(container).setVerbose(true).build());
      runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
      runtime.listContainers(ListContainersRequest.getDefaultInstance());
      var exec =
          runtime.execSync(
              ExecSyncRequest.newBuilder()
                  .setContainerId(container)
                  .addCmd("true")
                  .setTimeout(30)
                  .build());
      if (exec.getExitCode() != 0) {
        throw new IllegalStateException("ExecSync true exited " + exec.getExitCode());
      }
      runtime.containerStats(ContainerStatsRequest.newBuilder().setContainerId(container).build());
      runtime.listContainerStats(ListContainerStatsRequest.getDefaultInstance());
      runtime.podSandboxStats(PodSandboxStatsRequest.newBuilder().setPodSandboxId(pod).build());
      runtime.listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance());
      runtime.listMetricDescriptors(ListMetricDescriptorsRequest.getDefaultInstance());
      runtime.listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance());
      runtime.reopenContainerLog(
          ReopenContainerLogRequest.newBuilder().setContainerId(container).build());
      fleet.removePod(pod);
    }
  }
}
