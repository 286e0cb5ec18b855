package io.caisson.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Files the runtime drivers leave beside their work (specs, pid files): harmless if one stays. */
final class ScratchFiles {
  private ScratchFiles() {}

  /** Deletes the file if it is there; a failure leaves it, which its caller can live with. */
  static void deleteQuietly(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // Left behind: each caller's file is scratch that nothing reads again.
    }
  }
}
