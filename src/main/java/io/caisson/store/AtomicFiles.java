package io.caisson.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Crash-safe file replacement: write a temp file beside the target, fsync it, rename it over the
 * target, fsync the directory. A kill at any point leaves the old content or the new, never a mix.
 *
 * <p>{@link #replace} is the same without the fsyncs: still all-or-nothing against a killed process
 * (the rename is atomic and the page cache survives the process), but an operating-system crash may
 * roll it back to the previous version. It is for facts the next boot recomputes anyway, which
 * saves two disk flushes (several milliseconds here) on hot paths.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void write(Path target, byte[] content) throws IOException {
    write(target, content, true);
  }

  /** Atomic against a killed process, not durable against a crash of the machine. */
  public static void replace(Path target, byte[] content) throws IOException {
    write(target, content, false);
  }

  private static void write(Path target, byte[] content, boolean durable) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp =
        dir.resolve(
            "."
                + target.getFileName()
                + ".tmp-"
                + ProcessHandle.current().pid()
                + "-"
                + Thread.currentThread().threadId());
    try (FileChannel channel =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      if (durable) {
        channel.force(true);
      }
    }
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.deleteIfExists(temp);
      throw e;
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

  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
