package io.caisson.common;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Directories searched in order for an executable, as a shell searches PATH. */
public record SearchPath(List<Path> dirs) {
  public SearchPath {
    dirs = List.copyOf(dirs);
  }

  /** The directories of a PATH value; empty entries dropped, null or empty: none. */
  public static SearchPath parse(String path) {
    if (path == null || path.isEmpty()) {
      return new SearchPath(List.of());
    }
    return new SearchPath(
        Arrays.stream(path.split(":")).filter(s -> !s.isEmpty()).map(Path::of).toList());
  }

  /** The first regular, executable file of that name. */
  public Optional<Path> find(String name) {
    for (Path dir : dirs) {
      Path candidate = dir.resolve(name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
