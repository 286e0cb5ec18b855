package io.caisson.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real pty pair with a shell on the slave side as its controlling terminal. */
@Timeout(30)
class PseudoTerminalTest {

  private static Process onTerminal(PseudoTerminal pty, String script) throws Exception {
    List<String> argv =
        List.of(
            "/usr/bin/setsid",
            "--wait",
            "/bin/sh",
            "-c",
            "exec \"$@\" <\"$0\" >\"$0\" 2>&1",
            pty.slave().toString(),
            "/bin/sh",
            "-c",
            script);
    return new ProcessBuilder(argv)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  @Test
  void theChildSeesATerminalOfTheSizeSetAndItsOutputEndsWhenItExits() throws Exception {
    try (PseudoTerminal pty = PseudoTerminal.open("test")) {
      pty.resize(132, 43);
      Process p = onTerminal(pty, "stty size; test -t 0 && echo is-a-tty; exit 4");
      String out = new String(pty.output().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(out).contains("43 132").contains("is-a-tty");
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(4);
    }
  }

  @Test
  void typedInputReachesTheChildAndIsEchoed() throws Exception {
    try (PseudoTerminal pty = PseudoTerminal.open("test")) {
      Process p = onTerminal(pty, "read -r line; echo \"got:$line\"");
      pty.input().write("hello\n".getBytes(StandardCharsets.UTF_8));
      String out = new String(pty.output().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(out).contains("hello").contains("got:hello");
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void closingEndsTheOutputForAReaderEvenWhileTheChildRuns() throws Exception {
    PseudoTerminal pty = PseudoTerminal.open("test");
    Process p = onTerminal(pty, "sleep 30");
    try {
      pty.close();
      assertThat(pty.output().read()).isEqualTo(-1);
    } finally {
      p.destroyForcibly();
    }
  }
}
