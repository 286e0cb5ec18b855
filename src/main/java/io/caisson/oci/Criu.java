package io.caisson.oci;

import io.caisson.common.SearchPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Whether CRIU (which {@code runc checkpoint} and {@code runc restore} drive) works on this host.
 * {@code criu check} is asked once and its answer kept: the kernel and the criu binary do not
 * change under a running daemon, and the check takes a noticeable fraction of a second.
 */
public final class Criu {
  private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(30);
  private static final List<Path> SEARCH =
      List.of(Path.of("/usr/local/sbin"), Path.of("/usr/sbin"), Path.of("/sbin"));

  private final Path binary;
  private volatile Optional<String> unusable;

  /**
   * @param binary the criu executable; runc finds criu on its PATH, which starts with these dirs
   */
  public Criu(Path binary) {
    this.binary = binary;
  }

  /** The criu runc will find: the first executable {@code criu} in the system sbin dirs. */
  public static Criu onPath() {
    return new Criu(new SearchPath(SEARCH).find("criu").orElse(SEARCH.get(1).resolve("criu")));
  }

  /** Why CRIU cannot checkpoint here, or empty when {@code criu check} passes. Cached. */
  public Optional<String> unusableReason() {
    Optional<String> answer = unusable;
    if (answer == null) {
      synchronized (this) {
        answer = unusable;
        if (answer == null) {
          answer = check();
          unusable = answer;
        }
      }
    }
    return answer;
  }

  private Optional<String> check() {
    if (!Files.isExecutable(binary)) {
      return Optional.of(binary + " is not installed");
    }
    Command.Result result;
    try {
      result =
          Command.run(List.of(binary.toString(), "check"), null, CHECK_TIMEOUT, 64 << 10, null);
    } catch (Command.TimedOut e) {
      return Optional.of("criu check did not finish in " + CHECK_TIMEOUT.toSeconds() + " s");
    } catch (IOException e) {
      return Optional.of("cannot run " + binary + ": " + e.getMessage());
    }
    if (result.exitCode() == 0) {
      return Optional.empty();
    }
    return Optional.of(firstError(result.stderrText() + "\n" + result.stdoutText(), result));
  }

  /** The first line that reports an error, else the first non-blank one. */
  static String firstError(String output, Command.Result result) {
    String fallback = null;
    for (String line : output.split("\n")) {
      String s = line.strip();
      if (s.isEmpty()) {
        continue;
      }
      if (s.startsWith("Error") || s.contains("error")) {
        return s;
      }
      if (fallback == null) {
        fallback = s;
      }
    }
    return fallback != null
        ? fallback
        : "criu check failed with exit code " + result.exitCode() + " and no output";
  }
}
