package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import org.junit.jupiter.api.Test;

class SignalsTest {
  @Test
  void namesNumbersAndTheDefault() {
    assertThat(Signals.parse("SIGQUIT")).isEqualTo(3);
    assertThat(Signals.parse("quit")).isEqualTo(3);
    assertThat(Signals.parse(" 3 ")).isEqualTo(3);
    assertThat(Signals.parse("")).isEqualTo(Signals.SIGTERM);
    assertThat(Signals.parse(null)).isEqualTo(Signals.SIGTERM);
  }

  @Test
  void aliasesGlibcKnows() {
    assertThat(Signals.parse("SIGIOT")).isEqualTo(6);
    assertThat(Signals.parse("SIGPOLL")).isEqualTo(29);
    assertThat(Signals.parse("CLD")).isEqualTo(17);
  }

  /** systemd images stop on SIGRTMIN+3, counted from glibc's SIGRTMIN (34), as docker does. */
  @Test
  void realTimeSignalsCountFromGlibcsRtmin() {
    assertThat(Signals.parse("SIGRTMIN+3")).isEqualTo(37);
    assertThat(Signals.parse("RTMIN")).isEqualTo(34);
    assertThat(Signals.parse("SIGRTMAX")).isEqualTo(64);
    assertThat(Signals.parse("SIGRTMAX-2")).isEqualTo(62);
    assertThat(Signals.parse("sigrtmin+30")).isEqualTo(64);
  }

  @Test
  void refusesWhatNamesNoSignal() {
    for (String bad :
        new String[] {
          "SIGNOPE", "RTMIN+31", "RTMAX+1", "RTMIN-1", "RTMIN+", "RTMIN+x", "65", "0"
        }) {
      assertThatThrownBy(() -> Signals.parse(bad))
          .as(bad)
          .isInstanceOf(CaissonException.class)
          .hasMessageContaining("unknown stop signal");
    }
  }
}
