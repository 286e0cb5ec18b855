package io.caisson.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real overlay mounts; needs root. */
class OverlayRootfsIT {
  @TempDir Path tmp;

  /**
   * An image of no layers (FROM scratch with metadata only; OCI allows it) gets an empty root
   * filesystem the container can write to, as under containerd and CRI-O.
   */
  @Test
  void anImageOfNoLayersGetsAnEmptyWritableRoot() throws Exception {
    OverlayRootfs storage = new OverlayRootfs(tmp.resolve("containers"));
    Path rootfs = tmp.resolve("rootfs");
    storage.mount("c1", List.of(), rootfs);
    try {
      try (var entries = Files.list(rootfs)) {
        assertThat(entries.toList()).isEmpty();
      }
      Files.writeString(rootfs.resolve("written"), "x");
      assertThat(storage.layer("c1").upper().resolve("written")).hasContent("x");
    } finally {
      OverlayRootfs.unmount(rootfs);
    }
    storage.delete("c1");
    assertThat(tmp.resolve("containers/c1")).doesNotExist();
  }
}
