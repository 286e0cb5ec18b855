package io.caisson.image;

import com.github.luben.zstd.ZstdInputStream;
import io.caisson.linux.SyscallException;
import io.caisson.linux.Syscalls;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one layer tar to an empty diff directory, the way overlayfs expects it: {@code .wh.name}
 * becomes a 0:0 character device, {@code .wh..wh..opq} the {@code trusted.overlay.opaque} xattr on
 * its directory. Ownership, modes (incl. setuid), mtimes, xattrs, hard links, symlinks, devices and
 * fifos are kept. No entry may leave the directory: {@code ..} components are refused, and so is
 * any path whose parent is a symlink (nothing is ever written through a link).
 */
public final class LayerUnpacker {
  private static final Logger log = LoggerFactory.getLogger(LayerUnpacker.class);
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";
  private static final int S_IFIFO = 0010000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;

  /** An entry that would escape the layer root or is otherwise unsafe. */
  static final class UnsafeEntryException extends IOException {
    UnsafeEntryException(String message) {
      super(message);
    }
  }

  enum Compression {
    NONE,
    GZIP,
    ZSTD
  }

  private final Path root;
  private final Set<Path> knownDirs = new HashSet<>();

  /**
   * Directory mtimes, set at the end. An entry that replaces a directory drops what was noted under
   * it: the path may by then be a file (ENOTDIR) or run through a symlink out of the layer.
   */
  private final Map<Path, FileTime> dirTimes = new LinkedHashMap<>();

  private LayerUnpacker(Path root) {
    this.root = root;
  }

  /**
   * Unpacks an uncompressed tar stream into {@code root}, which must exist and be empty. Reads up
   * to the end-of-archive marker; the caller drains the rest for hashing. Also applies a
   * checkpoint's writable-layer diff to a new container's upper dir.
   */
  public static void unpack(InputStream tarStream, Path root) throws IOException {
    new LayerUnpacker(root).run(tarStream);
  }

