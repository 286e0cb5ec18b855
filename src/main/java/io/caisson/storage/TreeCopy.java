package io.caisson.storage;

import io.caisson.linux.SyscallException;
import io.caisson.linux.Syscalls;
import java.io.IOException;
import java.nio.file.CopyOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Copies a directory tree as it is: owners, modes (set-id bits too), times and extended attributes
 * of every entry (but the extended attributes of special files), symbolic links as links (never
 * followed), device nodes, fifos and sockets as nodes, and files linked more than once as one file
 * linked as often. What docker and containerd give a volume that starts with an image's content.
 */
public final class TreeCopy {
  private static final CopyOption[] AS_IS = {
    StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS
  };

  private TreeCopy() {}

  /**
   * Copies the directory {@code source} to {@code target}, which must not exist yet; its parent
   * must.
   */
  public static void copy(Path source, Path target) throws IOException {
    Map<Object, Path> linked = new HashMap<>();
    Files.walkFileTree(
        source,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Files.copy(dir, to(dir), AS_IS);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Path copy = to(file);
            if (attrs.isOther()) {
              copyNode(file, copy);
              return FileVisitResult.CONTINUE;
            }
            if (attrs.isRegularFile() && attrs.fileKey() != null && linkCount(file) > 1) {
              Path first = linked.putIfAbsent(attrs.fileKey(), copy);
              if (first != null) {
                Files.createLink(copy, first);
                return FileVisitResult.CONTINUE;
              }
            }
            Files.copy(file, copy, AS_IS);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException failure)
              throws IOException {
            if (failure != null) {
              throw failure;
            }
            // Entries made inside it moved its modification time on.
            FileTime modified = Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS);
            Files.setLastModifiedTime(to(dir), modified);
            return FileVisitResult.CONTINUE;
          }

          private Path to(Path entry) {
            return target.resolve(source.relativize(entry).toString());
          }
        });
  }

  /**
   * A fifo, socket or device node, made anew: the JDK's copy would open a fifo and wait for a
   * writer, and read a device's data instead of making its node.
   */
  private static void copyNode(Path node, Path copy) throws IOException {
    Map<String, Object> unix =
        Files.readAttributes(node, "unix:mode,rdev,uid,gid", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) unix.get("mode");
    long rdev = (Long) unix.get("rdev");
    int major = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
    int minor = (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
    try {
      Syscalls.mknod(copy, mode & ~07777 | 0600, major, minor);
      Files.setAttribute(copy, "unix:uid", unix.get("uid"), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(copy, "unix:gid", unix.get("gid"), LinkOption.NOFOLLOW_LINKS);
      // After the owner (chown(2) clears set-id bits). Following links, so by path (chmod(2)):
      // without following, the JDK opens the file first, and opening a fifo waits for a writer.
      Files.setAttribute(copy, "unix:mode", mode & 07777);
      // By path too: the JDK sets times through a descriptor it opens.
      Instant modified = Files.getLastModifiedTime(node, LinkOption.NOFOLLOW_LINKS).toInstant();
      Syscalls.lutimens(copy, modified.getEpochSecond(), modified.getNano());
    } catch (SyscallException e) {
      throw new IOException("cannot make " + copy + " as " + node + " is: " + e.getMessage(), e);
    }
  }

  private static int linkCount(Path file) throws IOException {
    return (Integer) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
  }
}
