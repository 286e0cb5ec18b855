package io.caisson.oci;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The native helpers the build puts next to the jar ({@code target/native}, from src/main/c): the
 * exec helper and the container monitor.
 */
final class BuiltHelpers {
  private BuiltHelpers() {}

  /** {@code relative} (e.g. "native/caisson-exec") beside the jar, when it is built. */
  static Optional<Path> find(String relative) {
    try {
      Path origin =
          Path.of(BuiltHelpers.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path helper = origin.getParent().resolve(relative);
      return Files.isExecutable(helper) ? Optional.of(helper) : Optional.empty();
    } catch (URISyntaxException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
