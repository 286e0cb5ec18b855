package io.caisson.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.image.LayerUnpacker;
import io.caisson.linux.Syscalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writable layer with everything overlayfs puts there (whiteouts, opaque dirs, links, fifos,
 * foreign owners) survives RootfsDiff and image-layer unpacking. Needs root (mknod, trusted.*).
 */
class RootfsDiffIT {
  @TempDir Path dir;

  @Test
  void anUpperDirRoundTripsThroughTheLayerFormat() throws Exception {
    Path upper = Files.createDirectories(dir.resolve("upper"));
    Files.createDirectories(upper.resolve("etc/app"));
    Files.writeString(upper.resolve("etc/app/conf"), "setting=1\n");
    Files.setAttribute(upper.resolve("etc/app/conf"), "unix:uid", 1234, LinkOption.NOFOLLOW_LINKS);
    // after chown, which clears setuid
    Files.setAttribute(upper.resolve("etc/app/conf"), "unix:mode", 04750);
    Files.createLink(upper.resolve("etc/app/conf.hard"), upper.resolve("etc/app/conf"));
    Files.createSymbolicLink(upper.resolve("etc/app/link"), Path.of("conf"));
    Syscalls.mknod(upper.resolve("etc/gone"), 0020000, 0, 0); // whiteout
    Files.createDirectories(upper.resolve("var/opaque"));
    Syscalls.lsetxattr(upper.resolve("var/opaque"), "trusted.overlay.opaque", new byte[] {'y'});
    Files.writeString(upper.resolve("var/opaque/new"), "fresh");
    Syscalls.mknod(upper.resolve("var/fifo"), 0010000 | 0640, 0, 0);
    Syscalls.mknod(upper.resolve("var/null"), 0020000 | 0666, 1, 3);

    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    RootfsDiff.write(upper, tar);

    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new ByteArrayInputStream(tar.toByteArray()))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        names.add(e.getName());
      }
    }
    assertThat(names)
        .contains("etc/.wh.gone", "var/opaque/.wh..wh..opq")
        .doesNotContain("etc/gone");

    Path restored = Files.createDirectories(dir.resolve("restored"));
    LayerUnpacker.unpack(new ByteArrayInputStream(tar.toByteArray()), restored);

    assertThat(restored.resolve("etc/app/conf")).hasContent("setting=1\n");
    assertThat(Files.getAttribute(restored.resolve("etc/app/conf"), "unix:uid")).isEqualTo(1234);
    assertThat((Integer) Files.getAttribute(restored.resolve("etc/app/conf"), "unix:mode") & 07777)
        .isEqualTo(04750);
    assertThat(Files.getAttribute(restored.resolve("etc/app/conf"), "unix:ino"))
        .isEqualTo(Files.getAttribute(restored.resolve("etc/app/conf.hard"), "unix:ino"));
    assertThat(Files.readSymbolicLink(restored.resolve("etc/app/link"))).isEqualTo(Path.of("conf"));
    Path whiteout = restored.resolve("etc/gone");
    assertThat(
            (Integer) Files.getAttribute(whiteout, "unix:mode", LinkOption.NOFOLLOW_LINKS)
                & 0170000)
        .isEqualTo(0020000);
    assertThat(Files.getAttribute(whiteout, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0L);
    assertThat(Syscalls.lgetxattr(restored.resolve("var/opaque"), "trusted.overlay.opaque"))
        .containsExactly('y');
    assertThat(restored.resolve("var/opaque/new")).hasContent("fresh");
    assertThat((Integer) Files.getAttribute(restored.resolve("var/fifo"), "unix:mode") & 0170000)
        .isEqualTo(0010000);
    assertThat(Files.getAttribute(restored.resolve("var/null"), "unix:rdev"))
        .isEqualTo(Files.getAttribute(upper.resolve("var/null"), "unix:rdev"));
  }
}
