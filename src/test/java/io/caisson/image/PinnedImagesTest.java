package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PinnedImagesTest {
  private static ImageRecord image(String tag, String digest) {
    return new ImageRecord(
        "sha256:" + "a".repeat(64),
        List.of(tag),
        List.of(digest),
        1,
        null,
        "",
        false,
        null,
        List.of(),
        List.of());
  }

  @Test
  void exactNamesPrefixesAndKeywordsAsCriOReadsThem() {
    ImageRecord busybox =
        image(
            "docker.io/library/busybox:latest",
            "docker.io/library/busybox@sha256:" + "b".repeat(64));
    ImageRecord app = image("quay.io/team/app:v1", "quay.io/team/app@sha256:" + "c".repeat(64));

    // An exact name is normalized as a pull normalizes it.
    assertThat(new PinnedImages(List.of("busybox")).pins(busybox)).isTrue();
    assertThat(new PinnedImages(List.of("busybox:1")).pins(busybox)).isFalse();
    assertThat(new PinnedImages(List.of("quay.io/team/*")).pins(app)).isTrue();
    assertThat(new PinnedImages(List.of("quay.io/team/*")).pins(busybox)).isFalse();
    assertThat(new PinnedImages(List.of("*team*")).pins(app)).isTrue();
    assertThat(new PinnedImages(List.of("*@sha256:ccc*")).pins(app)).isTrue();
    assertThat(new PinnedImages(List.of("*")).pins(busybox)).isTrue();
    assertThat(PinnedImages.NONE.pins(busybox)).isFalse();
  }

  @Test
  void aStarAnywhereElseIsNotAPattern() {
    assertThat(PinnedImages.problem("*team")).contains("elsewhere");
    assertThat(PinnedImages.problem("quay.io/*/app*")).contains("elsewhere");
    assertThat(PinnedImages.problem("")).isEqualTo("is empty");
    assertThat(PinnedImages.problem("Not An Image")).startsWith("is not an image name");
    assertThatThrownBy(() -> new PinnedImages(List.of("a*b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a*b'");
  }
}
