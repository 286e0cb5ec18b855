package io.caisson.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads /proc and /sys files. {@code Files.readString} trusts the size these files report and can
 * return a truncated value (seen: "4" for a cap_last_cap of "40"), so they are read as a stream
 * until end of file.
 */
public final class ProcFiles {
  private ProcFiles() {}

  public static String read(Path path) throws IOException {
    try (InputStream in = Files.newInputStream(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
  }
}
