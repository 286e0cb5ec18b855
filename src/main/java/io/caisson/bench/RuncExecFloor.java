package io.caisson.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The floor under ExecSync: {@code runc exec} of {@code true} in the same container, straight into
 * the runtime's own runc state, spawned by this client and timed from the spawn to runc's exit. The
 * exec workload times one after each ExecSync, so the difference is what the runtime adds to runc
 * (its RPC, its own processes, reading the output) in the same rounds.
 *
 * @param root the endpoint's runc state directory (Caisson: {@code STATE/runc}; containerd's runc
 *     shim: {@code /run/containerd/runc/NAMESPACE})
 */
public record RuncExecFloor(Path root) {

  /** Runs {@code true} in container {@code id} once; fails when runc does. */
  public void execTrue(String id) throws IOException, InterruptedException {
    Process runc = RuncFloor.spawn(root, "exec", id, "true");
    if (!runc.waitFor(60, TimeUnit.SECONDS)) {
      runc.destroyForcibly();
      throw new IOException("runc exec in " + id + " under " + root + " did not end in 60 s");
    }
    if (runc.exitValue() != 0) {
      throw new IOException(
          "runc exec in " + id + " under " + root + " exited with " + runc.exitValue());
    }
  }
}
