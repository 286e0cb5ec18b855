package io.caisson.container;

import io.caisson.common.CaissonException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Where a container's CRI log goes: inside its pod's log directory, and a path Linux can open. */
final class LogPaths {
  /** Linux's NAME_MAX and PATH_MAX: a longer log path could never be opened. */
  private static final int NAME_MAX = 255;

  private static final int PATH_MAX = 4095;

  /** Where a container's log goes when its pod names no log directory. */
  private static final Path RUNTIME_LOGS = Path.of("/var/log/caisson");

  private LogPaths() {}

  /** The CRI log path: relative to the pod's log directory, never outside it. */
  static Path of(String logDirectory, String logPath, String id) {
    Path path = unbounded(logDirectory, logPath, id);
    if (path.toString().indexOf(':') >= 0) {
      // conmon takes the path as "k8s-file:PATH" and cuts it at the next colon: it would write
      // another file than the one reported, perhaps one another container writes too.
      throw CaissonException.invalid("log path %s has a ':', which conmon cannot take", path);
    }
    if (path.toString().getBytes(StandardCharsets.UTF_8).length > PATH_MAX) {
      throw CaissonException.invalid("log path %s is longer than %d bytes", path, PATH_MAX);
    }
    for (Path name : path) {
      if (name.toString().getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
        throw CaissonException.invalid(
            "log path %s has a name longer than %d bytes", path, NAME_MAX);
      }
    }
    return path;
  }

  /**
   * Whether {@code path} is the log the runtime chose itself for container {@code id} (its pod
   * named no log directory): nobody else knows of that file, so it goes with the container.
   */
  static boolean isRuntimeChosen(Path path, String id) {
    return path.equals(RUNTIME_LOGS.resolve(id + ".log"));
  }

  private static Path unbounded(String logDirectory, String logPath, String id) {
    if (logDirectory.isEmpty()) {
      if (!logPath.isEmpty() && Path.of(logPath).isAbsolute()) {
        return Path.of(logPath).normalize();
      }
      return RUNTIME_LOGS.resolve(id + ".log");
    }
    Path dir = Path.of(logDirectory).normalize();
    if (logPath.isEmpty()) {
      return dir.resolve(id + ".log");
    }
    Path resolved = dir.resolve(logPath).normalize();
    if (!resolved.startsWith(dir) || resolved.equals(dir)) {
      throw CaissonException.invalid(
          "log_path %s escapes the pod's log directory %s", logPath, logDirectory);
    }
    return resolved;
  }
}
