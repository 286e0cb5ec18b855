package io.caisson.network;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;

/**
 * Small files that must be whole after a crash: temp file, fsync, rename, fsync of the dir. {@link
 * #replace} skips the two fsyncs, for files in the volatile state dir that a reboot discards
 * anyway.
 */
final class StateFiles {
  private StateFiles() {}

  static void write(Path target, byte[] data, String permissions) throws IOException {
    write(target, data, permissions, true);
  }

  /** Atomic against a killed daemon, not durable against a crash of the machine. */
  static void replace(Path target, byte[] data, String permissions) throws IOException {
    write(target, data, permissions, false);
  }

  private static void write(Path target, byte[] data, String permissions, boolean durable)
      throws IOException {
    Path dir = target.getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions)))) {
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        if (durable) {
          ch.force(true);
        }
      }
      // The umask may have narrowed the mode given at creation.
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(permissions));
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    if (durable) {
      syncDir(dir);
    }
  }

  static void syncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
