package io.caisson.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The floor under CreateContainer + StartContainer: {@code runc run} of a prepared busybox bundle
 * whose process is {@code true}, spawned by this client and timed from the spawn to runc's exit.
 * The container workload times one after each of its iterations, so the floor sees the same
 * machine, the same pacing and the same client as the calls it is compared with; a loop of runs
 * back to back (warm caches, no other work in between) gives a lower number than any runtime's
 * calls can see.
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

  /** Runs the bundle once, to its exit; fails when runc does. */
  public void runOnce() throws IOException, InterruptedException {
    String id = "bench-floor-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
    Process runc =
        new ProcessBuilder(
                List.of(
                    "runc", "--root", root.toString(), "run", "--bundle", bundle.toString(), id))
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectErrorStream(true)
            .start();
    int code = runc.waitFor();
    if (code != 0) {
      throw new IOException("runc run of the floor bundle " + bundle + " exited with " + code);
    }
  }
}
