package io.caisson.oci;

import java.time.Instant;
import java.util.Map;

/** {@code runc state}: the runtime's view of one container. */
public record RuncState(
    String ociVersion,
    String id,
    long pid,
    String status,
    String bundle,
    String rootfs,
    String created,
    Map<String, String> annotations) {

  public enum Status {
    CREATING,
    CREATED,
    RUNNING,
    PAUSED,
    STOPPED,
    UNKNOWN
  }

  /** The creation time, or null when runc gave none. */
  public Instant createdAt() {
    return created == null || created.isEmpty() ? null : Instant.parse(created);
  }

  public Status parsedStatus() {
    return switch (status == null ? "" : status) {
      case "creating" -> Status.CREATING;
      case "created" -> Status.CREATED;
      case "running" -> Status.RUNNING;
      case "paused" -> Status.PAUSED;
      case "stopped" -> Status.STOPPED;
      default -> Status.UNKNOWN;
    };
  }
}
