package io.caisson.checkpoint;

import io.caisson.common.CaissonException;
import io.caisson.json.Json;
import io.caisson.json.JsonRecords;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The checkpoint archive, an uncompressed tar in a layout of Caisson's own:
 *
 * <pre>
 * caisson-metadata.json   {@link CheckpointMetadata}
 * config.json             the container's OCI runtime spec at checkpoint time
 * rootfs-diff.tar         the writable layer's changes, deletions as whiteouts (see {@link RootfsDiff})
 * checkpoint/             CRIU's image files
 * </pre>
 *
 * It is not checkpointctl's layout, which CRI-O, Podman and containerd 2.x share ({@code
 * config.dump} and {@code spec.dump}, {@code rootfs-diff.tar} with the deletions listed apart in
 * {@code deleted.files}, {@code checkpoint/}, logs and statistics): their archives have no {@value
 * #METADATA} and are refused here, and their tools do not read ours. Only the CRIU images are the
 * same kind of thing in both.
 *
 * <p>Reading is defensive: the archive comes from wherever the caller points, so extraction accepts
 * only plain files and directories, and no entry may leave the target directory.
 */
public final class CheckpointArchive {
  public static final String METADATA = "caisson-metadata.json";
  public static final String OCI_CONFIG = "config.json";
  public static final String ROOTFS_DIFF = "rootfs-diff.tar";
  public static final String IMAGES = "checkpoint";

  private static final int METADATA_LIMIT = 16 << 20;
  private static final FileAttribute<?> PRIVATE_DIR =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
  private static final FileAttribute<?> PRIVATE_FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private CheckpointArchive() {}

  /** Writes {@code metadata} into a staging directory, where {@link #write} will find it. */
  public static void writeMetadata(Path staging, CheckpointMetadata metadata) throws IOException {
    Files.write(
        staging.resolve(METADATA),
        Json.pretty(JsonRecords.STANDARD.toTree(metadata)).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Packs the staging directory's archive members into {@code location}, atomically: a temporary
   * file next to it, flushed to disk, then renamed over it. Nothing is left at {@code location} or
   * beside it when this fails.
   */
  public static void write(Path staging, Path location) throws IOException {
    write(staging, location, () -> {});
  }

  /**
   * As {@link #write(Path, Path)}, with {@code check} run before each member and before the rename:
   * what it throws (a deadline that passed) stops the write, and nothing is left.
   */
  public static void write(Path staging, Path location, Runnable check) throws IOException {
    if (!Files.isRegularFile(staging.resolve(METADATA))) {
      throw new IOException("staging directory " + staging + " has no " + METADATA);
    }
    Path parent = location.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(parent, "." + location.getFileName() + ".", ".partial");
    try {
      try (OutputStream file = Files.newOutputStream(temp, StandardOpenOption.WRITE);
          TarArchiveOutputStream tar =
              new TarArchiveOutputStream(
                  new BufferedOutputStream(file, 256 << 10), StandardCharsets.UTF_8.name())) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        for (String member : List.of(METADATA, OCI_CONFIG, ROOTFS_DIFF)) {
          Path path = staging.resolve(member);
          if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            check.run();
            addFile(tar, path, member);
          }
        }
        Path images = staging.resolve(IMAGES);
        if (Files.isDirectory(images, LinkOption.NOFOLLOW_LINKS)) {
          addTree(tar, images, IMAGES, check);
        }
        tar.finish();
      }
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      check.run();
      Files.move(temp, location, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  private static void addFile(TarArchiveOutputStream tar, Path path, String name)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(Files.size(path));
    entry.setMode(0600);
    entry.setModTime(Files.getLastModifiedTime(path));
    tar.putArchiveEntry(entry);
    try (InputStream in = Files.newInputStream(path)) {
      in.transferTo(tar);
    }
    tar.closeArchiveEntry();
  }

  private static void addTree(TarArchiveOutputStream tar, Path root, String prefix, Runnable check)
      throws IOException {
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(name(dir) + "/");
            entry.setMode(0700);
            entry.setModTime(attrs.lastModifiedTime());
            tar.putArchiveEntry(entry);
            tar.closeArchiveEntry();
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (!attrs.isRegularFile()) {
              throw new IOException("CRIU image dir holds " + file + ", which is not a file");
            }
            check.run();
            addFile(tar, file, name(file));
            return FileVisitResult.CONTINUE;
          }

          private String name(Path p) {
            Path rel = root.relativize(p);
            return rel.toString().isEmpty() ? prefix : prefix + "/" + rel;
          }
        });
  }

  /**
   * Whether a CreateContainer image field names a checkpoint archive rather than an image: an
   * absolute path (no image reference starts with '/') to a regular file.
   */
  public static boolean isArchivePath(String image) {
    return image.startsWith("/") && Files.isRegularFile(Path.of(image));
  }

  /**
   * Reads the archive's metadata.
   *
   * @throws CaissonException INVALID_ARGUMENT if the file is not a tar holding a readable {@value
   *     #METADATA}
   */
  public static CheckpointMetadata readMetadata(Path archive) throws IOException {
    try (InputStream file = new BufferedInputStream(Files.newInputStream(archive), 64 << 10);
        TarArchiveInputStream tar =
            new TarArchiveInputStream(file, StandardCharsets.UTF_8.name())) {
      TarArchiveEntry entry;
      while ((entry = nextEntry(tar, archive)) != null) {
        if (entry.isFile() && clean(entry.getName()).equals(METADATA)) {
          byte[] bytes = tar.readNBytes(METADATA_LIMIT + 1);
          if (bytes.length > METADATA_LIMIT) {
            throw CaissonException.invalid("%s in %s is too large", METADATA, archive);
          }
          return parse(bytes, archive);
        }
      }
    }
    throw CaissonException.invalid(
        "%s is not a checkpoint archive: it holds no %s", archive, METADATA);
  }

  private static CheckpointMetadata parse(byte[] bytes, Path archive) {
    CheckpointMetadata metadata;
    try {
      metadata = JsonRecords.STANDARD.read(bytes, CheckpointMetadata.class);
    } catch (IOException e) {
      throw CaissonException.invalid(
          "%s in %s is not readable: %s", METADATA, archive, e.getMessage());
    }
    if (metadata.version() < 1 || metadata.version() > CheckpointMetadata.VERSION) {
      throw CaissonException.invalid(
          "%s has checkpoint format version %d; this Caisson reads version %d",
          archive, metadata.version(), CheckpointMetadata.VERSION);
    }
    if (metadata.imageRef() == null || metadata.imageRef().isEmpty()) {
      throw CaissonException.invalid("%s names no image in its metadata", archive);
    }
    return metadata;
  }

  private static TarArchiveEntry nextEntry(TarArchiveInputStream tar, Path archive) {
    try {
      return tar.getNextEntry();
    } catch (IOException | IllegalArgumentException e) {
      throw CaissonException.invalid(
          "%s is not a readable tar archive: %s", archive, e.getMessage());
    }
  }

  /**
   * Unpacks the archive into {@code target} (an existing, empty directory), readable by root alone:
   * directories 0700, files 0600, as the memory pages and the environment (secrets) of the dumped
   * processes are in there. Only files and directories are accepted; an absolute name, a {@code ..}
   * component, a link, a device, a sparse file or a name seen before is refused before anything is
   * written for it, and the files together may not hold more bytes than the archive itself (a
   * sparse entry of a few bytes expands to gigabytes of zeros).
   *
   * @throws CaissonException INVALID_ARGUMENT for an unsafe or unreadable archive
   */
  public static void extract(Path archive, Path target) throws IOException {
    List<String> seen = new ArrayList<>();
    long budget = Files.size(archive);
    try (InputStream file = new BufferedInputStream(Files.newInputStream(archive), 256 << 10);
        TarArchiveInputStream tar =
            new TarArchiveInputStream(file, StandardCharsets.UTF_8.name())) {
      TarArchiveEntry entry;
      while ((entry = nextEntry(tar, archive)) != null) {
        String name = entry.getName();
        String rel = safeName(name, archive);
        if (rel.isEmpty()) {
          continue;
        }
        Path path = target.resolve(rel).normalize();
        if (!path.startsWith(target) || path.equals(target)) {
          throw CaissonException.invalid("%s: entry %s leaves the archive", archive, name);
        }
        if (entry.isSparse()) {
          throw CaissonException.invalid(
              "%s: entry %s is a sparse file; a checkpoint archive holds none", archive, name);
        }
        if (entry.isDirectory()) {
          directories(path, archive, name);
        } else if (isPlainFile(entry)) {
          directories(path.getParent(), archive, name);
          budget -= copy(tar, create(path, archive, name), budget, archive, name);
          seen.add(rel);
        } else {
          throw CaissonException.invalid(
              "%s: entry %s is a %s; a checkpoint archive holds only files and directories",
              archive, name, kind(entry));
        }
      }
    }
    if (!seen.contains(METADATA)) {
      throw CaissonException.invalid(
          "%s is not a checkpoint archive: it holds no %s", archive, METADATA);
    }
  }

  private static void directories(Path dir, Path archive, String name) throws IOException {
    try {
      Files.createDirectories(dir, PRIVATE_DIR);
    } catch (FileAlreadyExistsException e) {
      throw CaissonException.invalid("%s: entry %s clashes with a file before it", archive, name);
    }
  }

  private static OutputStream create(Path path, Path archive, String name) throws IOException {
    try {
      return Channels.newOutputStream(
          Files.newByteChannel(
              path, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), PRIVATE_FILE));
    } catch (FileAlreadyExistsException e) {
      throw CaissonException.invalid("%s: entry %s appears twice", archive, name);
    }
  }

  /** Copies the entry's bytes into {@code out} (closed after), at most {@code budget} of them. */
  private static long copy(InputStream in, OutputStream out, long budget, Path archive, String name)
      throws IOException {
    long copied = 0;
    try (out) {
      byte[] buf = new byte[64 << 10];
      int n;
      while ((n = in.read(buf)) >= 0) {
        copied += n;
        if (copied > budget) {
          throw CaissonException.invalid(
              "%s: entry %s holds more bytes than the archive itself", archive, name);
        }
        out.write(buf, 0, n);
      }
    }
    return copied;
  }

  /**
   * Refuses a layer diff inside an archive that has sparse entries: {@link RootfsDiff} never writes
   * one, and applying it would expand each to its full size (a size bomb). Without them, the diff
   * unpacks to no more bytes than it has.
   *
   * @throws CaissonException INVALID_ARGUMENT naming the sparse entry, or an unreadable tar
   */
  public static void requireNoSparseEntries(Path diff, Path archive) throws IOException {
    try (InputStream file = new BufferedInputStream(Files.newInputStream(diff), 64 << 10);
        TarArchiveInputStream tar =
            new TarArchiveInputStream(file, StandardCharsets.UTF_8.name())) {
      TarArchiveEntry entry;
      while ((entry = nextEntry(tar, archive)) != null) {
        if (entry.isSparse()) {
          throw CaissonException.invalid(
              "%s: its %s holds a sparse file, %s; a layer diff holds none",
              archive, ROOTFS_DIFF, entry.getName());
        }
      }
    }
  }

  private static boolean isPlainFile(TarArchiveEntry entry) {
    byte flag = entry.getLinkFlag();
    return flag == TarArchiveEntry.LF_NORMAL
        || flag == TarArchiveEntry.LF_OLDNORM
        || flag == TarArchiveEntry.LF_CONTIG;
  }

  private static String kind(TarArchiveEntry entry) {
    if (entry.isSymbolicLink()) {
      return "symbolic link";
    }
    if (entry.isLink()) {
      return "hard link";
    }
    if (entry.isCharacterDevice() || entry.isBlockDevice()) {
      return "device";
    }
    if (entry.isFIFO()) {
      return "fifo";
    }
    return "special entry";
  }

  /** The entry's name relative to the archive root, or an error if it could leave it. */
  static String safeName(String name, Path archive) {
    if (name.startsWith("/")) {
      throw CaissonException.invalid("%s: entry %s has an absolute path", archive, name);
    }
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw CaissonException.invalid("%s: entry %s has a '..' component", archive, name);
      }
      parts.add(part);
    }
    return String.join("/", parts);
  }

  private static String clean(String name) {
    return name.startsWith("./") ? name.substring(2) : name;
  }
}
