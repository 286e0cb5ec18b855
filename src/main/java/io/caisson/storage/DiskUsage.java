package io.caisson.storage;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/** Disk usage of a directory tree and the mountpoint of the filesystem it lives on. */
public final class DiskUsage {
  private DiskUsage() {}

  /** {bytes, inodes}; hard-linked files (busybox images have hundreds) count once. */
  public static long[] measure(Path root) throws IOException {
    Set<Object> seen = new HashSet<>();
    long[] totals = new long[2];
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            count(attrs);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            count(attrs);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult.CONTINUE; // removed while we walked
          }

          private void count(BasicFileAttributes attrs) {
            Object key = attrs.fileKey();
            if (key == null || seen.add(key)) {
              totals[0] += attrs.size();
              totals[1]++;
            }
          }
        });
    return totals;
  }

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
