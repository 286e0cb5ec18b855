package io.caisson.stats;

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

  /** mountinfo lines: "id parent major:minor root mountpoint options ... - fstype source opts". */
  static String parse(String mountinfo, String mountpoint) {
    String found = mountpoint;
    for (String line : mountinfo.split("\n")) {
      String[] fields = line.split(" ");
      int dash = line.indexOf(" - ");
      if (fields.length < 5 || dash < 0 || !fields[4].equals(mountpoint)) {
        continue;
      }
      String[] tail = line.substring(dash + 3).split(" ");
      if (tail.length >= 2) {
        found = tail[1]; // the last mount on a point is the visible one
      }
    }
    return found;
  }
}
