package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import io.caisson.common.CaissonException.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistriesConfFileTest {
  private static final ImageReference PAUSE = ImageReference.parse("registry.k8s.io/pause:3.10");

  @TempDir Path dir;

  private static String rewrite(String location) {
    return """
        [[registry]]
        prefix = "registry.k8s.io"
        location = "%s"
        """
        .formatted(location);
  }

  private static String firstEndpoint(RegistriesConfFile file) {
    return file.current().resolve(PAUSE).getFirst().baseUri().toString();
  }

  @Test
  void anEditAppliesToTheNextPullAndABrokenOneFailsPullsUntilMended() throws Exception {
    Path conf = dir.resolve("registries.conf");
    Files.writeString(conf, rewrite("127.0.0.1:5000"));
    RegistriesConfFile file = new RegistriesConfFile(conf);
    assertThat(firstEndpoint(file)).isEqualTo("http://127.0.0.1:5000");

    Files.writeString(conf, rewrite("127.0.0.1:15000"));
    assertThat(firstEndpoint(file)).isEqualTo("http://127.0.0.1:15000");

    Files.writeString(conf, "[[registry]]\nlocation = \"mirror.example\"\nprefix = ");
    assertThatThrownBy(file::current)
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.FAILED_PRECONDITION);
              assertThat(e.getMessage()).contains(conf.toString());
            });
    assertThatThrownBy(file::current).isInstanceOf(CaissonException.class); // until mended

    Files.writeString(conf, rewrite("127.0.0.1:25000"));
    assertThat(firstEndpoint(file)).isEqualTo("http://127.0.0.1:25000");

    Files.delete(conf);
    assertThat(firstEndpoint(file)).isEqualTo("https://registry.k8s.io");
  }

  @Test
  void dropInsAreLaidOverTheFileInNameOrderAndFollowedAsTheyComeAndGo() throws Exception {
    Path conf = Files.writeString(dir.resolve("registries.conf"), rewrite("127.0.0.1:5000"));
    Path dropIns = Files.createDirectories(dir.resolve("registries.conf.d"));
    // What podman's packages put there: aliases only, no rules for Caisson.
    Files.writeString(
        dropIns.resolve("000-shortnames.conf"),
        "[aliases]\n  \"busybox\" = \"docker.io/library/busybox\"\n");
    RegistriesConfFile file = new RegistriesConfFile(conf);
    assertThat(firstEndpoint(file)).isEqualTo("http://127.0.0.1:5000");

    Files.writeString(dropIns.resolve("20-later.conf"), rewrite("127.0.0.1:7000"));
    Files.writeString(dropIns.resolve("10-mirror.conf"), rewrite("127.0.0.1:6000"));
    Files.writeString(dropIns.resolve("README"), "not a drop-in");
    assertThat(firstEndpoint(file)).isEqualTo("http://127.0.0.1:7000");
    Files.writeString(
        dropIns.resolve("30-other.conf"), "[[registry]]\nprefix = \"quay.io\"\nblocked = true\n");
    assertThat(firstEndpoint(file)).isEqualTo("http://127.0.0.1:7000");
    assertThatThrownBy(() -> file.current().resolve(ImageReference.parse("quay.io/x/y:1")))
        .isInstanceOf(CaissonException.class)
        .hasMessageContaining("blocked");

    Files.delete(dropIns.resolve("20-later.conf"));
    assertThat(firstEndpoint(file)).isEqualTo("http://127.0.0.1:6000");

    Files.writeString(dropIns.resolve("40-broken.conf"), "[[registry]]\ninsecure = true\n");
    assertThatThrownBy(file::current)
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.FAILED_PRECONDITION);
              assertThat(e.getMessage()).contains("40-broken.conf");
            });
  }

  @Test
  void anInvalidFileAtStartIsTheCallersError() throws Exception {
    Path conf =
        Files.writeString(dir.resolve("registries.conf"), "[[registry]]\ninsecure = true\n");
    assertThatThrownBy(() -> new RegistriesConfFile(conf))
        .isInstanceOfSatisfying(
            CaissonException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_ARGUMENT));
    assertThat(new RegistriesConfFile(null).current().resolve(PAUSE)).hasSize(1);
    assertThat(new RegistriesConfFile(dir.resolve("absent")).current().resolve(PAUSE)).hasSize(1);
  }
}
