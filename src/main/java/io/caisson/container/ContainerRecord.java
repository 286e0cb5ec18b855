package io.caisson.container;

import java.util.List;

/**
 * What Caisson keeps about a container besides its CRI config; persisted as JSON and replaced whole
 * on every change. Times are nanoseconds since the epoch, 0 when not reached yet.
 *
 * @param imageRef what the container was asked to run (tag or digest reference)
 * @param imageId the image's id (config digest) the container actually runs
 * @param logPath the absolute CRI log file, or empty when the pod has no log directory
 * @param imageNames the image's name and pullable digest reference for the status; null in records
 *     written before they were kept
 */
public record ContainerRecord(
    String id,
    String sandboxId,
    String name,
    int attempt,
    String imageRef,
    String imageId,
    ContainerState state,
    long createdAtNanos,
    long startedAtNanos,
    long finishedAtNanos,
    int exitCode,
    String reason,
    String message,
    String logPath,
    String bundle,
    long pid,
    String stopSignal,
    long uid,
    long gid,
    List<Long> groups,
    ImageNames imageNames) {

  ContainerRecord started(long pidNow, long atNanos) {
    return new ContainerRecord(
        id,
        sandboxId,
        name,
        attempt,
        imageRef,
        imageId,
        ContainerState.RUNNING,
        createdAtNanos,
        atNanos,
        finishedAtNanos,
        exitCode,
        reason,
        message,
        logPath,
        bundle,
        pidNow,
        stopSignal,
        uid,
        gid,
        groups,
        imageNames);
  }

  ContainerRecord exited(int code, long atNanos, String why, String detail) {
    return new ContainerRecord(
        id,
        sandboxId,
        name,
        attempt,
        imageRef,
        imageId,
        ContainerState.EXITED,
        createdAtNanos,
        startedAtNanos,
        atNanos,
        code,
        why,
        detail,
        logPath,
        bundle,
        pid,
        stopSignal,
        uid,
        gid,
        groups,
        imageNames);
  }

  String nameKey() {
    return name + "_" + sandboxId + "_" + attempt;
  }

  /** The image's name for the status: as the user wrote it where known, else as asked. */
  public String statusImageName() {
    return imageNames == null ? imageRef : imageNames.name();
  }

  /** The image's pullable digest reference for the status, else its id. */
  public String statusImageRef() {
    return imageNames == null ? imageId : imageNames.digestRef();
  }
}
