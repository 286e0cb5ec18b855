package io.caisson.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserNamespaceSupportTest {
  @TempDir Path dir;

  @Test
  void findsTheFirstDirectoryOthersCannotSearch() throws Exception {
    Path closed = Files.createDirectories(dir.resolve("closed"));
    Path inside = Files.createDirectories(closed.resolve("state/run"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
    assertThat(UserNamespaceSupport.firstUnsearchable(inside)).isEqualTo(closed);
    Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx--x--x"));
    assertThat(UserNamespaceSupport.firstUnsearchable(inside)).isNull();
    // Not there yet: the daemon creates it with its usual permissions.
    assertThat(UserNamespaceSupport.firstUnsearchable(inside.resolve("later/on"))).isNull();
  }
}
