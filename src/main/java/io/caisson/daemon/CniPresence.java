package io.caisson.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** NetworkReady until pod networking is wired in: is there any CNI network config at all. */
final class CniPresence implements Supplier<Optional<Readiness.NotReady>> {
  private final Path confDir;

  CniPresence(Path confDir) {
    this.confDir = confDir;
  }

  @Override
  public Optional<Readiness.NotReady> get() {
    try (Stream<Path> files = Files.list(confDir)) {
      if (files.anyMatch(CniPresence::isNetworkConfig)) {
        return Optional.empty();
      }
    } catch (IOException e) {
      // A missing directory means the same as an empty one.
    }
    return Optional.of(
        new Readiness.NotReady(
            "NetworkPluginNotReady", "no CNI network config found in " + confDir));
  }

  private static boolean isNetworkConfig(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".conflist") || name.endsWith(".conf") || name.endsWith(".json");
  }
}
