package io.caisson.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.linux.DatagramReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceNotifierTest {

  @Test
  void readyNamesTheMainPidAndAStatusOnOneLine() {
    assertThat(ServiceNotifier.readyMessage(42, "serving CRI on /run/x.sock\nREADY=0"))
        .isEqualTo("READY=1\nMAINPID=42\nSTATUS=serving CRI on /run/x.sock READY=0\n");
    assertThat(ServiceNotifier.stoppingMessage("draining"))
        .isEqualTo("STOPPING=1\nSTATUS=draining\n");
  }

  @Test
  void withoutNotifySocketNothingIsSent() {
    assertThat(ServiceNotifier.fromEnvironment(Map.of()).enabled()).isFalse();
    assertThat(ServiceNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", " ")).enabled()).isFalse();
    // Nothing to send to: neither throws nor blocks.
    ServiceNotifier.fromEnvironment(Map.of()).ready("serving");
  }

  @Test
  void theManagerReceivesReadyThenStopping(@TempDir Path dir) throws Throwable {
    String socket = dir.resolve("notify").toString();
    try (DatagramReceiver manager = DatagramReceiver.bind(socket)) {
      ServiceNotifier notifier = ServiceNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", socket));
      notifier.ready("serving");
      notifier.stopping("draining");
      assertThat(manager.receive(Duration.ofSeconds(5)).orElseThrow())
          .startsWith("READY=1\nMAINPID=" + ProcessHandle.current().pid() + "\n");
      assertThat(manager.receive(Duration.ofSeconds(5))).contains("STOPPING=1\nSTATUS=draining\n");
    }
  }

  @Test
  void aManagerThatIsGoneIsNotTheDaemonsFailure(@TempDir Path dir) {
    ServiceNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", dir.resolve("gone").toString()))
        .ready("serving");
  }
}
