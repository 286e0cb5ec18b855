package io.caisson.storage;

import io.caisson.linux.MountTable;
import java.io.IOException;
import java.nio.file.Path;

/** The mountpoint of the filesystem a path lives on (sizes: {@link io.caisson.stats.DirUsage}). */
public final class DiskUsage {
  private DiskUsage() {}

  /** {bytes, inodes}; hard-linked files (busybox images have hundreds) count once. */

  /** The longest mount point in /proc/self/mountinfo that contains {@code path}. */
  public static Path mountpointOf(Path path) throws IOException {
    return MountTable.ofThisProcess().holding(path.toRealPath()).mountPoint();
  }
}
