package io.caisson.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.UUID;

/**
 * Crash-safe file replacement: write a temp file beside the target, fsync it, rename it over the
 * target, fsync the directory. A kill at any point leaves the old content or the new, never a mix.
 *
 * <p>{@link #replace} is the same without the fsyncs: still all-or-nothing against a killed process
 * (the rename is atomic and the page cache survives the process), but an operating-system crash may
 * roll it back to the previous version. It is for facts the next boot recomputes or discards
 * anyway, which saves two disk flushes (several milliseconds here) on hot paths.
 *
 * <p>The variants taking a mode ({@code "rw-------"}) give the file exactly that mode, whatever the
 * umask; the others leave it to the umask.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void write(Path target, byte[] content) throws IOException {
    write(target, content, null, true);
  }

  public static void write(Path target, byte[] content, String mode) throws IOException {
    write(target, content, PosixFilePermissions.fromString(mode), true);
  }

  /** Atomic against a killed process, not durable against a crash of the machine. */
  public static void replace(Path target, byte[] content) throws IOException {
    write(target, content, null, false);
  }

  /** {@link #replace(Path, byte[])} with the file's mode. */
  public static void replace(Path target, byte[] content, String mode) throws IOException {
    write(target, content, PosixFilePermissions.fromString(mode), false);
  }

  private static void write(
      Path target, byte[] content, Set<PosixFilePermission> mode, boolean durable)
      throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = dir.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
    FileAttribute<?>[] attributes =
        mode == null
            ? new FileAttribute<?>[0]
            : new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)};
    try {
      try (FileChannel channel =
          FileChannel.open(
              temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        if (durable) {
          channel.force(true);
        }
      }
      if (mode != null) {
        Files.setPosixFilePermissions(temp, mode); // the umask may have narrowed it at creation
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (FileSystemException e) {
      throw e;
    } catch (IOException e) {
      // A failed write() names no file ("No space left on device"): name the one being written.
      FileSystemException named = new FileSystemException(target.toString(), null, e.getMessage());
      named.initCause(e);
      throw named;
    } finally {
      Files.deleteIfExists(temp);
    }
    if (durable) {
      syncDirectory(dir);
    }
  }

  /** Deletes the file and makes the deletion durable. */
  public static void delete(Path target) throws IOException {
    if (Files.deleteIfExists(target)) {
      syncDirectory(target.toAbsolutePath().getParent());
    }
  }

  /** fsync of a directory, making renames and deletions in it durable. */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
