package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.linux.Syscalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Needs root (chown, mknod, trusted.* xattrs). */
class LayerUnpackerIT {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  @TempDir Path tmp;

  private Path unpack(byte[] tar) throws Exception {
    Path root = Files.createTempDirectory(tmp, "diff");
    LayerUnpacker.unpack(new ByteArrayInputStream(tar), root);
    return root;
  }

  /**
   * A layer's bytes are the image's: mutated archives (seeded, {@code -Dfuzz.seed=N} replays)
   * unpack or fail with an IOException, never another exception, and never write outside the layer.
   */
  @Test
  void mutatedArchivesUnpackOrFailWithAnIoException() throws Exception {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    java.util.Random random = new java.util.Random(seed);
    byte[] tar =
        new TarBuilder()
            .dir("bin", 0755)
            .file("bin/busybox", new byte[] {1, 2, 3}, 0755, 0, 0)
            .hardlink("bin/sh", "bin/busybox")
            .rawPax(Map.of("SCHILY.xattr.security.capability", PaxXattrTapTest.CAP))
            .file("usr/bin/ping", new byte[] {7}, 0755, 0, 0)
            .symlink("lib", "usr/lib")
            .file("etc/.wh.passwd", "", 0644)
            .device("dev/null", TarConstants.LF_CHR, 1, 3, 0666)
            .build();
    for (int i = 0; i < 300; i++) {
      byte[] mutated = tar.clone();
      for (int n = random.nextInt(6) + 1; n > 0; n--) {
        mutated[random.nextInt(Math.min(mutated.length, 4096))] = (byte) random.nextInt(256);
      }
      Path root = Files.createDirectories(tmp.resolve("fuzz-" + i));
      try {
        LayerUnpacker.unpack(new ByteArrayInputStream(mutated), root);
      } catch (java.io.IOException expected) {
        // A clear refusal.
      } catch (RuntimeException e) {
        throw new AssertionError("mutation " + i + " (seed " + seed + ") threw " + e, e);
      }
      LayerUnpacker.deleteTree(root);
    }
    // Each layer was tmp/fuzz-N and is gone: an entry that escaped it would be left in tmp.
    try (var left = Files.list(tmp)) {
      assertThat(left.toList()).isEmpty();
    }
  }

  @Test
  void keepsOwnershipModesTimesLinksDevicesAndBinaryXattrs() throws Exception {
    TarBuilder b =
        new TarBuilder()
            .dir("./", 0755)
            .dir("bin", 0755)
            .file("bin/busybox", new byte[] {1, 2, 3}, 0755, 0, 0);
    for (int i = 0; i < 400; i++) {
      b.hardlink("bin/applet" + i, "bin/busybox");
    }
    b.rawPax(Map.of("SCHILY.xattr.security.capability", PaxXattrTapTest.CAP))
        .file("usr/local/bin/nnp", new byte[] {7}, 04755, 0, 0)
        .file("home/u/f", new byte[] {9}, 0640, 1000, 1001)
        .symlink("bin/sh", "/bin/busybox")
        .device("dev/null", TarConstants.LF_CHR, 1, 3, 0666)
        .device("dev/fifo", TarConstants.LF_FIFO, 0, 0, 0600);
    Path root = unpack(b.build());

    Path busybox = root.resolve("bin/busybox");
    assertThat(Files.getAttribute(busybox, "unix:nlink")).isEqualTo(401);
    assertThat(Files.getAttribute(root.resolve("bin/applet399"), "unix:ino"))
        .isEqualTo(Files.getAttribute(busybox, "unix:ino"));
    assertThat((int) Files.getAttribute(root.resolve("usr/local/bin/nnp"), "unix:mode") & 07777)
        .isEqualTo(04755);
    assertThat(Syscalls.lgetxattr(root.resolve("usr/local/bin/nnp"), "security.capability"))
        .isEqualTo(PaxXattrTapTest.CAP);
    Path f = root.resolve("home/u/f");
    assertThat(Files.getAttribute(f, "unix:uid")).isEqualTo(1000);
    assertThat(Files.getAttribute(f, "unix:gid")).isEqualTo(1001);
    assertThat((int) Files.getAttribute(f, "unix:mode") & 07777).isEqualTo(0640);
    assertThat(Files.getLastModifiedTime(f)).isEqualTo(TarBuilder.MTIME);
    assertThat(Files.getLastModifiedTime(root.resolve("bin"))).isEqualTo(TarBuilder.MTIME);
    assertThat(Files.readSymbolicLink(root.resolve("bin/sh"))).isEqualTo(Path.of("/bin/busybox"));
    int devMode = (int) Files.getAttribute(root.resolve("dev/null"), "unix:mode");
    assertThat(devMode & 0170000).isEqualTo(0020000);
    assertThat(devMode & 07777).isEqualTo(0666);
    assertThat(Files.getAttribute(root.resolve("dev/null"), "unix:rdev")).isEqualTo(0x103L);
    assertThat((int) Files.getAttribute(root.resolve("dev/fifo"), "unix:mode") & 0170000)
        .isEqualTo(0010000);
  }

