package io.caisson.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The streaming server driven by a real SPDY/3.1 client over loopback. */
@Timeout(120)
class SpdyStreamingIT {

  static final List<String> CRICTL_OFFERS =
      List.of(
          "v5.channel.k8s.io",
          "v4.channel.k8s.io",
          "v3.channel.k8s.io",
          "v2.channel.k8s.io",
          "channel.k8s.io");

  private final TestBackends backends = new TestBackends();
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
  private StreamingServer server;

  @BeforeEach
  void start() throws Exception {
    TokenRegistry tokens = new TokenRegistry(Duration.ofMinutes(1), InstantSource.system());
    server = new StreamingServer(StreamingServer.Config.loopback(0), backends.backends(), tokens);
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

  /** What a client-go v4 executor does: error, stdin?, stdout, stderr? streams, then reads all. */
  private record Result(String stdout, String stderr, String error) {}

  private Result run(SpdyTestClient c, boolean stdin, boolean stderr, String input)
      throws Exception {
    SpdyTestClient.Stream error = c.open("error");
    error.closeWrite();
    SpdyTestClient.Stream in = stdin ? c.open("stdin") : null;
    SpdyTestClient.Stream out = c.open("stdout");
    SpdyTestClient.Stream err = stderr ? c.open("stderr") : null;
    if (in != null) {
      in.write(input);
      in.closeWrite();
    }
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    Future<String> o = pool.submit(out::readAll);
    Future<String> e = err == null ? null : pool.submit(err::readAll);
    String status = error.readAll();
    return new Result(
        o.get(30, TimeUnit.SECONDS), e == null ? null : e.get(30, TimeUnit.SECONDS), status);
  }

  @Test
  void execReportsOutputAndNonZeroExitAsV4Status() throws Exception {
    URI url = exec(false, false, "sh", "-c", "echo out; echo err >&2; exit 3");
    try (SpdyTestClient c = SpdyTestClient.connect(url, CRICTL_OFFERS, false)) {
      assertThat(c.handshake.status()).isEqualTo(101);
      assertThat(c.handshake.header("X-Stream-Protocol-Version")).isEqualTo("v4.channel.k8s.io");
      Result r = run(c, false, true, null);
      assertThat(r.stdout()).isEqualTo("out\n");
      assertThat(r.stderr()).isEqualTo("err\n");
      JsonValue status = Json.parse(r.error());
      assertThat(status.path("status").asText()).isEqualTo("Failure");
      assertThat(status.path("reason").asText()).isEqualTo("NonZeroExitCode");
      assertThat(status.at("/details/causes/0/reason").asText()).isEqualTo("ExitCode");
      assertThat(status.at("/details/causes/0/message").asText()).isEqualTo("3");
      c.closed.get(10, TimeUnit.SECONDS); // the server ends the connection after the status
    }
  }

  @Test
  void aClientThatOpensNoStreamIsCutOffLikeKubeletDoes() throws Exception {
    URI url = exec(false, false, "true");
    try (SpdyTestClient c = SpdyTestClient.connect(url, CRICTL_OFFERS, false)) {
      assertThat(c.handshake.status()).isEqualTo(101);
      // The stream creation timeout runs from the upgrade, not from the first stream.
      c.closed.get(SpdyRemoteCommand.STREAM_CREATION_TIMEOUT_SECONDS * 2, TimeUnit.SECONDS);
    }
  }

  @Test
  void execSuccessIsV4SuccessStatus() throws Exception {
    URI url = exec(false, false, "true");
    try (SpdyTestClient c = SpdyTestClient.connect(url, CRICTL_OFFERS, false)) {
      Result r = run(c, false, true, null);
      assertThat(r.error()).isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
      assertThat(r.stdout()).isEmpty();
    }
  }

  @Test
  void olderProtocolsWriteOnlyAFailureMessage() throws Exception {
    URI ok = exec(false, false, "true");
    try (SpdyTestClient c = SpdyTestClient.connect(ok, List.of("v2.channel.k8s.io"), false)) {
      assertThat(c.handshake.header("X-Stream-Protocol-Version")).isEqualTo("v2.channel.k8s.io");
      assertThat(run(c, false, true, null).error()).isEmpty();
    }
    URI failing = exec(false, false, "sh", "-c", "exit 7");
    try (SpdyTestClient c = SpdyTestClient.connect(failing, List.of("channel.k8s.io"), false)) {
      assertThat(run(c, false, true, null).error())
          .startsWith("command terminated with non-zero exit code")
          .contains("exit code 7");
    }
  }

  @Test
  void stdinReachesTheProcess() throws Exception {
    URI url = exec(true, false, "sh", "-c", "tr a-z A-Z");
    try (SpdyTestClient c = SpdyTestClient.connect(url, CRICTL_OFFERS, false)) {
      Result r = run(c, true, true, "hello through stdin\n");
      assertThat(r.stdout()).isEqualTo("HELLO THROUGH STDIN\n");
      assertThat(Json.parse(r.error()).path("status").asText()).isEqualTo("Success");
    }
  }

  @Test
  void hundredMebibytesWithoutWindowUpdatesLikeSpdystream() throws Exception {
    streamHundredMebibytes(false);
  }

  @Test
  void hundredMebibytesWithinTheWindowsOfAStrictClient() throws Exception {
    streamHundredMebibytes(true);
  }

  private void streamHundredMebibytes(boolean flowControl) throws Exception {
    long size = 100L << 20;
    URI url = exec(false, false, "head", "-c", Long.toString(size), "/dev/zero");
    try (SpdyTestClient c = SpdyTestClient.connect(url, CRICTL_OFFERS, flowControl)) {
      SpdyTestClient.Stream error = c.open("error");
      SpdyTestClient.Stream out = c.open("stdout");
      c.open("stderr");
      long start = System.nanoTime();
      long total = 0;
      byte[] buf = new byte[64 * 1024];
      InputStream in = out.in();
      int n;
      while ((n = in.read(buf)) >= 0) {
        total += n;
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(total).isEqualTo(size);
      assertThat(took).isLessThan(Duration.ofSeconds(60));
      assertThat(Json.parse(error.readAll()).path("status").asText()).isEqualTo("Success");
      assertThat(c.windowOverrun).isFalse();
    }
  }

  /**
   * More stdin than the server buffers while output flows, from a client that keeps no windows: the
   * server must not wait for an answer to its flow-control probe that sits behind the stdin it
   * stopped reading (crictl exec -i stopped after 64 KiB of output and hung).
   */
  @Test
  void megabytesOfStdinEchoedWithoutWindowUpdatesLikeSpdystream() throws Exception {
    int size = 4 * InboundPipe.LIMIT;
    URI url = exec(true, false, "cat");
    assertEchoedWhole(url, size);
  }

  /**
   * Writes {@code size} bytes to an exec of {@code cat} at {@code url} as crictl does (no windows
   * of its own) and checks all of them come back and the exec succeeds.
   */
  static void assertEchoedWhole(URI url, int size) throws Exception {
    try (SpdyTestClient c = SpdyTestClient.connect(url, CRICTL_OFFERS, false)) {
      SpdyTestClient.Stream error = c.open("error");
      error.closeWrite();
      SpdyTestClient.Stream in = c.open("stdin");
      SpdyTestClient.Stream out = c.open("stdout");
      c.open("stderr");
      byte[] chunk = new byte[32 * 1024];
      for (int sent = 0; sent < size; sent += chunk.length) {
        in.write(chunk);
      }
      in.closeWrite();
      long total = 0;
      byte[] buf = new byte[64 * 1024];
      InputStream echoed = out.in();
      for (int n; (n = echoed.read(buf)) >= 0; ) {
        total += n;
      }
      assertThat(total).isEqualTo(size);
      assertThat(Json.parse(error.readAll()).path("status").asText()).isEqualTo("Success");
    }
  }

  /**
   * A client that vanishes while the server has stopped reading its stdin (the process never reads
   * it) is still noticed: the connection ends and the process is killed.
   */
  @Test
  void clientVanishingWhileItsStdinIsHeldBackGetsItsProcessKilled() throws Exception {
    URI url = exec(true, false, "sleep", "1000");
    SpdyTestClient c = SpdyTestClient.connect(url, CRICTL_OFFERS, false);
    c.open("error").closeWrite();
    SpdyTestClient.Stream in = c.open("stdin");
    c.open("stdout");
    c.open("stderr");
    Process p = awaitStarted();
    byte[] chunk = new byte[64 * 1024];
    for (int sent = 0; sent < 4 * InboundPipe.LIMIT; sent += chunk.length) {
      in.write(chunk);
    }
    Thread.sleep(500); // the server reads until its backlog is full, then pauses
    assertThat(p.isAlive()).isTrue();
    c.close();
    assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("process killed after the client left").isTrue();
  }

  private Process awaitStarted() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (backends.started.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return backends.started.getFirst();
  }

  @Test
  void resizeMessagesReachTheBackend() throws Exception {
    URI url = exec(true, true, "sh", "-c", "read line; echo got $line");
    try (SpdyTestClient c = SpdyTestClient.connect(url, CRICTL_OFFERS, false)) {
      SpdyTestClient.Stream error = c.open("error");
      SpdyTestClient.Stream in = c.open("stdin");
      SpdyTestClient.Stream out = c.open("stdout");
      SpdyTestClient.Stream resize = c.open("resize");
      resize.write("{\"Width\":120,\"Height\":40}\n");
      // Split across frames, as a JSON stream may be.
      resize.write("{\"Width\":80,");
      resize.write("\"Height\":24}");
      assertThat(backends.resizes.poll(10, TimeUnit.SECONDS))
          .isEqualTo(new TestBackends.Size(120, 40));
      assertThat(backends.resizes.poll(10, TimeUnit.SECONDS))
          .isEqualTo(new TestBackends.Size(80, 24));
      in.write("done\n");
      assertThat(out.readAll()).isEqualTo("got done\n");
      assertThat(Json.parse(error.readAll()).path("status").asText()).isEqualTo("Success");
    }
  }

  @Test
  void tokensAreSingleUse() throws Exception {
    URI url = exec(false, false, "true");
    try (SpdyTestClient c = SpdyTestClient.connect(url, CRICTL_OFFERS, false)) {
      assertThat(c.handshake.status()).isEqualTo(101);
      run(c, false, true, null);
    }
    try (SpdyTestClient again = SpdyTestClient.connect(url, CRICTL_OFFERS, false)) {
      assertThat(again.handshake.status()).isEqualTo(404);
    }
    URI unknown = URI.create(server.baseUrl() + "/exec/notarealtoken");
    try (SpdyTestClient c = SpdyTestClient.connect(unknown, CRICTL_OFFERS, false)) {
      assertThat(c.handshake.status()).isEqualTo(404);
    }
  }

  @Test
  void tokenForAnotherKindIsRefusedAndSpent() throws Exception {
    URI url = exec(false, false, "true");
    URI asAttach = URI.create(url.toString().replace("/exec/", "/attach/"));
    try (SpdyTestClient c = SpdyTestClient.connect(asAttach, CRICTL_OFFERS, false)) {
      assertThat(c.handshake.status()).isEqualTo(404);
    }
    try (SpdyTestClient c = SpdyTestClient.connect(url, CRICTL_OFFERS, false)) {
      assertThat(c.handshake.status()).isEqualTo(404);
    }
  }

  @Test
  void expiredTokensAreRefused() throws Exception {
    server.close();
    TokenRegistry tokens = new TokenRegistry(Duration.ofMinutes(1), now::get);
    server = new StreamingServer(StreamingServer.Config.loopback(0), backends.backends(), tokens);
    server.start();
    URI url = exec(false, false, "true");
    now.set(now.get().plus(Duration.ofSeconds(61)));
    try (SpdyTestClient c = SpdyTestClient.connect(url, CRICTL_OFFERS, false)) {
      assertThat(c.handshake.status()).isEqualTo(404);
    }
  }

  @Test
  void unsupportedProtocolIsForbidden() throws Exception {
    URI url = exec(false, false, "true");
    try (SpdyTestClient c = SpdyTestClient.connect(url, List.of("v9.channel.k8s.io"), false)) {
      assertThat(c.handshake.status()).isEqualTo(403);
      assertThat(c.handshake.headers().get("x-accepted-stream-protocol-versions"))
          .contains("v4.channel.k8s.io");
    }
  }

  @Test
  void vanishedClientGetsItsProcessKilled() throws Exception {
    URI url = exec(false, false, "sleep", "1000");
    SpdyTestClient c = SpdyTestClient.connect(url, CRICTL_OFFERS, false);
    c.open("error");
    c.open("stdout");
    c.open("stderr");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (backends.started.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Process p = backends.started.getFirst();
    assertThat(p.isAlive()).isTrue();
    c.close();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void severalSessionsAtOnce() throws Exception {
    int sessions = 12;
    List<Callable<String>> calls = new ArrayList<>();
    for (int i = 0; i < sessions; i++) {
      String word = "session-" + i;
      boolean strict = i % 2 == 0;
      URI url = exec(true, false, "sh", "-c", "cat; echo " + word + " >&2");
      calls.add(
          () -> {
            try (SpdyTestClient c = SpdyTestClient.connect(url, CRICTL_OFFERS, strict)) {
              Result r = run(c, true, true, word + "\n");
              return r.stdout() + r.stderr();
            }
          });
    }
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<String>> results = pool.invokeAll(calls);
      for (int i = 0; i < sessions; i++) {
        assertThat(results.get(i).get()).isEqualTo("session-" + i + "\nsession-" + i + "\n");
      }
    }
  }

  @Test
  void portForwardToAnHttpServerInThePod() throws Exception {
    try (PodHttpServer pod = new PodHttpServer()) {
      URI url = server.url(new StreamRequest.PortForward("pod-1"));
      try (SpdyTestClient c = SpdyTestClient.connect(url, List.of("portforward.k8s.io"), false)) {
        assertThat(c.handshake.header("X-Stream-Protocol-Version")).isEqualTo("portforward.k8s.io");
        // Two forwarded connections at once on one SPDY connection, as kubectl does.
        List<SpdyTestClient.Stream[]> pairs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          String port = Integer.toString(pod.port());
          Map<String, String> h = Map.of("port", port, "requestid", Integer.toString(i));
          SpdyTestClient.Stream error = c.open(with(h, "streamtype", "error"));
          error.closeWrite();
          SpdyTestClient.Stream data = c.open(with(h, "streamtype", "data"));
          pairs.add(new SpdyTestClient.Stream[] {error, data});
        }
        for (int i = 0; i < 2; i++) {
          pairs.get(i)[1].write(PodHttpServer.get("/conn" + i));
        }
        for (int i = 0; i < 2; i++) {
          String response = pairs.get(i)[1].readAll();
          assertThat(response)
              .startsWith("HTTP/1.1 200")
              .endsWith(PodHttpServer.BODY + "/conn" + i + "\n");
          assertThat(pairs.get(i)[0].readAll()).isEmpty();
        }
      }
      assertThat(backends.connectedPods).containsOnly("pod-1");
    }
  }

  @Test
  void portForwardToAClosedPortReportsOnTheErrorStream() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    URI url = server.url(new StreamRequest.PortForward("pod-1"));
    try (SpdyTestClient c = SpdyTestClient.connect(url, List.of("portforward.k8s.io"), false)) {
      Map<String, String> h = Map.of("port", Integer.toString(closedPort), "requestid", "0");
      SpdyTestClient.Stream error = c.open(with(h, "streamtype", "error"));
      SpdyTestClient.Stream data = c.open(with(h, "streamtype", "data"));
      assertThat(error.readAll()).contains("error forwarding port " + closedPort);
      assertThat(data.readAll()).isEmpty();
    }
  }

  private static Map<String, String> with(Map<String, String> h, String k, String v) {
    Map<String, String> m = new java.util.HashMap<>(h);
    m.put(k, v);
    return m;
  }
}
