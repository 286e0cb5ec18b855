package io.caisson.bench;

import io.caisson.cri.v1.VersionRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Time from launching the daemon's start command to its socket answering Version, then the daemon
 * is stopped (SIGTERM, SIGKILL after 30 s). Up to 3 starts per round.
 */
public final class StartupWorkload implements Workload {
  private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(60);

  @Override
  public String name() {
    return "startup";
  }

  @Override
  public boolean needsImage() {
    return false;
  }

  @Override
  public String skipReason(BenchContext context) {
    return context.startCommand() == null ? "needs --start-command" : null;
  }

  @Override
  public void round(BenchContext context, Samples samples) throws Exception {
    for (int i = 0; i < Math.min(context.iterations(), 3); i++) {
      samples.add(
          "start to first Version", "ms", startOnce(context.startCommand(), context.startSocket()));
    }
  }

  static double startOnce(String command, Path socket) throws Exception {
    if (CriClient.accepts(socket)) {
      throw new IllegalStateException(
          socket + " is already served; the start command needs a socket of its own");
    }
    Path log = Files.createTempFile("caisson-bench-start", ".log");
    long start = System.nanoTime();
    Process process =
        new ProcessBuilder("bash", "-c", command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "start command exited with " + process.exitValue() + ": " + Files.readString(log));
        }
        if (System.nanoTime() - start > GIVE_UP_NANOS) {
          throw new IllegalStateException("no Version answer on " + socket + " within 60 s");
        }
        if (CriClient.accepts(socket) && answers(socket)) {
          return (System.nanoTime() - start) / 1e6;
        }
        Thread.sleep(2);
      }
    } finally {
      stop(process);
      Files.deleteIfExists(log);
    }
  }

  /** A fresh channel per attempt: a channel that failed once would wait out its back-off. */
  private static boolean answers(Path socket) {
    try (CriClient client = new CriClient("start", socket)) {
      client
          .runtime()
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .version(VersionRequest.getDefaultInstance());
      return true;
    } catch (io.grpc.StatusRuntimeException e) {
      return false;
    }
  }

  private static void stop(Process process) throws InterruptedException {
    var tree = process.descendants().toList();
    tree.forEach(ProcessHandle::destroy);
    process.destroy();
    for (ProcessHandle handle : tree) {
      try {
        handle.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        handle.destroyForcibly();
      }
    }
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
