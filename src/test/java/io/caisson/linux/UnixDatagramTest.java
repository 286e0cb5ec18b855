package io.caisson.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real datagrams between two sockets of the test JVM. */
class UnixDatagramTest {

  @Test
  void aDatagramReachesASocketBoundToAPath(@TempDir Path dir) throws Throwable {
    String path = dir.resolve("notify").toString();
    try (DatagramReceiver receiver = DatagramReceiver.bind(path)) {
      UnixDatagram.send(path, "READY=1\n".getBytes(StandardCharsets.UTF_8));
      assertThat(receiver.receive(Duration.ofSeconds(5))).contains("READY=1\n");
    }
  }

  @Test
  void anAbstractNameIsReachedWithoutAFile() throws Throwable {
    String name = "@caisson-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    try (DatagramReceiver receiver = DatagramReceiver.bind(name)) {
      UnixDatagram.send(name, "STOPPING=1\n".getBytes(StandardCharsets.UTF_8));
      assertThat(receiver.receive(Duration.ofSeconds(5))).contains("STOPPING=1\n");
    }
  }

  @Test
  void noListenerIsAnErrorNamingTheAddress(@TempDir Path dir) {
    String path = dir.resolve("nobody").toString();
    assertThatThrownBy(() -> UnixDatagram.send(path, new byte[] {1}))
        .isInstanceOf(SyscallException.class)
        .hasMessageContaining("sendto")
        .hasMessageContaining(path);
  }

  @Test
  void anAddressLongerThanSunPathIsRefused() {
    String path = "/tmp/" + "x".repeat(120);
    assertThatThrownBy(() -> UnixDatagram.send(path, new byte[] {1}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("too long");
  }
}