  /**
   * Wraps {@code in} in the decompressor its magic bytes call for; the media type only produces a
   * warning when it disagrees (registries in the wild mislabel layers).
   */
  static InputStream decompress(InputStream in, String mediaType) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in, 64 * 1024);
    buffered.mark(4);
    byte[] magic = buffered.readNBytes(4);
    buffered.reset();
    Compression actual;
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      actual = Compression.GZIP;
    } else if (magic.length == 4
        && (magic[0] & 0xff) == 0x28
        && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      actual = Compression.ZSTD;
    } else {
      actual = Compression.NONE;
    }
    Compression declared =
        mediaType.endsWith("gzip")
            ? Compression.GZIP
            : mediaType.endsWith("zstd") ? Compression.ZSTD : Compression.NONE;
    if (declared != actual) {
      log.warn(
          "layer declared as {} ({}) is {} by its magic bytes; using {}",
          declared,
          mediaType,
          actual,
          actual);
    }
    return switch (actual) {
      case GZIP -> new GZIPInputStream(buffered, 64 * 1024);
      case ZSTD -> new ZstdInputStream(buffered);
      case NONE -> buffered;
    };
  }

  private void run(InputStream tarStream) throws IOException {
    PaxXattrTap tap = new PaxXattrTap(tarStream);
    TarArchiveInputStream tar = new TarArchiveInputStream(tap, StandardCharsets.UTF_8.name());
    knownDirs.add(root);
    TarArchiveEntry entry;
    while ((entry = tar.getNextEntry()) != null) {
      apply(entry, tar, tap.xattrsOfCurrentEntry());
    }
    // Directory mtimes last: creating children changed them. Deepest first is not needed since
    // setting a directory's times does not touch its parent.
    for (var e : dirTimes.entrySet()) {
      setTimes(e.getKey(), e.getValue());
    }
  }

  private void apply(TarArchiveEntry entry, InputStream data, Map<String, byte[]> xattrs)
      throws IOException {
    List<String> parts = components(entry.getName());
    if (parts.isEmpty()) {
      if (entry.isDirectory()) {
        applyMetadata(root, entry, xattrs, true);
      }
      return;
    }
    String base = parts.getLast();
    Path parent = safeParent(parts, entry.getName());
    if (base.startsWith(WHITEOUT)) {
      if (base.equals(OPAQUE)) {
        Syscalls.lsetxattr(parent, "trusted.overlay.opaque", new byte[] {'y'});
      } else if (!base.startsWith(WHITEOUT + WHITEOUT)) {
        Path target = parent.resolve(base.substring(WHITEOUT.length()));
        checkName(base.substring(WHITEOUT.length()), entry.getName());
        removeExisting(target, false);
        Syscalls.mknod(target, S_IFCHR, 0, 0);
      }
      // other .wh..wh. names (aufs bookkeeping) carry nothing for overlayfs
      return;
    }
    Path path = parent.resolve(base);
    if (entry.isDirectory()) {
      BasicFileAttributes existing = attrs(path);
      if (existing == null || !existing.isDirectory()) {
        removeExisting(path, false);
        Files.createDirectory(path);
      }
      knownDirs.add(path);
      applyMetadata(path, entry, xattrs, true);
    } else if (entry.isSymbolicLink()) {
      removeExisting(path, false);
      Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
      applyMetadata(path, entry, xattrs, false);
    } else if (entry.isLink()) {
      List<String> targetParts = components(entry.getLinkName());
      if (targetParts.isEmpty()) {
        throw new UnsafeEntryException("hard link " + entry.getName() + " to the layer root");
      }
      Path target = safeParent(targetParts, entry.getLinkName()).resolve(targetParts.getLast());
      BasicFileAttributes targetAttrs = attrs(target);
      if (targetAttrs == null) {
        throw new UnsafeEntryException(
            "hard link "
                + entry.getName()
                + " points to "
                + entry.getLinkName()
                + ", which is not in this layer");
      }
      if (targetAttrs.isDirectory()) {
        // link(2) refuses it (EPERM): the archive's fault, not the node's
        throw new UnsafeEntryException(
            "hard link " + entry.getName() + " points to the directory " + entry.getLinkName());
      }
      if (!target.equals(path)) {
        removeExisting(path, false);
        Files.createLink(path, target);
      }
    } else if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
      removeExisting(path, false);
      int type = entry.isFIFO() ? S_IFIFO : entry.isCharacterDevice() ? S_IFCHR : S_IFBLK;
      Syscalls.mknod(
          path, type | (entry.getMode() & 07777), entry.getDevMajor(), entry.getDevMinor());
      applyMetadata(path, entry, xattrs, true);
    } else if (entry.isFile()) {
      removeExisting(path, false);
      try (OutputStream out =
          Files.newOutputStream(
              path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW)) {
        data.transferTo(out);
      }
      applyMetadata(path, entry, xattrs, true);
    } else {
      log.warn("skipping tar entry {} of unsupported type", entry.getName());
    }
  }

  /** Splits a tar path; refuses {@code ..} outright (no legitimate layer needs it). */
  private static List<String> components(String name) throws UnsafeEntryException {
    List<String> out = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new UnsafeEntryException("tar entry " + name + " contains '..'");
      }
      out.add(part);
    }
    return out;
  }

  private static void checkName(String base, String entryName) throws UnsafeEntryException {
    if (base.isEmpty() || base.equals(".") || base.equals("..") || base.contains("/")) {
      throw new UnsafeEntryException("bad whiteout " + entryName);
    }
  }

  /**
   * The parent directory of {@code parts}, creating missing directories; refuses a parent that is a
   * symlink or not a directory, so a link made earlier can never redirect a later write.
   */
  private Path safeParent(List<String> parts, String entryName) throws IOException {
    Path dir = root;
    for (int i = 0; i < parts.size() - 1; i++) {
      dir = dir.resolve(parts.get(i));
      if (knownDirs.contains(dir)) {
        continue;
      }
      BasicFileAttributes a = attrs(dir);
      if (a == null) {
        Files.createDirectory(dir);
      } else if (a.isSymbolicLink()) {
        throw new UnsafeEntryException(
            "tar entry " + entryName + " goes through the symlink " + root.relativize(dir));
      } else if (!a.isDirectory()) {
        throw new UnsafeEntryException(
            "tar entry " + entryName + " needs " + root.relativize(dir) + " to be a directory");
      }
      knownDirs.add(dir);
    }
    return dir;
  }

  private static BasicFileAttributes attrs(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Tar semantics: a later entry replaces an earlier one (a directory only by a directory). */
  private void removeExisting(Path path, boolean keepDir) throws IOException {
    BasicFileAttributes a = attrs(path);
    if (a == null) {
      return;
    }
    if (a.isDirectory()) {
      if (keepDir) {
        return;
      }
      deleteTree(path);
      knownDirs.removeIf(p -> p.startsWith(path));
      dirTimes.keySet().removeIf(p -> p.startsWith(path));
    } else {
      Files.delete(path);
    }
  }

  static void deleteTree(Path path) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW);
    } catch (NoSuchFileException e) {
      return;
    }
    if (a.isDirectory()) {
      try (var children = Files.newDirectoryStream(path)) {
        for (Path child : children) {
          deleteTree(child);
        }
      }
    }
    try {
      Files.delete(path);
    } catch (NoSuchFileException ignored) {
      // already gone
    } catch (DirectoryNotEmptyException e) {
      deleteTree(path);
    }
  }

  private void applyMetadata(
      Path path, TarArchiveEntry entry, Map<String, byte[]> xattrs, boolean chmod)
      throws IOException {
    // chown first: it clears setuid/setgid bits that chmod then restores.
    Files.setAttribute(path, "unix:uid", (int) entry.getLongUserId(), NOFOLLOW);
    Files.setAttribute(path, "unix:gid", (int) entry.getLongGroupId(), NOFOLLOW);
    if (chmod) {
      Files.setAttribute(path, "unix:mode", entry.getMode() & 07777);
    }
    for (var x : xattrs.entrySet()) {
      try {
        Syscalls.lsetxattr(path, x.getKey(), x.getValue());
      } catch (SyscallException e) {
        log.warn(
            "cannot set xattr {} on {}: {}", x.getKey(), root.relativize(path), e.getMessage());
      }
    }
    FileTime mtime = entry.getLastModifiedTime();
    if (mtime != null) {
      if (entry.isDirectory()) {
        dirTimes.put(path, mtime);
      } else {
        setTimes(path, mtime);
      }
    }
  }

  private static void setTimes(Path path, FileTime mtime) throws IOException {
    java.time.Instant t = mtime.toInstant();
    Syscalls.lutimens(path, t.getEpochSecond(), t.getNano());
  }
}
