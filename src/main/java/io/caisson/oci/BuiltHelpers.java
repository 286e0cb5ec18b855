package io.caisson.oci;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The native helpers the build puts next to the jar ({@code target/native}, from src/main/c): the
 * exec helper and the container monitor. Looked up on every exec and every Status call, so the
 * jar's directory is found once; whether a helper is there is asked each time.
 */
final class BuiltHelpers {
  /** The directory holding the jar (or target/classes), or null when it cannot be told. */
  private static final Path BESIDE_JAR = besideJar();

  private BuiltHelpers() {}

  /** {@code relative} (e.g. "native/caisson-exec") beside the jar, when it is built. */
  static Optional<Path> find(String relative) {
    if (BESIDE_JAR == null) {
      return Optional.empty();
    }
    Path helper = BESIDE_JAR.resolve(relative);
    return Files.isExecutable(helper) ? Optional.of(helper) : Optional.empty();
  }

  private static Path besideJar() {
    try {
      return Path.of(BuiltHelpers.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .getParent();
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }
}
