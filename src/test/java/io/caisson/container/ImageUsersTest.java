package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageUsersTest {
  private final ImageUsers users =
      ImageUsers.parse(
          """
          root:x:0:0:root:/root:/bin/sh
          www-data:x:33:33:www-data:/var/www:/bin/false
          default-user:x:1000:1000::/home/default-user:/bin/sh
          """,
          """
          root:x:0:
          www-data:x:33:
          staff:x:50:www-data
          group-defined-in-image:x:50000:default-user
          """);

  @Test
  void numericUsersNeedNotExist() {
    assertThat(users.resolve("1002", null, List.of()))
        .isEqualTo(new ImageUsers.Identity(1002, 0, List.of(0L)));
  }

  /** The primary group leads the supplementary ones (CVE-2023-25173), as containerd lists it. */
  @Test
  void namesResolveWithTheirPrimaryAndImageGroups() {
    assertThat(users.resolve("www-data", null, List.of()))
        .isEqualTo(new ImageUsers.Identity(33, 33, List.of(33L, 50L)));
    assertThat(users.resolve("1000", null, List.of(1234L)))
        .isEqualTo(new ImageUsers.Identity(1000, 1000, List.of(1000L, 1234L, 50000L)));
    assertThat(users.resolve("1000", null, List.of(1234L), false))
        .isEqualTo(new ImageUsers.Identity(1000, 1000, List.of(1000L, 1234L)));
  }

  @Test
  void anExplicitGroupWins() {
    assertThat(users.resolve("www-data", "1004", List.of()).gid()).isEqualTo(1004);
    assertThat(users.resolve("1003", "staff", List.of()).gid()).isEqualTo(50);
  }

  @Test
  void unknownNamesAreErrors() {
    assertThatThrownBy(() -> users.resolve("nobody-here", null, List.of()))
        .isInstanceOf(CaissonException.class)
        .hasMessageContaining("nobody-here");
    assertThatThrownBy(() -> users.resolve("0", "nogroup-here", List.of()))
        .isInstanceOf(CaissonException.class);
  }

  @Test
  void theDefaultIsRoot() {
    assertThat(users.resolve("", null, List.of()))
        .isEqualTo(new ImageUsers.Identity(0, 0, List.of(0L)));
  }

  @Test
  void anEtcLinkOutOfTheRootfsIsNotFollowed(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path host = java.nio.file.Files.createDirectories(dir.resolve("host-etc"));
    java.nio.file.Files.writeString(host.resolve("passwd"), "leaked:x:4242:4242::/:/bin/sh\n");
    java.nio.file.Path rootfs = java.nio.file.Files.createDirectories(dir.resolve("rootfs"));
    java.nio.file.Files.createSymbolicLink(rootfs.resolve("etc"), host);
    assertThatThrownBy(() -> ImageUsers.read(rootfs).resolve("leaked", null, List.of()))
        .isInstanceOf(CaissonException.class);
  }
}
