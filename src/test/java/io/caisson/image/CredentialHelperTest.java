package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The docker credential helper protocol, with helper scripts of the test's own on a PATH. */
class CredentialHelperTest {
  @TempDir Path bin;

  private void helper(String name, String body) throws Exception {
    Path file = Files.writeString(bin.resolve("docker-credential-" + name), "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void aTokenUserIsAnIdentityTokenAndAnyOtherABasicLogin() throws Exception {
    helper(
        "token",
        "read -r s; echo '{\"ServerURL\": \"'$s'\", \"Username\": \"<token>\", \"Secret\": \"t0k\"}'\n");
    helper("basic", "read -r s; echo '{\"Username\": \"bob\", \"Secret\": \"pw-for-'$s'\"}'\n");
    CredentialHelper helpers = new CredentialHelper(List.of(bin.resolve("absent"), bin));
    assertThat(helpers.get("token", "r.example"))
        .isEqualTo(new Credentials(null, null, null, "t0k", null));
    assertThat(helpers.get("basic", "r.example"))
        .isEqualTo(Credentials.basic("bob", "pw-for-r.example"));
  }

  @Test
  void nothingMissingFailingOrMalformedIsNoCredentials() throws Exception {
    helper("none", "echo 'credentials not found in native keychain'; exit 1\n");
    helper("broken", "echo 'boom' >&2; exit 3\n");
    helper("garbage", "echo 'not json'\n");
    CredentialHelper helpers = new CredentialHelper(List.of(bin));
    for (String name : List.of("none", "broken", "garbage", "absent", "../none", "")) {
      assertThat(helpers.get(name, "r.example")).as(name).isEqualTo(Credentials.NONE);
    }
  }

  @Test
  void aPathIsItsNonEmptyDirectories() {
    assertThat(CredentialHelper.directories("/usr/local/bin::/usr/bin"))
        .containsExactly(Path.of("/usr/local/bin"), Path.of("/usr/bin"));
    assertThat(CredentialHelper.directories(null)).isEmpty();
  }
}
