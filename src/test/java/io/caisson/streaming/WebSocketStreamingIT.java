package io.caisson.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The streaming server driven by a real WebSocket client over loopback. */
@Timeout(120)
class WebSocketStreamingIT {

  private final TestBackends backends = new TestBackends();
  private StreamingServer server;

  @BeforeEach
  void start() throws Exception {
    server =
        new StreamingServer(
            StreamingServer.Config.loopback(0), backends.backends(), new TokenRegistry());
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
    backends.killAll();
  }

  private URI exec(boolean stdin, boolean tty, String... cmd) {
    return server.url(new StreamRequest.Exec("c1", List.of(cmd), tty, stdin, true, !tty));
  }

  @Test
  void v5ExecReportsOutputAndExitCode() throws Exception {
    URI url = exec(false, false, "sh", "-c", "echo out; echo err >&2; exit 3");
    try (WsTestClient c = WsTestClient.connect(url, "v5.channel.k8s.io")) {
      assertThat(c.subprotocol()).isEqualTo("v5.channel.k8s.io");
      Map<Integer, String> got = c.collect();
      assertThat(got.get(1)).isEqualTo("out\n");
      assertThat(got.get(2)).isEqualTo("err\n");
      JsonValue status = Json.parse(got.get(3));
      assertThat(status.path("reason").asText()).isEqualTo("NonZeroExitCode");
      assertThat(status.at("/details/causes/0/message").asText()).isEqualTo("3");
      assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
    }
  }

  @Test
  void v5StdinCloseEndsTheProcessInput() throws Exception {
    URI url = exec(true, false, "cat");
    try (WsTestClient c = WsTestClient.connect(url, "v5.channel.k8s.io")) {
      c.send(0, "over the websocket\n");
      c.send(255, new byte[] {0});
      Map<Integer, String> got = c.collect();
      assertThat(got.get(1)).isEqualTo("over the websocket\n");
      assertThat(got.get(3)).isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
    }
  }

  @Test
  void clientOrderDoesNotMatterTheNewestVersionWins() throws Exception {
    URI url = exec(false, false, "true");
    try (WsTestClient c =
        WsTestClient.connect(url, "channel.k8s.io", "v4.channel.k8s.io", "bogus.example")) {
      assertThat(c.subprotocol()).isEqualTo("v4.channel.k8s.io");
      assertThat(Json.parse(c.collect().get(3)).path("status").asText()).isEqualTo("Success");
    }
  }

  @Test
  void base64VariantUsesTextMessages() throws Exception {
    URI url = exec(true, false, "sh", "-c", "read l; echo \"[$l]\"; exit 4");
    try (WsTestClient c = WsTestClient.connect(url, "v4.base64.channel.k8s.io")) {
      c.sendBase64(0, "typed\n");
      Map<Integer, String> got = c.collect();
      assertThat(got.get(1)).isEqualTo("[typed]\n");
      assertThat(Json.parse(got.get(3)).at("/details/causes/0/message").asText()).isEqualTo("4");
    }
  }

  @Test
  void preV4ProtocolWritesAPlainFailureMessage() throws Exception {
    URI url = exec(false, false, "sh", "-c", "exit 2");
    try (WsTestClient c = WsTestClient.connect(url, "channel.k8s.io")) {
      assertThat(c.collect().get(3)).startsWith("command terminated with non-zero exit code");
    }
  }

  @Test
  void resizeMessagesReachTheBackend() throws Exception {
    URI url = exec(true, true, "cat");
    try (WsTestClient c = WsTestClient.connect(url, "v5.channel.k8s.io")) {
      c.send(4, "{\"Width\":100,\"Height\":30}");
      assertThat(backends.resizes.poll(10, TimeUnit.SECONDS))
          .isEqualTo(new TestBackends.Size(100, 30));
      c.send(255, new byte[] {0});
      assertThat(c.collect().get(3)).contains("Success");
    }
  }

  @Test
  void reusedTokenFailsTheHandshake() throws Exception {
    URI url = exec(false, false, "true");
    try (WsTestClient c = WsTestClient.connect(url, "v5.channel.k8s.io")) {
      c.collect();
    }
    assertThatThrownBy(() -> WsTestClient.connect(url, "v5.channel.k8s.io"))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(WebSocketHandshakeException.class)
        .satisfies(
            e ->
                assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                    .isEqualTo(404));
  }

