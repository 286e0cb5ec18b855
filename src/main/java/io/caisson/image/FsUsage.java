package io.caisson.image;

import io.caisson.stats.DirUsage;
import io.caisson.storage.DiskUsage;
import java.io.IOException;
import java.nio.file.Path;

/** Space a directory tree takes and the filesystem it is on, for ImageFsInfo. */
public record FsUsage(long timestampNanos, Path mountpoint, long usedBytes, long inodesUsed) {

  /** Bytes and inodes under {@code dir} (hard links counted once) and its mount point, now. */
  public static FsUsage measure(Path dir) throws IOException {
    DirUsage totals = DirUsage.of(dir);
    return new FsUsage(
        System.currentTimeMillis() * 1_000_000L,
        DiskUsage.mountpointOf(dir),
        totals.bytes(),
        totals.inodes());
  }
}
