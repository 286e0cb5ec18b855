package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {
  private static final String HEX = "a".repeat(64);

  @Test
  void singleNameGetsDockerHubLibraryAndLatest() {
    ImageReference r = ImageReference.parse("busybox").withDefaultTag();
    assertThat(r.registry()).isEqualTo("docker.io");
    assertThat(r.repository()).isEqualTo("library/busybox");
    assertThat(r.tag()).isEqualTo("latest");
    assertThat(r.taggedName()).isEqualTo("docker.io/library/busybox:latest");
  }

  @Test
  void userRepoOnDockerHubHasNoLibrary() {
    assertThat(ImageReference.parse("user/app:1").name()).isEqualTo("docker.io/user/app");
    assertThat(ImageReference.parse("docker.io/busybox").name())
        .isEqualTo("docker.io/library/busybox");
    assertThat(ImageReference.parse("index.docker.io/busybox").name())
        .isEqualTo("docker.io/library/busybox");
  }

  @Test
  void registryWithPortIsNotATag() {
    ImageReference r = ImageReference.parse("127.0.0.1:5000/pause");
    assertThat(r.registry()).isEqualTo("127.0.0.1:5000");
    assertThat(r.repository()).isEqualTo("pause");
    assertThat(r.tag()).isNull();
    assertThat(ImageReference.parse("localhost/a/b:c").registry()).isEqualTo("localhost");
    assertThat(ImageReference.parse("registry.k8s.io/e2e-test-images/busybox:1.29-2").toString())
        .isEqualTo("registry.k8s.io/e2e-test-images/busybox:1.29-2");
  }

  @Test
  void digestAndTagPlusDigest() {
    ImageReference d = ImageReference.parse("gcr.io/x/y@sha256:" + HEX);
    assertThat(d.tag()).isNull();
    assertThat(d.digest().hex()).isEqualTo(HEX);
    assertThat(d.withDefaultTag().tag()).isNull();
    assertThat(d.manifestReference()).isEqualTo("sha256:" + HEX);
    ImageReference td = ImageReference.parse("gcr.io/x/y:v1@sha256:" + HEX);
    assertThat(td.tag()).isEqualTo("v1");
    assertThat(td.manifestReference()).isEqualTo("sha256:" + HEX);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "  ",
        "UPPER/case",
        "busybox:",
        "busybox@sha256:abc",
        "busybox@md5:" + "a",
        "a//b",
        "/abs",
        "busybox:bad tag",
        "-leading",
        "x:y:z",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      })
  void malformedIsInvalidArgument(String text) {
    assertThatThrownBy(() -> ImageReference.parse(text))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.INVALID_ARGUMENT));
  }
}
