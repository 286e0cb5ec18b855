package io.caisson.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class UlimitsTest {
  @Test
  void limitsAreReadAsCriOAndDockerWriteThem() {
    assertThat(
            Ulimits.parse(
                List.of("nofile=1024:4096", "NPROC=512", "core=unlimited", "memlock=-1:-1")))
        .containsExactly(
            new OciSpec.Rlimit("RLIMIT_NOFILE", 4096, 1024),
            new OciSpec.Rlimit("RLIMIT_NPROC", 512, 512),
            new OciSpec.Rlimit("RLIMIT_CORE", -1, -1),
            new OciSpec.Rlimit("RLIMIT_MEMLOCK", -1, -1));
    assertThat(Ulimits.parse(List.of("stack=8388608:unlimited")).getFirst().soft())
        .isEqualTo(8388608);
  }

  @Test
  void whatIsNotALimitIsNamed() {
    assertThatThrownBy(() -> Ulimits.parse(List.of("nofile")))
        .hasMessageContaining("NAME=SOFT[:HARD]");
    assertThatThrownBy(() -> Ulimits.parse(List.of("files=1")))
        .hasMessageContaining("names no resource limit");
    assertThatThrownBy(() -> Ulimits.parse(List.of("nofile=1:2:3")))
        .hasMessageContaining("NAME=SOFT[:HARD]");
    assertThatThrownBy(() -> Ulimits.parse(List.of("nofile=many")))
        .hasMessageContaining("'many' is not a number");
    assertThatThrownBy(() -> Ulimits.parse(List.of("nofile=-2")))
        .hasMessageContaining("'-2' is not a number");
    assertThatThrownBy(() -> Ulimits.parse(List.of("nofile=unlimited:10")))
        .hasMessageContaining("soft limit above its hard one");
    assertThatThrownBy(() -> Ulimits.parse(List.of("nofile=1", "nofile=2")))
        .hasMessageContaining("given before it");
  }
}
