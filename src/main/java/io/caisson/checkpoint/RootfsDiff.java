package io.caisson.checkpoint;

import io.caisson.linux.SyscallException;
import io.caisson.linux.Syscalls;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Packs an overlayfs upper directory (a container's writable layer) as a layer tar in the OCI
 * image-layer format: a whiteout (0:0 character device) becomes an empty {@code .wh.NAME} file, an
 * opaque directory gets a {@code .wh..wh..opq} entry. Ownership, modes, mtimes, symlinks, hard
 * links, devices and fifos are kept; sockets are left out (no one can restore a bound socket from a
 * file), and so are extended attributes other than the opaque marker. Applying it is image layer
 * unpacking, which turns the whiteouts back into what overlayfs expects.
 */
public final class RootfsDiff {
  private static final String OPAQUE_XATTR = "trusted.overlay.opaque";
  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFIFO = 0010000;
  private static final int S_IFSOCK = 0140000;

  private RootfsDiff() {}

  /** Writes the tar of {@code upper}'s contents to {@code tarFile}. */
  public static void write(Path upper, Path tarFile) throws IOException {
    write(upper, tarFile, () -> {});
  }

  /**
   * As {@link #write(Path, Path)}, with {@code check} run before each entry: what it throws (a
   * deadline that passed) stops the write.
   */
  public static void write(Path upper, Path tarFile, Runnable check) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tarFile), 256 << 10)) {
      write(upper, out, check);
    }
  }

  /** Writes the tar of {@code upper}'s contents to {@code out} (left open). */
  public static void write(Path upper, OutputStream out) throws IOException {
    write(upper, out, () -> {});
  }

  private static void write(Path upper, OutputStream out, Runnable check) throws IOException {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    Map<Object, String> linksByInode = new HashMap<>();
    Files.walkFileTree(
        upper,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            if (dir.equals(upper)) {
              return FileVisitResult.CONTINUE;
            }
            check.run();
            String name = name(upper, dir);
            TarArchiveEntry entry = new TarArchiveEntry(name + "/");
            owner(entry, dir);
            tar.putArchiveEntry(entry);
            tar.closeArchiveEntry();
            if (isOpaque(dir)) {
              empty(tar, name + "/.wh..wh..opq", attrs.lastModifiedTime());
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            check.run();
            entry(tar, upper, file, linksByInode);
            return FileVisitResult.CONTINUE;
          }
        });
    tar.finish();
  }

  private static void entry(
      TarArchiveOutputStream tar, Path upper, Path file, Map<Object, String> linksByInode)
      throws IOException {
    String name = name(upper, file);
    Map<String, Object> unix =
        Files.readAttributes(file, "unix:mode,rdev,ino,dev,nlink", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) unix.get("mode");
    int type = mode & S_IFMT;
    if (type == S_IFSOCK) {
      return;
    }
    if (type == S_IFCHR && ((Long) unix.get("rdev")) == 0) {
      Path parent = Path.of(name).getParent();
      String whiteout = ".wh." + file.getFileName();
      empty(
          tar,
          parent == null ? whiteout : parent + "/" + whiteout,
          Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS));
      return;
    }
    TarArchiveEntry entry;
    if (Files.isSymbolicLink(file)) {
      entry = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
      entry.setLinkName(Files.readSymbolicLink(file).toString());
    } else if (type == S_IFCHR || type == S_IFBLK || type == S_IFIFO) {
      byte flag =
          type == S_IFCHR
              ? TarArchiveEntry.LF_CHR
              : type == S_IFBLK ? TarArchiveEntry.LF_BLK : TarArchiveEntry.LF_FIFO;
      entry = new TarArchiveEntry(name, flag);
      long rdev = (Long) unix.get("rdev");
      entry.setDevMajor((int) (((rdev >>> 32) & 0xfffff000L) | ((rdev >>> 8) & 0xfffL)));
      entry.setDevMinor((int) (((rdev >>> 12) & 0xffffff00L) | (rdev & 0xffL)));
    } else {
      Object inode = java.util.List.of(unix.get("dev"), unix.get("ino"));
      String first = ((Integer) unix.get("nlink")) > 1 ? linksByInode.get(inode) : null;
      if (first != null) {
        entry = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK);
        entry.setLinkName(first);
        owner(entry, file);
        entry.setSize(0);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
        return;
      }
      if (((Integer) unix.get("nlink")) > 1) {
        linksByInode.put(inode, name);
      }
      entry = new TarArchiveEntry(name);
      entry.setSize(Files.size(file));
    }
    owner(entry, file);
    tar.putArchiveEntry(entry);
    if (entry.isFile() && entry.getSize() > 0) {
      try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
        copyExactly(in, tar, entry.getSize());
      }
    }
    tar.closeArchiveEntry();
  }

  /**
   * Copies exactly {@code size} bytes: a running container may grow or shrink the file while it is
   * read, and the tar header already promised this size.
   */
  private static void copyExactly(InputStream in, OutputStream out, long size) throws IOException {
    byte[] buf = new byte[64 << 10];
    long left = size;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        break;
      }
      out.write(buf, 0, n);
      left -= n;
    }
    java.util.Arrays.fill(buf, (byte) 0);
    while (left > 0) {
      int n = (int) Math.min(buf.length, left);
      out.write(buf, 0, n);
      left -= n;
    }
  }

  private static void owner(TarArchiveEntry entry, Path path) throws IOException {
    Map<String, Object> unix =
        Files.readAttributes(path, "unix:mode,uid,gid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    entry.setMode(((Integer) unix.get("mode")) & 07777);
    entry.setUserId(((Integer) unix.get("uid")).longValue());
    entry.setGroupId(((Integer) unix.get("gid")).longValue());
    entry.setModTime((FileTime) unix.get("lastModifiedTime"));
  }

  private static void empty(TarArchiveOutputStream tar, String name, FileTime mtime)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(0);
    entry.setMode(0644);
    entry.setModTime(mtime);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
  }

  private static boolean isOpaque(Path dir) {
    try {
      byte[] value = Syscalls.lgetxattr(dir, OPAQUE_XATTR); // null: an ordinary directory
      return value != null && value.length == 1 && value[0] == 'y';
    } catch (SyscallException e) {
      return false; // a filesystem without trusted xattrs has no opaque directories
    }
  }

  private static String name(Path root, Path path) {
    return root.relativize(path).toString();
  }
}
