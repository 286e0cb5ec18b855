package io.caisson.oci;

import io.caisson.linux.Spawn;
import io.caisson.linux.Spawn.Stdio;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs a short-lived helper (runc, mostly) and captures bounded stdout and stderr. */
final class Command {

  /** What a finished command left behind; {@code truncated} says output was cut at the bound. */
  record Result(int exitCode, byte[] stdout, byte[] stderr, boolean truncated) {
    String stdoutText() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    String stderrText() {
      return new String(stderr, StandardCharsets.UTF_8);
    }
  }

  /** Thrown when the command outlived its deadline; it has been killed. */
  static final class TimedOut extends Exception {
    TimedOut(String what) {
      super(what + " timed out");
    }
  }

  private Command() {}

  static Result run(List<String> argv, byte[] stdin, Duration timeout, int maxOutput, Path cwd)
      throws IOException, TimedOut {
    Spawn spawn = new Spawn(argv).stdin(stdin == null ? Stdio.NULL : Stdio.PIPE);
    if (cwd != null) {
      spawn.directory(cwd);
    }
    Process p = spawn.start();
    CompletableFuture<Bounded> out = drain(p.getInputStream(), maxOutput);
    CompletableFuture<Bounded> err = drain(p.getErrorStream(), maxOutput);
    if (stdin != null) {
      try (OutputStream os = p.getOutputStream()) {
        os.write(stdin);
      } catch (IOException ignored) {
        // The command exited without reading its input; its exit status says why.
      }
    }
    try {
      boolean done =
          timeout == null
              ? p.waitFor() >= Integer.MIN_VALUE
              : p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        // Helpers a command started (criu under runc) go first: they must not outlive it.
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor();
        throw new TimedOut(String.join(" ", argv.subList(0, Math.min(argv.size(), 4))));
      }
      Bounded o = out.get();
      Bounded e = err.get();
      return new Result(p.exitValue(), o.bytes(), e.bytes(), o.truncated() || e.truncated());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + argv.getFirst(), e);
    } catch (ExecutionException e) {
      throw new IOException("reading the output of " + argv.getFirst(), e.getCause());
    }
  }

  record Bounded(byte[] bytes, boolean truncated) {}

  /** Reads the stream to its end on a virtual thread, keeping at most {@code max} bytes. */
  static CompletableFuture<Bounded> drain(InputStream in, int max) {
    return drain(in, new AtomicInteger(max));
  }

  /**
   * Reads the stream to its end on a virtual thread, keeping what {@code budget} still allows:
   * streams drained against one budget keep at most that many bytes together.
   */
  static CompletableFuture<Bounded> drain(InputStream in, AtomicInteger budget) {
    CompletableFuture<Bounded> f = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("drain")
        .start(
            () -> {
              ByteArrayOutputStream buf = new ByteArrayOutputStream();
              boolean truncated = false;
              byte[] chunk = new byte[8192];
              try (in) {
                int n;
                while ((n = in.read(chunk)) >= 0) {
                  int asked = n;
                  int keep = budget.getAndUpdate(left -> Math.max(0, left - asked));
                  keep = Math.min(n, keep);
                  if (keep > 0) {
                    buf.write(chunk, 0, keep);
                  }
                  if (keep < n) {
                    truncated = true; // keep reading so the writer never blocks on a full pipe
                  }
                }
              } catch (IOException e) {
                // A closed pipe ends the stream; what was read so far is the answer.
              }
              f.complete(new Bounded(buf.toByteArray(), truncated));
            });
    return f;
  }
}
