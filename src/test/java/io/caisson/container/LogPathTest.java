package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Where a container's log goes, and which log paths are refused as the request's fault. */
class LogPathTest {
  @Test
  void aRelativeLogPathLivesInThePodsLogDirectory() {
    assertThat(LogPaths.of("/var/log/pods/p", "c/0.log", "id"))
        .isEqualTo(Path.of("/var/log/pods/p/c/0.log"));
    assertThat(LogPaths.of("/var/log/pods/p", "", "id"))
        .isEqualTo(Path.of("/var/log/pods/p/id.log"));
  }

  @Test
  void pathsThatEscapeOrCannotExistAreInvalidArguments() {
    assertInvalid("/var/log/pods/p", "../../etc/passwd", "escapes");
    assertInvalid("/var/log/pods/p", "x".repeat(256), "name longer than 255");
    // conmon cuts its log path at a colon.
    assertInvalid("/var/log/pods/p", "c5/a:b.log", "has a ':'");
    assertInvalid("/var/log/pods/p", ("d".repeat(200) + "/").repeat(21) + "0.log", "longer than");
  }

  private static void assertInvalid(String dir, String logPath, String why) {
    assertThatThrownBy(() -> LogPaths.of(dir, logPath, "id"))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(CaissonException.Kind.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains(why);
            });
  }

  /**
   * Only the file the runtime named itself, for a pod without a log directory, is its to remove.
   */
  @Test
  void theRuntimeChoosesALogOnlyForPodsWithoutALogDirectory() {
    Path chosen = LogPaths.of("", "", "abc");
    assertThat(LogPaths.isRuntimeChosen(chosen, "abc")).isTrue();
    assertThat(LogPaths.isRuntimeChosen(LogPaths.of("/var/log/pods/p", "", "abc"), "abc"))
        .isFalse();
    assertThat(LogPaths.isRuntimeChosen(chosen, "other")).isFalse();
  }
}
