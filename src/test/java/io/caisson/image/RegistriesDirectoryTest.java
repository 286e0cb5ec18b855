package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistriesDirectoryTest {
  @TempDir Path dir;

  private static ImageReference ref(String text) {
    return ImageReference.parse(text).withDefaultTag();
  }

  @Test
  void theMostSpecificNamespaceNamesTheLookasideElseTheDefault() throws Exception {
    Files.writeString(
        dir.resolve("default.yaml"),
        """
        default-docker:
          lookaside: file:///var/lib/containers/sigstore
        """);
    Files.writeString(
        dir.resolve("redhat.yaml"),
        """
        docker:
          registry.redhat.io:
            sigstore: https://registry.redhat.io/containers/sigstore/
          registry.redhat.io/ubi9:
            lookaside: https://mirror.example/ubi9-signatures
            use-sigstore-attachments: true
        """);
    Files.writeString(dir.resolve("notes.txt"), "not: [read");
    RegistriesDirectory d = RegistriesDirectory.read(dir);

    assertThat(d.lookasideFor(ref("registry.redhat.io/ubi9/ubi:9.4")))
        .contains(URI.create("https://mirror.example/ubi9-signatures/ubi9/ubi"));
    assertThat(d.lookasideFor(ref("registry.redhat.io/rhel8/httpd-24")))
        .contains(URI.create("https://registry.redhat.io/containers/sigstore/rhel8/httpd-24"));
    assertThat(d.lookasideFor(ref("docker.io/library/busybox")))
        .contains(URI.create("file:///var/lib/containers/sigstore/library/busybox"));
    assertThat(
            RegistriesDirectory.signature(
                URI.create("file:///s/library/busybox"),
                Digest.parse("sha256:" + "a".repeat(64)),
                2))
        .isEqualTo(
            URI.create("file:///s/library/busybox@sha256=" + "a".repeat(64) + "/signature-2"));
  }

  @Test
  void noDirectoryOrNoLookasideIsNone() throws Exception {
    assertThat(RegistriesDirectory.read(dir.resolve("absent")).lookasideFor(ref("a.io/x")))
        .isEmpty();
    Files.writeString(
        dir.resolve("a.yaml"),
        """
        docker:
          a.io:
            use-sigstore-attachments: true
        """);
    Files.writeString(dir.resolve("empty.yaml"), "");
    assertThat(RegistriesDirectory.read(dir).lookasideFor(ref("a.io/x"))).isEmpty();
  }

  @Test
  void conflictsAndBadUrlsNameTheFiles() throws Exception {
    Files.writeString(dir.resolve("1.yaml"), "docker:\n  a.io:\n    lookaside: file:///one\n");
    Files.writeString(dir.resolve("2.yaml"), "docker:\n  a.io:\n    lookaside: file:///two\n");
    assertThatThrownBy(() -> RegistriesDirectory.read(dir))
        .hasMessageContaining("docker namespace a.io is configured in both")
        .hasMessageContaining("1.yaml")
        .hasMessageContaining("2.yaml");
    Files.delete(dir.resolve("2.yaml"));
    Files.writeString(dir.resolve("3.yaml"), "default-docker:\n  lookaside: ftp://x/\n");
    assertThatThrownBy(() -> RegistriesDirectory.read(dir))
        .hasMessageContaining("3.yaml: default-docker lookaside 'ftp://x/'");
    Files.writeString(
        dir.resolve("3.yaml"), "default-docker:\n  lookaside: file:///a\n  sigstore: file:///b\n");
    assertThatThrownBy(() -> RegistriesDirectory.read(dir))
        .hasMessageContaining("sets both lookaside and its old name, sigstore");
    Files.writeString(dir.resolve("3.yaml"), "docker: [a, b]\n");
    assertThatThrownBy(() -> RegistriesDirectory.read(dir))
        .hasMessageContaining("docker is not a mapping of namespaces");
    Files.writeString(dir.resolve("3.yaml"), "docker:\n  a.io: [\n");
    assertThatThrownBy(() -> RegistriesDirectory.read(dir)).hasMessageContaining("not valid YAML");
  }
}