  @Test
  void whiteoutsBecomeOverlayWhiteouts() throws Exception {
    Path root =
        unpack(
            new TarBuilder()
                .dir("etc", 0755)
                .file("etc/.wh.removed", "", 0644)
                .dir("var/cache", 0755)
                .file("var/cache/.wh..wh..opq", "", 0644)
                .file("var/cache/new", "n", 0644)
                .build());
    Path wh = root.resolve("etc/removed");
    assertThat((int) Files.getAttribute(wh, "unix:mode", NOFOLLOW) & 0170000).isEqualTo(0020000);
    assertThat(Files.getAttribute(wh, "unix:rdev", NOFOLLOW)).isEqualTo(0L);
    assertThat(Files.exists(root.resolve("etc/.wh.removed"), NOFOLLOW)).isFalse();
    assertThat(Syscalls.lgetxattr(root.resolve("var/cache"), "trusted.overlay.opaque"))
        .containsExactly('y');
    assertThat(Files.exists(root.resolve("var/cache/.wh..wh..opq"), NOFOLLOW)).isFalse();
    assertThat(root.resolve("var/cache/new")).hasContent("n");
  }

  @Test
  void gzipAndZstdAreDetectedByMagic() throws Exception {
    byte[] tar = new TarBuilder().file("x", "hello", 0644).build();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(tar);
    }
    byte[] zst = com.github.luben.zstd.Zstd.compress(tar);
    for (byte[] blob : new byte[][] {tar, gz.toByteArray(), zst}) {
      Path root = Files.createTempDirectory(tmp, "d");
      // the media type is deliberately wrong: the magic bytes decide
      LayerUnpacker.unpack(
          LayerUnpacker.decompress(
              new ByteArrayInputStream(blob), "application/vnd.oci.image.layer.v1.tar"),
          root);
      assertThat(root.resolve("x")).hasContent("hello");
    }
  }

  @Test
  void dotDotIsRejected() {
    byte[] tar = new TarBuilder().file("a/../../escape", "x", 0644).build();
    assertThatThrownBy(() -> unpack(tar))
        .isInstanceOf(LayerUnpacker.UnsafeEntryException.class)
        .hasMessageContaining("..");
    assertThat(tmp.resolve("escape")).doesNotExist();
  }

  @Test
  void writingThroughASymlinkIsRejected() throws Exception {
    Path outside = Files.createDirectory(tmp.resolve("outside"));
    byte[] tar =
        new TarBuilder()
            .symlink("evil", outside.toString())
            .file("evil/planted", "x", 0644)
            .build();
    assertThatThrownBy(() -> unpack(tar))
        .isInstanceOf(LayerUnpacker.UnsafeEntryException.class)
        .hasMessageContaining("symlink");
    assertThat(outside.resolve("planted")).doesNotExist();
    byte[] relative =
        new TarBuilder().symlink("up", "../../..").file("up/tmp/planted", "x", 0644).build();
    assertThatThrownBy(() -> unpack(relative))
        .isInstanceOf(LayerUnpacker.UnsafeEntryException.class);
  }

  /**
   * A directory's mtime is set after the last entry; an entry that replaced the directory took what
   * was under it along. Else the time went through a symlink now in its place, out of the layer, or
   * hit a file there (ENOTDIR).
   */
  @Test
  void aReplacedDirectoryLeavesNoMtimeBehindToSet() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside/victim"));
    FileTime before = Files.getLastModifiedTime(outside);
    Path root =
        unpack(
            new TarBuilder()
                .dir("x", 0755)
                .dir("x/victim", 0755)
                .symlink("x", tmp.resolve("outside").toString())
                .dir("a", 0755)
                .dir("a/b", 0755)
                .file("a", "now a file", 0644)
                .dir("w", 0755)
                .dir("w/gone", 0755)
                .file("w/.wh.gone", "", 0644)
                .build());
    assertThat(Files.getLastModifiedTime(outside)).isEqualTo(before);
    assertThat(Files.readSymbolicLink(root.resolve("x"))).isEqualTo(tmp.resolve("outside"));
    assertThat(root.resolve("a")).hasContent("now a file");
    assertThat(Files.getLastModifiedTime(root.resolve("w"))).isEqualTo(TarBuilder.MTIME);
  }

  @Test
  void hardLinkOutsideTheLayerIsRejected() {
    byte[] tar = new TarBuilder().hardlink("passwd", "../../etc/passwd").build();
    assertThatThrownBy(() -> unpack(tar)).isInstanceOf(LayerUnpacker.UnsafeEntryException.class);
    byte[] toDir = new TarBuilder().dir("etc", 0755).hardlink("etc2", "etc").build();
    assertThatThrownBy(() -> unpack(toDir))
        .isInstanceOf(LayerUnpacker.UnsafeEntryException.class)
        .hasMessageContaining("directory etc");
    byte[] abs = new TarBuilder().hardlink("passwd", "/etc/passwd").build();
    // an absolute link name is taken relative to the layer root: absent there, so refused
    assertThatThrownBy(() -> unpack(abs)).isInstanceOf(LayerUnpacker.UnsafeEntryException.class);
  }
}
