package io.caisson.streaming;

import io.caisson.json.Json;
import io.caisson.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How an exec or attach session ended, as written on the error stream. The v4 protocols (and v5)
 * carry a JSON {@code metav1.Status} — clients read the exit code from it; the older ones carry
 * only a failure message, and nothing at all on success.
 */
sealed interface SessionStatus {

  record Success() implements SessionStatus {}

  record NonZeroExit(List<String> cmd, int code) implements SessionStatus {
    String message() {
      return "command terminated with non-zero exit code: error executing command %s, exit code %d"
          .formatted(cmd, code);
    }
  }

  /** The session could not run (start failed, attach refused, ...). */
  record Failed(String message) implements SessionStatus {}

  /** The bytes for the error stream; empty means write nothing. */
  default byte[] encode(boolean v4) {
    if (!v4) {
      String message =
          switch (this) {
            case Success s -> "";
            case NonZeroExit e -> e.message();
            case Failed f -> f.message();
          };
      return message.getBytes(StandardCharsets.UTF_8);
    }
    JsonObject status = new JsonObject();
    status.putObject("metadata");
    switch (this) {
      case Success s -> status.put("status", "Success");
      case NonZeroExit e -> {
        status.put("status", "Failure");
        status.put("message", e.message());
        status.put("reason", "NonZeroExitCode");
        status
            .putObject("details")
            .putArray("causes")
            .addObject()
            .put("reason", "ExitCode")
            .put("message", Integer.toString(e.code()));
      }
      case Failed f -> {
        status.put("status", "Failure");
        status.put("message", "Internal error occurred: " + f.message());
        status.put("reason", "InternalError");
        status.putObject("details").putArray("causes").addObject().put("message", f.message());
        status.put("code", 500);
      }
    }
    return Json.bytes(status);
  }
}
