package io.caisson.oci;

import io.caisson.common.CaissonException;
import io.caisson.common.CaissonException.Kind;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;

/**
 * Turns runc's stderr into a readable message and a category. runc runs with {@code --log-format
 * json}, so failures arrive as lines like {@code {"level":"error","msg":"container does not
 * exist"}}; conmon forwards the same text in its sync-pipe message.
 */
final class RuncErrors {
  private RuncErrors() {}

  /** The error messages of runc's output joined, or the trimmed text when it is not JSON. */
  static String message(String stderr) {
    StringBuilder sb = new StringBuilder();
    for (String line : stderr.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty()) {
        continue;
      }
      String msg = trimmed;
      if (trimmed.startsWith("{")) {
        try {
          JsonValue node = Json.parse(trimmed);
          String level = node.path("level").asText("");
          if (!level.equals("error") && !level.equals("fatal")) {
            continue;
          }
          msg = node.path("msg").asText(trimmed);
        } catch (java.io.IOException e) {
          // Not JSON after all: keep the raw line.
        }
      }
      if (!sb.isEmpty()) {
        sb.append("; ");
      }
      sb.append(msg);
    }
    return sb.isEmpty() ? "(no error output)" : sb.toString();
  }

  /** A CaissonException for a failed {@code runc <verb>} on container {@code id}. */
  static CaissonException failure(String verb, String id, String stderr, int exitCode) {
    String msg = message(stderr);
    Kind kind = kindOf(msg);
    return new CaissonException(
        kind, "runc " + verb + " " + id + " failed (exit " + exitCode + "): " + msg);
  }

  /**
   * What a failed {@code runc create} means for CreateContainer: besides a taken id, the request's
   * fault when runc refused its values or the container's command cannot be run from the image
   * (runc create execs it in the new container); anything else is the runtime's.
   */
  static Kind createKindOf(String msg) {
    Kind kind = kindOf(msg);
    return kind == Kind.ALREADY_EXISTS || kind == Kind.INVALID_ARGUMENT ? kind : Kind.INTERNAL;
  }

  /** runc's init could not exec the command: it is missing, not executable, or not a file. */
  private static boolean commandNotRunnable(String msg) {
    String m = msg.toLowerCase();
    return m.contains("exec:")
        && (m.contains("no such file or directory")
            || m.contains("executable file not found")
            || m.contains("permission denied")
            || m.contains("not a directory"));
  }

  /**
   * What conmon's stderr means when it exited before runc answered: the one request value conmon
   * itself opens is the log path; anything else is the runtime's.
   */
  static Kind conmonExitKindOf(String stderr) {
    return stderr.toLowerCase().contains("failed to open log file")
        ? Kind.INVALID_ARGUMENT
        : Kind.INTERNAL;
  }

  static Kind kindOf(String msg) {
    // Before "not found": runc's "executable file not found" is the command's fault, not a
    // missing container's.
    if (commandNotRunnable(msg)) {
      return Kind.INVALID_ARGUMENT;
    }
    String m = msg.toLowerCase();
    if (m.contains("does not exist") || m.contains("not found")) {
      return Kind.NOT_FOUND;
    }
    if (m.contains("already exists") || m.contains("id already in use")) {
      return Kind.ALREADY_EXISTS;
    }
    if (m.contains("not running")
        || m.contains("not stopped")
        || m.contains("cannot start")
        || m.contains("cannot delete")
        || m.contains("is paused")
        || m.contains("stopped container")
        // a memory limit below what the container already uses: the kernel will not reclaim it
        || m.contains("unable to set memory limit")) {
      return Kind.FAILED_PRECONDITION;
    }
    if (m.contains("invalid argument")
        || m.contains("numerical result out of range") // a cgroup value (cpuset) the node lacks
        || m.contains("invalid configuration")
        || m.contains("maximum allowed") // runc's own bounds on a resource value
        || m.contains("minimum allowed")) {
      return Kind.INVALID_ARGUMENT;
    }
    return Kind.INTERNAL;
  }
}
