package io.caisson.stats;

import io.caisson.linux.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The device a mount point comes from, as /proc/self/mountinfo names it (cAdvisor's "device"). */
public final class MountSource {
  private MountSource() {}

  /**
   * The source of the mount at exactly {@code mountpoint}, or the mount point itself if unknown.
   */
  public static String of(Path mountpoint) {
    try {
      return parse(Files.readString(Path.of("/proc/self/mountinfo")), mountpoint.toString());
    } catch (IOException e) {
      return mountpoint.toString();
    }
  }

  /** The source of the last mount listed at exactly {@code mountpoint}: the visible one. */
  static String parse(String mountinfo, String mountpoint) {
    String found = mountpoint;
    for (MountTable.Mount mount : MountTable.parse(mountinfo).mounts()) {
      if (mount.mountPoint().equals(Path.of(mountpoint))) {
        found = mount.source();
      }
    }
    return found;
  }
}
