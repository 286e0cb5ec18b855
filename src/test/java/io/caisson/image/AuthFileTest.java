package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthFileTest {
  @TempDir Path dir;

  private AuthFile write(String auths) throws Exception {
    Path file = Files.writeString(dir.resolve("auth.json"), "{\"auths\": {" + auths + "}}");
    return new AuthFile(file, List.of());
  }

  private static String entry(String key, String user) {
    String auth =
        Base64.getEncoder().encodeToString((user + ":pw").getBytes(StandardCharsets.UTF_8));
    return "\"%s\": {\"auth\": \"%s\"}".formatted(key, auth);
  }

  private static String user(Credentials c) {
    return c.isEmpty() ? null : c.userPass().username();
  }

  @Test
  void dockerHubsOtherNamesAndLoginUrlsAreDockerIo() throws Exception {
    for (String key :
        List.of(
            "index.docker.io",
            "registry-1.docker.io",
            "https://index.docker.io/v1/",
            "https://registry-1.docker.io/v2/",
            "docker.io/")) {
      AuthFile file = write(entry(key, "hub"));
      assertThat(user(file.lookup("docker.io", "library/busybox"))).as(key).isEqualTo("hub");
      assertThat(user(file.lookup("quay.io", "team/app"))).as(key).isNull();
    }
  }

  @Test
  void aUrlKeyNamesItsWholeRegistryWhateverItsPath() throws Exception {
    AuthFile file =
        write(entry("https://quay.example:5000/v2/", "q") + "," + entry("http://h/x", "h"));
    assertThat(user(file.lookup("quay.example:5000", "team/app"))).isEqualTo("q");
    assertThat(user(file.lookup("h", "other/repo"))).isEqualTo("h");
    assertThat(user(file.lookup("quay.example", "team/app"))).isNull();
  }

  @Test
  void theMostSpecificKeyStillWins() throws Exception {
    AuthFile file =
        write(
            String.join(
                ",",
                entry("https://index.docker.io/v1/", "legacy"),
                entry("docker.io/team", "team"),
                entry("index.docker.io/team/app", "app"),
                entry("quay.io", "host"),
                entry("quay.io/team/app", "repo")));
    assertThat(user(file.lookup("docker.io", "team/app"))).isEqualTo("app");
    assertThat(user(file.lookup("docker.io", "team/other"))).isEqualTo("team");
    assertThat(user(file.lookup("docker.io", "library/busybox"))).isEqualTo("legacy");
    assertThat(user(file.lookup("registry-1.docker.io", "team/x"))).isEqualTo("team");
    assertThat(user(file.lookup("quay.io", "team/app"))).isEqualTo("repo");
    assertThat(user(file.lookup("quay.io", "team/other"))).isEqualTo("host");
  }

  @Test
  void aKeyWrittenAsItIsNormalizedWinsOverOneThatOnlyNormalizesToIt() throws Exception {
    AuthFile file =
        write(entry("https://index.docker.io/v1/", "legacy") + "," + entry("docker.io", "plain"));
    assertThat(user(file.lookup("docker.io", "library/busybox"))).isEqualTo("plain");
  }
}
