package io.caisson.oci;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What conmon needs to create one container: its bundle (with config.json and the rootfs), where
 * the CRI log goes, and how stdio is wired.
 *
 * @param id the container id (runc's name for it, and the exit file's name)
 * @param name a human name for conmon's own logs
 * @param bundle the OCI bundle directory; conmon also puts its ctl/winsz fifos and attach socket
 *     here, and writes the "oom" marker here
 * @param logPath the CRI log file ({@code RFC3339Nano stream P|F text} lines)
 * @param terminal a pseudo-terminal instead of pipes (stdout and stderr merge)
 * @param stdin keep a stdin pipe that attach clients can write to
 * @param stdinOnce close the container's stdin when the first attach client leaves
 * @param logSizeMax bytes after which conmon truncates the log; 0 or less for no limit
 * @param persistDir where conmon writes the "exit" and "oom" files; the bundle if null
 */
public record ContainerLaunch(
    String id,
    String name,
    Path bundle,
    Path logPath,
    boolean terminal,
    boolean stdin,
    boolean stdinOnce,
    long logSizeMax,
    Path persistDir) {

  public ContainerLaunch {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(bundle, "bundle");
    Objects.requireNonNull(logPath, "logPath");
    if (name == null || name.isBlank()) {
      name = id;
    }
    if (persistDir == null) {
      persistDir = bundle;
    }
  }

  /** A container with pipes and no stdin, logging without a size limit. */
  public static ContainerLaunch simple(String id, Path bundle, Path logPath) {
    return new ContainerLaunch(id, id, bundle, logPath, false, false, false, 0, null);
  }
}
