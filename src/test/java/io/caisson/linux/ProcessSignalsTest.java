package io.caisson.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessSignalsTest {
  private static final int SIGTERM = 15;
  private static final int SIGKILL = 9;

  @Test
  void theStampedProcessGetsTheSignal() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    ProcessStamp stamp = ProcessStamp.of(sleeper.pid()).orElseThrow();

    assertThat(ProcessSignals.send(stamp, SIGTERM)).isTrue();

    assertThat(sleeper.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(sleeper.exitValue()).isEqualTo(128 + SIGTERM);
  }

  @Test
  void aProcessWithTheSamePidButAnotherStartTimeIsLeftAlone() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    try {
      ProcessStamp stamp = ProcessStamp.of(sleeper.pid()).orElseThrow();
      ProcessStamp earlierHolderOfThePid = new ProcessStamp(stamp.pid(), stamp.startTicks() - 1);

      assertThat(ProcessSignals.send(earlierHolderOfThePid, SIGKILL)).isFalse();

      assertThat(sleeper.isAlive()).isTrue();
    } finally {
      sleeper.destroyForcibly().waitFor();
    }
  }

  @Test
  void anExitedProcessIsGoneWhetherReapedOrNot() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    ProcessStamp stamp = ProcessStamp.of(sleeper.pid()).orElseThrow();
    sleeper.destroyForcibly().waitFor();

    assertThat(ProcessSignals.send(stamp, SIGKILL)).isFalse();
  }
}
