package io.caisson.stats;

import io.caisson.linux.FileStatuses;
import io.caisson.linux.FileStatuses.FileStatus;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Bytes and inodes a directory tree takes: symbolic links not followed, other filesystems mounted
 * inside the tree (a container's volumes) skipped, and a hard-linked file counted once. Bytes are
 * the blocks allocated, as du and cAdvisor count them: a sparse file of 4 GiB holding a few pages
 * takes a few pages, and kubelet evicts pods on these numbers.
 *
 * @param bytes the entries' allocated bytes
 * @param inodes distinct inodes, the root directory included
 */
public record DirUsage(long bytes, long inodes) {
  private record Inode(long dev, long ino) {}

  /** Usage of the tree at {@code root}; zeros when it does not exist. */
  public static DirUsage of(Path root) throws IOException {
    return of(root, Set.of());
  }

  /**
   * Usage of the tree at {@code root} without the subtrees at {@code skipped} (paths as the walk
   * meets them: {@code root.resolve(...)}), which are measured and cached apart.
   */
  public static DirUsage of(Path root, Set<Path> skipped) throws IOException {
    try (FileStatuses statuses = new FileStatuses()) {
      Optional<FileStatus> top = statuses.lstat(root);
      if (top.isEmpty()) {
        return new DirUsage(0, 0);
      }
      long device = top.get().device();
      Set<Inode> seen = new HashSet<>();
      long[] totals = new long[2];
      // walkFileTree does not follow links unless asked to; each entry's status says which device
      // it is on, so a mount point below the root is recognised.
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
                throws IOException {
              if (skipped.contains(dir)) {
                return FileVisitResult.SKIP_SUBTREE;
              }
              Optional<FileStatus> status = statuses.lstat(dir);
              if (status.isEmpty() || status.get().device() != device) {
                return FileVisitResult.SKIP_SUBTREE; // gone, or a mount point: not ours to count
              }
              count(status.get());
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              statuses
                  .lstat(file)
                  .filter(status -> status.device() == device)
                  .ifPresent(this::count);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              return FileVisitResult.CONTINUE; // removed while we walked, or unreadable
            }

            private void count(FileStatus status) {
              if (status.links() < 2 || seen.add(new Inode(status.device(), status.inode()))) {
                totals[0] += status.allocatedBytes();
                totals[1]++;
              }
            }
          });
      return new DirUsage(totals[0], totals[1]);
    }
  }

  /** Both together: trees that share no inode. */
  public DirUsage plus(DirUsage other) {
    return new DirUsage(bytes + other.bytes, inodes + other.inodes);
  }
}
