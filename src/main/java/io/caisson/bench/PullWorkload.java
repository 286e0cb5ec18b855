package io.caisson.bench;

import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.RemoveImageRequest;

/**
 * Cold PullImage (download + unpack): RemoveImage first (untimed), then PullImage timed. Each round
 * pulls once; layers a runtime keeps after RemoveImage (none, for Caisson and containerd's garbage
 * collector) would make a pull warm.
 */
public final class PullWorkload implements Workload {
  @Override
  public String name() {
    return "pull";
  }

  @Override
  public boolean needsImage() {
    return false;
  }

  @Override
  public void round(BenchContext context, Samples samples) throws Exception {
    var images = context.client().images();
    ImageSpec image = ImageSpec.newBuilder().setImage(context.pullImage()).build();
    images.removeImage(RemoveImageRequest.newBuilder().setImage(image).build());
    samples.time(
        "PullImage cold",
        () -> images.pullImage(PullImageRequest.newBuilder().setImage(image).build()));
    images.removeImage(RemoveImageRequest.newBuilder().setImage(image).build());
  }
}
