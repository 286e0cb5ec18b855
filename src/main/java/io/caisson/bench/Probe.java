package io.caisson.bench;

import io.caisson.cri.v1.ImageFsInfoRequest;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.ListContainersRequest;
import io.caisson.cri.v1.ListImagesRequest;
import io.caisson.cri.v1.ListPodSandboxRequest;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.StatusRequest;
import io.caisson.cri.v1.VersionRequest;
import io.caisson.cri.v1.VersionResponse;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Asks a CRI endpoint the read-only questions kubelet asks first (Version, Status, the lists,
 * ImageFsInfo) and prints the runtime's name and version. {@code scripts/aot-cache.sh} runs it
 * against a training daemon so that the AOT cache holds the classes serving those calls; with
 * {@code --pull-nowhere} it also asks for an image from a loopback port nothing listens on, so that
 * the cache holds the registry client's classes too (its TLS context among them), which a pull over
 * plain HTTP does not load. With {@code --train LOGDIR} it then runs a pod's whole life (see {@link
 * TrainingLifecycle}) with an image of this node's own programs that it serves itself.
 */
public final class Probe {
  /** An image on a loopback port where no registry listens (port 1, tcpmux, is never served). */
  private static final String NOWHERE = "127.0.0.1:1/caisson/aot-training:none";

  private Probe() {}

  public static void main(String[] args) throws Exception {
    boolean pullNowhere = false;
    Path trainingLogs = null;
    boolean understood = args.length > 0;
    for (int i = 1; i < args.length && understood; i++) {
      switch (args[i]) {
        case "--pull-nowhere" -> pullNowhere = true;
        case "--train" -> {
          understood = i + 1 < args.length;
          trainingLogs = understood ? Path.of(args[++i]) : null;
        }
        default -> understood = false;
      }
    }
    if (!understood) {
      System.err.println("usage: Probe unix:///path/to/cri.sock [--pull-nowhere] [--train LOGDIR]");
      System.exit(2);
    }
    try {
      probe(args[0], pullNowhere, trainingLogs);
    } catch (Exception e) {
      // Exits rather than returns: the client's event loop threads would keep the JVM alive.
      System.err.println("Probe: " + e);
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  private static void probe(String endpoint, boolean pullNowhere, Path trainingLogs)
      throws Exception {
    try (CriClient client = new CriClient(endpoint, CriClient.socketOf(endpoint))) {
      var runtime = client.runtime().withDeadlineAfter(30, TimeUnit.SECONDS);
      var images = client.images().withDeadlineAfter(30, TimeUnit.SECONDS);
      VersionResponse version = runtime.version(VersionRequest.getDefaultInstance());
      runtime.status(StatusRequest.newBuilder().setVerbose(true).build());
      runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
      runtime.listContainers(ListContainersRequest.getDefaultInstance());
      images.listImages(ListImagesRequest.getDefaultInstance());
      images.imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
      if (pullNowhere) {
        try {
          images.pullImage(
              PullImageRequest.newBuilder()
                  .setImage(ImageSpec.newBuilder().setImage(NOWHERE))
                  .build());
          System.err.println("Probe: " + NOWHERE + " was pulled; expected a refused connection");
        } catch (StatusRuntimeException expected) {
          // the registry is not there: the client was built and tried, which is the point
        }
      }
      if (trainingLogs != null) {
        try (TrainingRegistry registry = TrainingRegistry.serve(TrainingImage.ofThisNode())) {
          TrainingLifecycle.run(client, registry, trainingLogs);
        }
      }
      System.out.println(version.getRuntimeName() + " " + version.getRuntimeVersion());
    }
  }
}
