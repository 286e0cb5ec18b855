package io.caisson.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.caisson.linux.Syscalls;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeCopyTest {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  @TempDir Path dir;

  @Test
  void copiesEveryKindOfEntryAsItIs() throws Exception {
    Path source = Files.createDirectories(dir.resolve("source"));
    Path sub = Files.createDirectories(source.resolve("private"));
    Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwx------"));
    Path file = Files.writeString(sub.resolve("seed"), "from the image");
    Files.setAttribute(file, "unix:mode", 04750); // set-uid, which PosixFilePermissions cannot say
    Files.createLink(source.resolve("second-name"), file);
    Files.createSymbolicLink(source.resolve("to-node"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(source.resolve("dangling"), Path.of("nowhere"));
    Path fifo = source.resolve("pipe");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    FileTime old = FileTime.fromMillis(1_000_000_000_000L);
    Files.setLastModifiedTime(sub, old);
    Files.setLastModifiedTime(source, old);

    Path target = dir.resolve("target");
    TreeCopy.copy(source, target);

    assertThat(Files.readString(target.resolve("private/seed"))).isEqualTo("from the image");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("private"))))
        .isEqualTo("rwx------");
    assertThat((int) Files.getAttribute(target.resolve("private/seed"), "unix:mode") & 07777)
        .isEqualTo(04750);
    assertThat(Files.getAttribute(target.resolve("second-name"), "unix:ino"))
        .isEqualTo(Files.getAttribute(target.resolve("private/seed"), "unix:ino"));
    assertThat(Files.getAttribute(target.resolve("second-name"), "unix:nlink")).isEqualTo(2);
    assertThat(Files.readSymbolicLink(target.resolve("to-node"))).isEqualTo(Path.of("/etc/passwd"));
    assertThat(Files.readSymbolicLink(target.resolve("dangling"))).isEqualTo(Path.of("nowhere"));
    assertThat(Files.readAttributes(target.resolve("pipe"), "unix:mode", NOFOLLOW).get("mode"))
        .isEqualTo(Files.readAttributes(fifo, "unix:mode", NOFOLLOW).get("mode"));
    assertThat(Files.isRegularFile(target.resolve("pipe"), NOFOLLOW)).isFalse();
    assertThat(Files.getLastModifiedTime(target.resolve("pipe"), NOFOLLOW))
        .isEqualTo(Files.getLastModifiedTime(fifo, NOFOLLOW));
    assertThat(Files.getLastModifiedTime(target.resolve("private"))).isEqualTo(old);
    assertThat(Files.getLastModifiedTime(target)).isEqualTo(old);
  }

  @Test
  void ownersAreKept() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "changing owners needs root");
    Path source = Files.createDirectories(dir.resolve("source"));
    Path file = Files.writeString(source.resolve("www"), "x");
    Files.setAttribute(source, "unix:uid", 33);
    Files.setAttribute(source, "unix:gid", 50);
    Files.setAttribute(file, "unix:uid", 1234);
    Files.setAttribute(file, "unix:gid", 5678);
    Files.createSymbolicLink(source.resolve("link"), Path.of("www"));
    Files.setAttribute(source.resolve("link"), "unix:uid", 7, NOFOLLOW);
    // A device node: its major and minor numbers, as /dev/null's (1, 3), not its data.
    Syscalls.mknod(source.resolve("null"), 0020666, 1, 3);
    Files.setAttribute(source.resolve("null"), "unix:uid", 33, NOFOLLOW);

    Path target = dir.resolve("target");
    TreeCopy.copy(source, target);

    assertThat(Files.getAttribute(target, "unix:uid")).isEqualTo(33);
    assertThat(Files.getAttribute(target, "unix:gid")).isEqualTo(50);
    assertThat(Files.getAttribute(target.resolve("www"), "unix:uid")).isEqualTo(1234);
    assertThat(Files.getAttribute(target.resolve("www"), "unix:gid")).isEqualTo(5678);
    assertThat(Files.getAttribute(target.resolve("link"), "unix:uid", NOFOLLOW)).isEqualTo(7);
    assertThat(Files.readAttributes(target.resolve("null"), "unix:rdev,uid,mode", NOFOLLOW))
        .isEqualTo(Files.readAttributes(source.resolve("null"), "unix:rdev,uid,mode", NOFOLLOW));
  }
}
