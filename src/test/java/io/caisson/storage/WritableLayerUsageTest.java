package io.caisson.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.stats.DirUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WritableLayerUsageTest {
  @TempDir Path dir;

  private Instant now = Instant.parse("2026-11-20T10:00:00Z");
  private final InstantSource clock = () -> now;

  @Test
  void aContainersWritesShowOnceTheReadingIsTenSecondsOld() throws Exception {
    OverlayRootfs storage = new OverlayRootfs(dir);
    WritableLayerUsage usage = new WritableLayerUsage(storage, Duration.ofSeconds(10), clock);
    Path upper = Files.createDirectories(storage.layer("c1").upper());
    Files.createDirectories(storage.layer("c1").work());
    Files.write(upper.resolve("a"), new byte[64 * 1024]);

    DirUsage before = usage.of("c1").value();
    assertThat(before.inodes()).isEqualTo(2); // upper and a

    Files.write(upper.resolve("b"), new byte[64 * 1024]);
    now = now.plusSeconds(5);
    assertThat(usage.of("c1").value()).as("within the window: not walked again").isEqualTo(before);

    now = now.plusSeconds(5);
    DirUsage after = usage.of("c1").value();
    assertThat(after.inodes()).isEqualTo(3);
    assertThat(after.bytes()).isGreaterThanOrEqualTo(before.bytes() + 64 * 1024);
  }

  @Test
  void allCountsEveryContainersDirectoryAndDropsRemovedOnes() throws Exception {
    OverlayRootfs storage = new OverlayRootfs(dir);
    WritableLayerUsage usage = new WritableLayerUsage(storage, Duration.ofSeconds(10), clock);
    for (String id : new String[] {"c1", "c2"}) {
      Files.write(
          Files.createDirectories(storage.layer(id).upper()).resolve("file"), new byte[4096]);
      Files.createDirectories(storage.layer(id).work());
    }
    // An image's declared volume: ImageFsInfo's container filesystem, not the writable layer.
    Path volume = Files.createDirectories(storage.volumesDir("c2").resolve("v1"));
    Files.write(volume.resolve("data"), new byte[1 << 20]);

    assertThat(usage.of("c2").value().bytes()).isLessThan(1 << 20);
    DirUsage all = usage.all();
    // dir; per container: its dir, upper, file, work; c2's volumes, v1, data.
    assertThat(all.inodes()).isEqualTo(1 + 4 + 4 + 3);
    assertThat(all.bytes()).isGreaterThanOrEqualTo(1 << 20);

    storage.delete("c2");
    usage.forget("c2");
    assertThat(usage.all().inodes()).isEqualTo(1 + 4);
  }
}