  @Test
  void vanishedClientGetsItsProcessKilled() throws Exception {
    URI url = exec(true, false, "sleep", "1000");
    WsTestClient c = WsTestClient.connect(url, "v5.channel.k8s.io");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (backends.started.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Process p = backends.started.getFirst();
    c.close();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * A connection with no traffic either way for the idle timeout is closed and its process killed
   * (containerd's and kubelet's {@code stream_idle_timeout}); one with traffic is not.
   */
  @Test
  void anIdleConnectionIsClosedAndItsProcessKilled() throws Exception {
    try (StreamingServer idling =
        new StreamingServer(
            new StreamingServer.Config("127.0.0.1", 0, null, null, null, Duration.ofSeconds(2)),
            backends.backends(),
            new TokenRegistry())) {
      idling.start();
      URI busy =
          idling.url(
              new StreamRequest.Exec(
                  "c1",
                  List.of("sh", "-c", "for i in 1 2 3 4 5 6; do echo $i; sleep 1; done"),
                  false,
                  false,
                  true,
                  true));
      try (WsTestClient c = WsTestClient.connect(busy, "v5.channel.k8s.io")) {
        assertThat(c.collect().get(1))
            .as("6 s of output, never 2 s quiet")
            .isEqualTo("1\n2\n3\n4\n5\n6\n");
      }
      URI quiet =
          idling.url(
              new StreamRequest.Exec("c1", List.of("sleep", "1000"), false, true, true, true));
      int before = backends.started.size();
      WsTestClient c = WsTestClient.connect(quiet, "v5.channel.k8s.io");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (backends.started.size() == before && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Process p = backends.started.getLast();
      assertThat(c.closed.handle((code, error) -> true).get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("the idle session's process").isTrue();
      c.close();
    }
  }

  /**
   * A client that vanishes while the server has stopped reading its stdin (the process never reads
   * it) is still noticed: the connection ends and the process is killed.
   */
  @Test
  void clientVanishingWhileItsStdinIsHeldBackGetsItsProcessKilled() throws Exception {
    URI url = exec(true, false, "sleep", "1000");
    WsTestClient c = WsTestClient.connect(url, "v5.channel.k8s.io");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (backends.started.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Process p = backends.started.getFirst();
    byte[] chunk = new byte[64 * 1024];
    long sent = 0;
    while (c.trySend(0, chunk, Duration.ofSeconds(1))) { // until the server stops reading
      sent += chunk.length;
      assertThat(sent).as("the server never stopped reading").isLessThan(256L << 20);
    }
    assertThat(p.isAlive()).isTrue();
    c.close();
    assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("process killed after the client left").isTrue();
  }

  @Test
  void attachThenDetachLeavesTheContainerRunning() throws Exception {
    backends.startContainer("sh", "-c", "while read l; do echo \"c:$l\"; done");
    for (int round = 0; round < 2; round++) {
      URI url = server.url(new StreamRequest.Attach("c1", false, true, true, false));
      try (WsTestClient c = WsTestClient.connect(url, "v4.channel.k8s.io")) {
        c.send(0, "round" + round + "\n");
        WsTestClient.Message m;
        do {
          m = c.next();
        } while (m.data().length == 0);
        assertThat(m.channel()).isEqualTo(1);
        assertThat(m.text()).isEqualTo("c:round" + round + "\n");
      }
      Thread.sleep(200);
      assertThat(backends.container.isAlive()).isTrue();
    }
  }

  @Test
  void portForwardOverChannelWebSocket() throws Exception {
    try (PodHttpServer pod = new PodHttpServer()) {
      URI url = server.url(new StreamRequest.PortForward("pod-2", List.of(pod.port())));
      try (WsTestClient c = WsTestClient.connect(url, "v4.channel.k8s.io")) {
        byte[] le = {(byte) pod.port(), (byte) (pod.port() >>> 8)};
        WsTestClient.Message first = c.next();
        WsTestClient.Message second = c.next();
        assertThat(List.of(first.channel(), second.channel())).containsExactly(0, 1);
        assertThat(first.data()).isEqualTo(le);
        assertThat(second.data()).isEqualTo(le);
        c.send(0, PodHttpServer.get("/over-ws"));
        Map<Integer, String> got = c.collect(); // closes once the pod side is done
        assertThat(got.get(0))
            .startsWith("HTTP/1.1 200")
            .endsWith(PodHttpServer.BODY + "/over-ws\n");
        assertThat(got.get(1)).isNull();
      }
    }
  }

  @Test
  void portForwardPortsFromTheQueryWhenTheRequestNamedNone() throws Exception {
    try (PodHttpServer pod = new PodHttpServer()) {
      URI url = server.url(new StreamRequest.PortForward("pod-3"));
      URI withPort = URI.create(url + "?port=" + pod.port());
      try (WsTestClient c = WsTestClient.connect(withPort, "v4.base64.channel.k8s.io")) {
        c.next();
        c.next();
        c.sendBase64(0, PodHttpServer.get("/b64"));
        assertThat(c.collect().get(0)).endsWith("/b64\n");
      }
    }
  }
}
