package io.caisson.oci;

import io.caisson.common.CaissonException;
import io.caisson.common.CaissonException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An interactive exec for the streaming server: {@code runc exec} with the process's stdio as pipes
 * to us. runc stays in the middle as the process's parent and subreaper, forwards signals, and
 * exits with the process's status. Closing {@link #stdin()} gives the process EOF.
 */
public final class ExecSession implements AutoCloseable {
  private final Process runc;
  private final Path specFile;
  private final CompletableFuture<Integer> exit;

  private ExecSession(Process runc, Path specFile) {
    this.runc = runc;
    this.specFile = specFile;
    this.exit =
        runc.onExit()
            .thenApply(
                p -> {
                  deleteSpec();
                  return p.exitValue();
                });
  }

  /**
   * Starts {@code process} in container {@code id}. The spec goes to a file in {@code scratchDir}
   * (stdin belongs to the process), removed when the process ends.
   */
  static ExecSession start(Runc driver, String id, OciSpec.Process process, Path scratchDir) {
    if (Boolean.TRUE.equals(process.terminal())) {
      // runc hands a terminal's master fd over a unix socket (SCM_RIGHTS), which a JVM cannot
      // receive without native help; see the package notes on TTY exec.
      throw new CaissonException(
          Kind.UNIMPLEMENTED, "exec with a TTY is not supported by this runc driver yet");
    }
    Path spec;
    try {
      Files.createDirectories(scratchDir);
      spec = Files.createTempFile(scratchDir, "exec-", ".json");
      Files.write(spec, OciJson.bytes(process));
    } catch (IOException e) {
      throw CaissonException.internal("cannot write the exec spec for " + id, e);
    }
    List<String> argv = new ArrayList<>();
    argv.add(driver.binary().toString());
    argv.addAll(driver.globalArgs());
    argv.addAll(List.of("exec", "--process", spec.toString(), id));
    try {
      return new ExecSession(new ProcessBuilder(argv).start(), spec);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(spec);
      } catch (IOException ignored) {
        // The scratch dir is Caisson's; a leftover spec is harmless.
      }
      throw CaissonException.internal("cannot run runc exec in " + id, e);
    }
  }

  public OutputStream stdin() {
    return runc.getOutputStream();
  }

  public InputStream stdout() {
    return runc.getInputStream();
  }

  /**
   * The process's stderr. If runc itself fails (no such container, executable not found), its JSON
   * error line arrives here and {@link #exitCode()} completes with a non-zero status.
   */
  public InputStream stderr() {
    return runc.getErrorStream();
  }

  /** Completes with the exit status (128 + signal for a signalled process). */
  public CompletableFuture<Integer> exitCode() {
    return exit;
  }

  /** Only terminals have a size; a pipe-backed session ignores resizes, as kubelet does. */
  public void resize(int width, int height) {}

  /** Kills the exec'd process tree and runc. */
  public void kill() {
    Runc.killTree(runc);
  }

  @Override
  public void close() {
    if (runc.isAlive()) {
      kill();
    }
    deleteSpec();
  }

  private void deleteSpec() {
    try {
      Files.deleteIfExists(specFile);
    } catch (IOException ignored) {
      // See start(): harmless leftover.
    }
  }
}
