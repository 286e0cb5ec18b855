package io.caisson.oci;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.common.CaissonException.Kind;
import org.junit.jupiter.api.Test;

class RuncErrorsTest {

  @Test
  void jsonLogLinesBecomeTheirMessages() {
    String stderr =
        """
        {"level":"warning","msg":"something minor","time":"2026-01-01T00:00:00Z"}
        {"level":"error","msg":"container does not exist","time":"2026-01-01T00:00:00Z"}
        """;
    assertThat(RuncErrors.message(stderr)).isEqualTo("container does not exist");
    var e = RuncErrors.failure("state", "abc", stderr, 1);
    assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
    assertThat(e.getMessage())
        .isEqualTo("runc state abc failed (exit 1): container does not exist");
  }

  @Test
  void plainTextIsKeptAndCategorised() {
    assertThat(RuncErrors.message("  boom\n")).isEqualTo("boom");
    assertThat(RuncErrors.message("")).isEqualTo("(no error output)");
    assertThat(RuncErrors.kindOf("container not running")).isEqualTo(Kind.FAILED_PRECONDITION);
    assertThat(RuncErrors.kindOf("container with id exists: x already exists"))
        .isEqualTo(Kind.ALREADY_EXISTS);
    assertThat(RuncErrors.kindOf("cannot exec in a stopped container"))
        .isEqualTo(Kind.FAILED_PRECONDITION);
    assertThat(RuncErrors.kindOf("mount failed")).isEqualTo(Kind.INTERNAL);
    // runc's own validation of what it was given: the request's fault, not the runtime's.
    assertThat(RuncErrors.kindOf("invalid configuration: cannot use unified on cgroup v1"))
        .isEqualTo(Kind.INVALID_ARGUMENT);
    assertThat(
            RuncErrors.kindOf(
                "failed to write \"6597\": write /sys/fs/cgroup/cpuset/x/cpuset.mems: numerical"
                    + " result out of range"))
        .isEqualTo(Kind.INVALID_ARGUMENT);
    assertThat(RuncErrors.kindOf("the maximum allowed cpu-shares is 262144"))
        .isEqualTo(Kind.INVALID_ARGUMENT);
    assertThat(
            RuncErrors.kindOf(
                "unable to set memory limit to 4096 (current usage: 225280, peak usage: 2789376)"))
        .isEqualTo(Kind.FAILED_PRECONDITION);
  }

  @Test
  void anExecOfACommandTheContainerLacksIsTheRequestsFault() {
    assertThat(
            RuncErrors.failure(
                    "exec",
                    "c1",
                    "{\"level\":\"error\",\"msg\":\"exec failed: unable to start container"
                        + " process: exec: \\\"nope\\\": stat nope: no such file or directory\"}",
                    255)
                .kind())
        .isEqualTo(Kind.INVALID_ARGUMENT);
  }

  @Test
  void conmonExitingEarlyBlamesTheRequestOnlyForItsLogPath() {
    assertThat(
            RuncErrors.conmonExitKindOf("[conmon:e]: Failed to open log file File name too long"))
        .isEqualTo(Kind.INVALID_ARGUMENT);
    assertThat(RuncErrors.conmonExitKindOf("(no output)")).isEqualTo(Kind.INTERNAL);
  }

  @Test
  void createFailuresBlameTheRequestOnlyForItsOwnValues() {
    assertThat(
            RuncErrors.createKindOf(
                "runc create failed: unable to start container process: exec:"
                    + " \"kubernetes.io/test\": stat kubernetes.io/test: no such file or directory"))
        .isEqualTo(Kind.INVALID_ARGUMENT);
    assertThat(
            RuncErrors.createKindOf(
                "unable to start container process: exec: \"nope\": executable file not found in"
                    + " $PATH"))
        .isEqualTo(Kind.INVALID_ARGUMENT);
    assertThat(RuncErrors.createKindOf("container with id exists: x already exists"))
        .isEqualTo(Kind.ALREADY_EXISTS);
    assertThat(RuncErrors.createKindOf("container does not exist")).isEqualTo(Kind.INTERNAL);
    assertThat(RuncErrors.createKindOf("mount failed")).isEqualTo(Kind.INTERNAL);
  }
}
