package io.caisson.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcessStampTest {

  @Test
  void theStartTimeIsField22EvenWhenTheNameHoldsSpacesAndParentheses() {
    String stat =
        "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100";
    assertThat(ProcessStamp.parse(4242, stat)).contains(new ProcessStamp(4242, 987654));
  }

  @Test
  void zombiesAndGarbageAreNotRunningProcesses() {
    String zombie = "7 (x) Z 1 7 7 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 55 0 0";
    assertThat(ProcessStamp.parse(7, zombie)).isEmpty();
    assertThat(ProcessStamp.parse(7, "7 (x")).isEmpty();
  }

  @Test
  void theTestJvmIsRunningAndAnotherStartTimeIsAnotherProcess() {
    ProcessStamp self = ProcessStamp.of(ProcessHandle.current().pid()).orElseThrow();
    assertThat(self.stillRunning()).isTrue();
    assertThat(new ProcessStamp(self.pid(), self.startTicks() + 1).stillRunning()).isFalse();
  }
}
