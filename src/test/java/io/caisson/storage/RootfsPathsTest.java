package io.caisson.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootfsPathsTest {
  @TempDir Path root;

  @BeforeEach
  void image() throws Exception {
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/passwd"), "root:x:0:0::/:/bin/sh\n");
    Files.createDirectories(root.resolve("var/lib"));
    Files.createSymbolicLink(root.resolve("absolute"), Path.of("/etc"));
    Files.createSymbolicLink(root.resolve("var/lib/climbing"), Path.of("../../../../../etc"));
    Files.createSymbolicLink(root.resolve("var/lib/sibling"), Path.of("../lib/../../etc/passwd"));
    Files.createSymbolicLink(root.resolve("loop-a"), Path.of("loop-b"));
    Files.createSymbolicLink(root.resolve("loop-b"), Path.of("/loop-a"));
    Files.createSymbolicLink(root.resolve("dangling"), Path.of("/made/later"));
  }

  @Test
  void plainPathsAreJoinedToTheRoot() throws Exception {
    assertThat(RootfsPaths.resolve(root, "/etc/passwd")).isEqualTo(root.resolve("etc/passwd"));
    assertThat(RootfsPaths.resolve(root, "//etc/./passwd/")).isEqualTo(root.resolve("etc/passwd"));
    assertThat(RootfsPaths.resolve(root, "/")).isEqualTo(root);
  }

  @Test
  void linksAreFollowedWithTheRootfsAsTheirRoot() throws Exception {
    // Each of these would name the node's /etc if followed by the node's own rules.
    assertThat(RootfsPaths.resolve(root, "/absolute")).isEqualTo(root.resolve("etc"));
    assertThat(RootfsPaths.resolve(root, "/absolute/passwd")).isEqualTo(root.resolve("etc/passwd"));
    assertThat(RootfsPaths.resolve(root, "/var/lib/climbing")).isEqualTo(root.resolve("etc"));
    assertThat(RootfsPaths.resolve(root, "/var/lib/sibling")).isEqualTo(root.resolve("etc/passwd"));
    assertThat(RootfsPaths.resolve(root, "/../../etc")).isEqualTo(root.resolve("etc"));
  }

  @Test
  void whatDoesNotExistIsAppendedWhereTheWalkStopped() throws Exception {
    assertThat(RootfsPaths.resolve(root, "/dangling/deeper"))
        .isEqualTo(root.resolve("made/later/deeper"));
    assertThat(RootfsPaths.resolve(root, "/absolute/new/dir"))
        .isEqualTo(root.resolve("etc/new/dir"));
    assertThat(RootfsPaths.resolve(root, "/missing/../../../x")).isEqualTo(root.resolve("x"));
  }

  @Test
  void loopingLinksAreRefused() {
    assertThatThrownBy(() -> RootfsPaths.resolve(root, "/loop-a/x"))
        .isInstanceOf(CaissonException.class)
        .hasMessageContaining("/loop-a/x in the container's root filesystem: too many levels");
  }
}
