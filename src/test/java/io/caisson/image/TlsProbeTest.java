package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TlsProbeTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  /**
   * A server that reads up to a line end, as an HTTP server reads its request line, answers with
   * {@code reply}, then closes.
   */
  private static ServerSocket answering(byte[] reply) throws Exception {
    ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    Thread.startVirtualThread(
        () -> {
          try (Socket client = server.accept()) {
            for (int b = 0; b != '\n' && b != -1; ) {
              b = client.getInputStream().read();
            }
            client.getOutputStream().write(reply);
          } catch (Exception e) {
            // the probe hung up
          }
        });
    return server;
  }

  private static URI at(ServerSocket server) {
    return URI.create("https://127.0.0.1:" + server.getLocalPort());
  }

  @Test
  void aPlainHttpServerAnswersWithText() throws Exception {
    try (ServerSocket server = answering("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes())) {
      assertThat(TlsProbe.of(at(server), TIMEOUT)).isEqualTo(TlsProbe.Answer.PLAIN);
    }
  }

  @Test
  void aTlsServerAnswersWithARecord() throws Exception {
    // handshake_failure alert, as a server that cannot take this hello sends it
    try (ServerSocket server = answering(new byte[] {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28})) {
      assertThat(TlsProbe.of(at(server), TIMEOUT)).isEqualTo(TlsProbe.Answer.TLS);
    }
  }

  @Test
  void aRealTlsServerIsTls() throws Exception {
    javax.net.ssl.SSLServerSocket server =
        (javax.net.ssl.SSLServerSocket)
            javax.net.ssl.SSLServerSocketFactory.getDefault()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
    try (server) {
      Thread.startVirtualThread(
          () -> {
            try (Socket client = server.accept()) {
              client.getInputStream().read(); // drives the handshake, which fails: no key
            } catch (Exception e) {
              // expected
            }
          });
      assertThat(TlsProbe.of(at(server), TIMEOUT)).isEqualTo(TlsProbe.Answer.TLS);
    }
  }

  @Test
  void nobodyListeningCannotTell() throws Exception {
    int port;
    try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = gone.getLocalPort();
    }
    assertThat(TlsProbe.of(URI.create("https://127.0.0.1:" + port), TIMEOUT))
        .isEqualTo(TlsProbe.Answer.UNKNOWN);
  }
}
