package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Debian's openssl, run in a test's directory to make keys and certificates. */
final class OpenSsl {
  private OpenSsl() {}

  /** Runs {@code openssl args...} in {@code dir}; stdin is empty, so it can never prompt. */
  static void run(Path dir, List<String> args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("openssl"));
    argv.addAll(args);
    Process p =
        new ProcessBuilder(argv)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", argv) + ": " + said).isZero();
  }
}
