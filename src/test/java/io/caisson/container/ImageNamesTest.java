package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.image.ImageRecord;
import io.caisson.image.ImageReference;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageNamesTest {
  private static final String ID = "sha256:" + "ab".repeat(32);
  private static final String MANIFEST = "sha256:" + "cd".repeat(32);
  private static final String MIRRORED = "sha256:" + "ef".repeat(32);

  private static ImageRecord image(List<String> tags, List<String> digests) {
    return new ImageRecord(ID, tags, digests, 1, null, "", false, null, List.of(), List.of());
  }

  private static final ImageRecord BUSYBOX =
      image(
          List.of("registry.k8s.io/busybox:1.29", "example.com/tools/busybox:latest"),
          List.of("example.com/tools/busybox@" + MIRRORED, "registry.k8s.io/busybox@" + MANIFEST));

  /** No registries.conf: a reference names the one repository it normalizes to. */
  private static List<String> asWritten(String reference) {
    return List.of(ImageReference.parse(reference).name());
  }

  @Test
  void aShortNameIsNamedAsWrittenWithTheDigestOfTheRepositoryItResolvedTo() {
    // busybox resolved through the search registries: example.com/tools has it, docker.io not.
    ImageNames names =
        ImageNames.of(
            ID,
            "tools/busybox",
            BUSYBOX,
            reference -> List.of("docker.io/tools/busybox", "example.com/tools/busybox"));
    assertThat(names.name()).isEqualTo("tools/busybox");
    assertThat(names.digestRef()).isEqualTo("example.com/tools/busybox@" + MIRRORED);
  }

  @Test
  void askedByNameTheNameStaysAndTheDigestIsOfItsRepository() {
    ImageNames names =
        ImageNames.of("registry.k8s.io/busybox:1.29", "", BUSYBOX, ImageNamesTest::asWritten);
    assertThat(names.name()).isEqualTo("registry.k8s.io/busybox:1.29");
    assertThat(names.digestRef()).isEqualTo("registry.k8s.io/busybox@" + MANIFEST);
  }

  @Test
  void askedByIdAsKubeletDoesTheUsersReferenceNamesIt() {
    ImageNames names =
        ImageNames.of(ID, "registry.k8s.io/busybox:1.29", BUSYBOX, ImageNamesTest::asWritten);
    assertThat(names.name()).isEqualTo("registry.k8s.io/busybox:1.29");
    assertThat(names.digestRef()).isEqualTo("registry.k8s.io/busybox@" + MANIFEST);
    // a short id too
    assertThat(ImageNames.of(ID.substring(7, 19), "", BUSYBOX, ImageNamesTest::asWritten).name())
        .isEqualTo("registry.k8s.io/busybox:1.29");
  }

  @Test
  void withoutAUserReferenceTheFirstNamesAreUsed() {
    ImageNames names = ImageNames.of(ID, "", BUSYBOX, ImageNamesTest::asWritten);
    assertThat(names.name()).isEqualTo("registry.k8s.io/busybox:1.29");
    assertThat(names.digestRef()).isEqualTo("example.com/tools/busybox@" + MIRRORED);
  }

  @Test
  void anImageWithoutNamesIsNamedByItsId() {
    ImageNames names =
        ImageNames.of(ID, "", image(List.of(), List.of()), ImageNamesTest::asWritten);
    assertThat(names.name()).isEqualTo(ID);
    assertThat(names.digestRef()).isEqualTo(ID);
  }
}
