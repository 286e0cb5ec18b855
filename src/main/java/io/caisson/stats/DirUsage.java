package io.caisson.stats;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Bytes and inodes a directory tree takes: symbolic links not followed, other filesystems mounted
 * inside the tree (a container's volumes) skipped, and a hard-linked file counted once. Bytes are
 * apparent sizes: Java's attribute views do not expose st_blocks.
 *
 * @param bytes the sum of the entries' sizes
 * @param inodes distinct inodes, the root directory included
 */
public record DirUsage(long bytes, long inodes) {
  private record Inode(long dev, long ino) {}

  /** Usage of the tree at {@code root}; zeros when it does not exist. */
  public static DirUsage of(Path root) throws IOException {
    Map<String, Object> top;
    try {
      top = Files.readAttributes(root, "unix:dev", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return new DirUsage(0, 0);
    }
    long device = (Long) top.get("dev");
    Set<Inode> seen = new HashSet<>();
    long[] totals = new long[2];
    // walkFileTree does not follow links unless asked to; each entry's unix attributes say which
    // device it is on, so a mount point below the root is recognised.
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Map<String, Object> unix = unix(dir);
            if (unix == null) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            if ((Long) unix.get("dev") != device) {
              return FileVisitResult.SKIP_SUBTREE; // a mount point: not ours to count
            }
            count(unix);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Map<String, Object> unix = unix(file);
            if (unix != null && (Long) unix.get("dev") == device) {
              count(unix);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult.CONTINUE; // removed while we walked, or unreadable
          }

          private void count(Map<String, Object> unix) {
            Inode inode = new Inode((Long) unix.get("dev"), (Long) unix.get("ino"));
            if ((Integer) unix.get("nlink") < 2 || seen.add(inode)) {
              totals[0] += (Long) unix.get("size");
              totals[1]++;
            }
          }
        });
    return new DirUsage(totals[0], totals[1]);
  }

  private static Map<String, Object> unix(Path path) throws IOException {
    try {
      return Files.readAttributes(path, "unix:dev,ino,nlink,size", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
