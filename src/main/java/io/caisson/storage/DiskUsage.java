package io.caisson.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The mountpoint of the filesystem a path lives on (sizes: {@link io.caisson.stats.DirUsage}). */
public final class DiskUsage {
  private DiskUsage() {}

  /** {bytes, inodes}; hard-linked files (busybox images have hundreds) count once. */

  /** The longest mount point in /proc/self/mountinfo that contains {@code path}. */
  public static Path mountpointOf(Path path) throws IOException {
    Path real = path.toRealPath();
    Path best = Path.of("/");
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length < 5) {
        continue;
      }
      Path mp = Path.of(unescape(f[4]));
      if (real.startsWith(mp) && mp.getNameCount() >= best.getNameCount()) {
        best = mp;
      }
    }
    return best;
  }

  /** mountinfo escapes space, tab, newline and backslash as octal. */
  private static String unescape(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
