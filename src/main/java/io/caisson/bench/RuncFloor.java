package io.caisson.bench;

import io.caisson.linux.Spawn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The floor under CreateContainer + StartContainer: {@code runc run} of a prepared busybox bundle
 * whose process is {@code true}, spawned by this client and timed from the spawn to runc's exit.
 * The container workload times one after each of its iterations, from the same quiet start as its
 * CreateContainer, so the floor sees the same machine, client and node state as the calls it is
 * compared with. A loop of runs back to back gives a lower number than a runtime's calls can see: a
 * warm CPU, and cgroup moves that never wait for an RCU grace period (see {@link
 * ContainerWorkload}).
 *
 * @param bundle an OCI bundle (config.json and rootfs) whose process exits at once
 * @param root runc's state directory for these runs, apart from any runtime's
 */
public record RuncFloor(Path bundle, Path root) {
  private static final AtomicInteger RUNS = new AtomicInteger();

  public RuncFloor {
    if (!Files.isRegularFile(bundle.resolve("config.json"))) {
      throw new IllegalArgumentException("runc floor bundle " + bundle + " has no config.json");
    }
  }

  /** Runs the bundle once, to its exit; fails when runc does, leaving no container behind. */
  public void runOnce() throws IOException, InterruptedException {
    String id = "bench-floor-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
    Process runc = spawn(root, "run", "--bundle", bundle.toString(), id);
    boolean exited = runc.waitFor(60, TimeUnit.SECONDS);
    if (exited && runc.exitValue() == 0) {
      return; // runc run removes what it ran
    }
    runc.destroyForcibly();
    runc.waitFor();
    spawn(root, "delete", "--force", id).waitFor(); // whatever state the failed run left
    throw new IOException(
        "runc run of the floor bundle "
            + bundle
            + (exited ? " exited with " + runc.exitValue() : " did not end in 60 s"));
  }

  /**
   * {@code runc --root ROOT ARGS...} with no input and its output discarded. Spawned with one
   * posix_spawn, as a runtime spawns its children, not through ProcessBuilder's extra exec of its
   * helper (~1 ms more a process), which the floor would carry and the calls it is held against
   * would not.
   */
  static Process spawn(Path root, String... args) throws IOException {
    List<String> argv = new ArrayList<>(List.of("runc", "--root", root.toString()));
    argv.addAll(List.of(args));
    return new Spawn(argv).stdout(Spawn.Stdio.NULL).stderr(Spawn.Stdio.NULL).start();
  }
}
