package io.caisson.bench;

import io.caisson.cri.v1.ImageFsInfoRequest;
import io.caisson.cri.v1.ListContainersRequest;
import io.caisson.cri.v1.ListImagesRequest;
import io.caisson.cri.v1.ListPodSandboxRequest;
import io.caisson.cri.v1.StatusRequest;
import io.caisson.cri.v1.VersionRequest;
import io.caisson.cri.v1.VersionResponse;
import java.util.concurrent.TimeUnit;

/**
 * Asks a CRI endpoint the read-only questions kubelet asks first (Version, Status, the lists,
 * ImageFsInfo) and prints the runtime's name and version. {@code scripts/aot-cache.sh} runs it
 * against a training daemon so that the AOT cache holds the classes serving those calls.
 */
public final class Probe {
  private Probe() {}

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: Probe unix:///path/to/cri.sock");
      System.exit(2);
    }
    try (CriClient client = new CriClient(args[0], CriClient.socketOf(args[0]))) {
      var runtime = client.runtime().withDeadlineAfter(30, TimeUnit.SECONDS);
      var images = client.images().withDeadlineAfter(30, TimeUnit.SECONDS);
      VersionResponse version = runtime.version(VersionRequest.getDefaultInstance());
      runtime.status(StatusRequest.newBuilder().setVerbose(true).build());
      runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
      runtime.listContainers(ListContainersRequest.getDefaultInstance());
      images.listImages(ListImagesRequest.getDefaultInstance());
      images.imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
      System.out.println(version.getRuntimeName() + " " + version.getRuntimeVersion());
    }
    System.exit(0);
  }
}
