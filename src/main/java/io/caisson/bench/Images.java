package io.caisson.bench;

import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.ImageStatusRequest;
import io.caisson.cri.v1.PullImageRequest;

/** Untimed image preparation. */
final class Images {
  private Images() {}

  /** Pulls {@code ref} unless the endpoint already has it. */
  static void ensure(CriClient client, String ref) {
    ImageSpec image = ImageSpec.newBuilder().setImage(ref).build();
    boolean present =
        client
            .images()
            .imageStatus(ImageStatusRequest.newBuilder().setImage(image).build())
            .hasImage();
    if (!present) {
      client.images().pullImage(PullImageRequest.newBuilder().setImage(image).build());
    }
  }
}
