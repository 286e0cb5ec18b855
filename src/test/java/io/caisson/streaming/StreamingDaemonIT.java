package io.caisson.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.cri.v1.AttachRequest;
import io.caisson.cri.v1.ContainerState;
import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.ExecRequest;
import io.caisson.cri.v1.ExecSyncRequest;
import io.caisson.cri.v1.ExecSyncResponse;
import io.caisson.cri.v1.LinuxContainerConfig;
import io.caisson.cri.v1.LinuxContainerSecurityContext;
import io.caisson.cri.v1.PortForwardRequest;
import io.caisson.cri.v1.SecurityProfile;
import io.caisson.cri.v1.StopContainerRequest;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import io.caisson.testing.DaemonProcess;
import io.caisson.testing.NodeProcesses;
import io.caisson.testing.TestNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exec, attach, port-forward and ExecSync end to end: CRI calls on the daemon's socket, URLs on its
 * streaming server, real SPDY and WebSocket clients, real containers.
 */
@Timeout(180)
class StreamingDaemonIT {
  private static final String POD = "streaming-it";

  @TempDir Path dir;
  private TestNode node;
  private DaemonProcess daemon;
  private String pod;

  @BeforeEach
  void start() throws Exception {
    node = TestNode.start(dir);
    daemon = node.daemon;
    pod = node.runPod(POD);
  }

  @AfterEach
  void stop() throws Exception {
    try {
      node.cleanUpAndAssertNothingLeaked();
    } finally {
      node.close();
    }
  }

  private String run(String name, boolean tty, String... command) {
    return node.run(pod, POD, node.container(name, command).setTty(tty).setStdin(tty));
  }

  /** {@code cat} with stdin, stdout and stderr: what goes in comes back. */
  private static ExecRequest.Builder catAll(String id) {
    return ExecRequest.newBuilder()
        .setContainerId(id)
        .addCmd("cat")
        .setStdin(true)
        .setStdout(true)
        .setStderr(true);
  }

  private URI exec(ExecRequest.Builder request) {
    return URI.create(daemon.runtime().exec(request.build()).getUrl());
  }

  private URI attach(AttachRequest.Builder request) {
    return URI.create(daemon.runtime().attach(request.build()).getUrl());
  }

  @Test
  void ttyExecOverSpdyFollowsResizesAndReportsTheExitCode() throws Exception {
    String id = run("shell", false, "sleep", "3600");
    URI url =
        exec(
            ExecRequest.newBuilder()
                .setContainerId(id)
                .addAllCmd(List.of("sh"))
                .setTty(true)
                .setStdin(true)
                .setStdout(true));
    try (SpdyTestClient c = SpdyTestClient.connect(url, SpdyStreamingIT.CRICTL_OFFERS, false)) {
      assertThat(c.handshake.header("X-Stream-Protocol-Version")).isEqualTo("v4.channel.k8s.io");
      SpdyTestClient.Stream error = c.open("error");
      error.closeWrite();
      SpdyTestClient.Stream stdin = c.open("stdin");
      SpdyTestClient.Stream stdout = c.open("stdout");
      SpdyTestClient.Stream resize = c.open("resize");
      resize.write("{\"Width\":123,\"Height\":45}");
      StringBuffer seen = new StringBuffer();
      Thread reader = Thread.ofVirtual().start(() -> copyInto(stdout.in(), seen));
      // The resize and the typing travel on different streams: ask until the new size shows. The
      // answer may arrive in more than one read, so wait for the tty's name as well.
      for (int attempt = 0; !sizeAndTtyShown(seen.toString()); attempt++) {
        assertThat(attempt)
            .as("terminal size never became 45x123 on a pts: %s", seen)
            .isLessThan(50);
        if (!seen.toString().contains("45 123")) {
          stdin.write("stty size; tty\n");
        }
        Thread.sleep(200);
      }
      stdin.write("echo TERM=$TERM; exit 3\n");
      reader.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(seen.toString()).contains("TERM=xterm");
      JsonValue status = Json.parse(error.readAll());
      assertThat(status.path("reason").asText()).isEqualTo("NonZeroExitCode");
      assertThat(status.at("/details/causes/0/message").asText()).isEqualTo("3");
    }
  }

  private static boolean sizeAndTtyShown(String output) {
    int size = output.indexOf("45 123");
    return size >= 0 && output.indexOf("/dev/pts/", size) > 0;
  }

  private static void copyInto(InputStream in, StringBuffer into) {
    byte[] buf = new byte[4096];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        into.append(new String(buf, 0, n, StandardCharsets.UTF_8));
      }
    } catch (java.io.IOException e) {
      into.append("\n[read failed: ").append(e).append(']');
    }
  }

  @Test
  void aHundredMebibytesThroughExecStdoutOverWebSocket() throws Exception {
    String id = run("bulk", false, "sleep", "3600");
    URI url =
        exec(
            ExecRequest.newBuilder()
                .setContainerId(id)
                .addAllCmd(List.of("head", "-c", Integer.toString(100 << 20), "/dev/zero"))
                .setStdout(true)
                .setStderr(true));
    try (WsTestClient ws = WsTestClient.connect(wsUrl(url), "v5.channel.k8s.io")) {
      long stdout = 0;
      String status = "";
      for (WsTestClient.Message m = ws.next(); m != WsTestClient.CLOSED; m = ws.next()) {
        switch (m.channel()) {
          case 1 -> stdout += m.data().length;
          case 3 -> status += new String(m.data(), StandardCharsets.UTF_8);
          default -> {}
        }
      }
      assertThat(stdout).isEqualTo(100L << 20);
      assertThat(Json.parse(status).path("status").asText()).isEqualTo("Success");
    }
  }

  /**
   * Streams the client did not ask for are not pipes nobody reads: a process that writes more than
   * a pipe holds to its unrequested stderr, or reads its unrequested stdin, still finishes.
   */
  @Test
  void execWithoutStderrOrStdinStillFinishes() throws Exception {
    String id = run("quiet", false, "sleep", "3600");
    URI url =
        exec(
            ExecRequest.newBuilder()
                .setContainerId(id)
                .addAllCmd(List.of("sh", "-c", "cat; head -c 200000 /dev/zero >&2; echo done"))
                .setStdout(true));
    try (WsTestClient ws = WsTestClient.connect(wsUrl(url), "v5.channel.k8s.io")) {
      Map<Integer, String> got = ws.collect();
      assertThat(got.get(1)).isEqualTo("done\n");
      assertThat(got).doesNotContainKey(2);
      assertThat(Json.parse(got.get(3)).path("status").asText()).isEqualTo("Success");
    }
  }

  /**
   * crictl exec -i CTR cat < 4MiB-file over SPDY, from a client that keeps no windows, as
   * spdystream: all of it comes back (it stopped after 64 KiB once stdin backed up). Then a client
   * that vanishes while its stdin is held back still gets its process (and runc) ended.
   */
  @Test
  void megabytesOfStdinThroughExecOverSpdyAndAVanishedClientsProcessEnds() throws Exception {
    String id = run("echo", false, "sleep", "3600");
    int size = 4 << 20;
    URI url = exec(catAll(id));
    SpdyStreamingIT.assertEchoedWhole(url, size);

    URI stuck =
        exec(
            ExecRequest.newBuilder()
                .setContainerId(id)
                .addAllCmd(List.of("sleep", "1111"))
                .setStdin(true)
                .setStdout(true));
    SpdyTestClient c = SpdyTestClient.connect(stuck, SpdyStreamingIT.CRICTL_OFFERS, false);
    c.open("error").closeWrite();
    SpdyTestClient.Stream in = c.open("stdin");
    c.open("stdout");
    byte[] chunk = new byte[64 * 1024];
    for (int sent = 0; sent < size; sent += chunk.length) {
      in.write(chunk);
    }
    Thread.sleep(1000); // the daemon reads until its backlog is full, then pauses
    assertThat(ps(id)).contains("sleep 1111");
    c.close();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (ps(id).contains("sleep 1111")) {
      assertThat(System.nanoTime()).as("exec outlived its client").isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /**
   * Without a terminal, an exec in a container under seccomp RuntimeDefault runs through
   * caisson-exec, as its ExecSync does: the filter goes first on the helper's stdin, and the
   * client's bytes after it reach the command whole; the command is confined by the container's
   * filter and its parent on the node is the helper; a command that cannot run says why on stderr
   * and ends with 255, as through runc exec. A terminal keeps runc.
   */
  @Test
  void anExecWithoutATerminalRunsThroughTheHelperUnderTheContainersFilter() throws Exception {
    String id =
        node.run(
            pod,
            POD,
            node.container("confined", "sleep", "3600")
                .setLinux(
                    LinuxContainerConfig.newBuilder()
                        .setSecurityContext(
                            LinuxContainerSecurityContext.newBuilder()
                                .setSeccomp(
                                    SecurityProfile.newBuilder()
                                        .setProfileType(
                                            SecurityProfile.ProfileType.RuntimeDefault)))));
    SpdyStreamingIT.assertEchoedWhole(exec(catAll(id)), 1 << 20);

    // RuntimeDefault allows unshare(2) only to holders of CAP_SYS_ADMIN.
    Map<Integer, String> confined =
        collect(
            id, false, "sh", "-c", "grep '^Seccomp:' /proc/self/status; busybox unshare -U true");
    assertThat(confined.get(1)).isEqualTo("Seccomp:\t2\n");
    assertThat(confined.get(2)).contains("Operation not permitted");
    assertThat(Json.parse(confined.get(3)).path("reason").asText()).isEqualTo("NonZeroExitCode");
    // The parent is outside the container's pid namespace: the node knows it.
    assertThat(parentOnTheNode(id, false)).isEqualTo("caisson-exec");
    assertThat(parentOnTheNode(id, true)).startsWith("runc");

    Map<Integer, String> missing = collect(id, false, "no-such-command");
    assertThat(missing.get(2)).contains("\"no-such-command\": executable file not found in $PATH");
    assertThat(Json.parse(missing.get(3)).at("/details/causes/0/message").asText())
        .isEqualTo("255");
  }

  /** stdout (1), stderr (2) and status (3) of an exec over WebSocket, without stdin. */
  private Map<Integer, String> collect(String id, boolean tty, String... command) throws Exception {
    URI url =
        exec(
            ExecRequest.newBuilder()
                .setContainerId(id)
                .addAllCmd(List.of(command))
                .setTty(tty)
                .setStdout(true)
                .setStderr(!tty));
    try (WsTestClient ws = WsTestClient.connect(wsUrl(url), "v5.channel.k8s.io")) {
      return ws.collect();
    }
  }

  /** The name of the node-side parent of a {@code sleep} exec'd over the streaming server. */
  private String parentOnTheNode(String id, boolean tty) throws Exception {
    String seconds = tty ? "4.25" : "4.5";
    CompletableFuture<Map<Integer, String>> exec =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return collect(id, tty, "sleep", seconds);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    try {
      for (int i = 0; i < 150; i++) {
        Optional<Long> sleep = NodeProcesses.withCommandLine("sleep", seconds);
        if (sleep.isPresent()) {
          return NodeProcesses.parentName(sleep.get());
        }
        Thread.sleep(20);
      }
      throw new AssertionError("the exec'd sleep never showed on the node");
    } finally {
      exec.get(30, TimeUnit.SECONDS);
    }
  }

  private String ps(String id) {
    return daemon
        .runtime()
        .execSync(ExecSyncRequest.newBuilder().setContainerId(id).addCmd("ps").build())
        .getStdout()
        .toStringUtf8();
  }

  private static URI wsUrl(URI http) {
    return URI.create(http.toString().replaceFirst("^http", "ws"));
  }

  @Test
  void attachToATerminalContainerThenDetachLeavesItRunning() throws Exception {
    String id = run("console", true, "sh");
    URI url =
        attach(
            AttachRequest.newBuilder()
                .setContainerId(id)
                .setStdin(true)
                .setStdout(true)
                .setTty(true));
    try (WsTestClient ws = WsTestClient.connect(wsUrl(url), "v5.channel.k8s.io")) {
      // The container's own process has a TERM, as a terminal needs.
      ws.send(0, "echo attached-$((40+2))-$TERM\n");
      StringBuilder out = new StringBuilder();
      while (!out.toString().contains("attached-42-xterm")) {
        WsTestClient.Message m = ws.next();
        assertThat(m)
            .as("the session ended before the echo: %s", out)
            .isNotSameAs(WsTestClient.CLOSED);
        if (m.channel() == 1) {
          out.append(new String(m.data(), StandardCharsets.UTF_8));
        }
      }
    }
    Thread.sleep(200);
    assertThat(
            daemon
                .runtime()
                .containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build())
                .getStatus()
                .getState())
        .isEqualTo(ContainerState.CONTAINER_RUNNING);
  }

  /**
   * Output of a stream the attach client did not ask for is dropped, not kept: a container that
   * writes more to stderr than the daemon's heap holds, to a client that asked for stdout only,
   * leaves the daemon well and the session working.
   */
  @Test
  void attachDropsTheOutputOfStreamsNotAskedFor() throws Exception {
    String flood = "head -c " + (400 << 20) + " /dev/zero >&2";
    String id =
        node.run(
            pod,
            POD,
            node.container("flood", "sh", "-c", "read go; " + flood + "; echo flooded; sleep 3600")
                .setStdin(true));
    URI url = attach(AttachRequest.newBuilder().setContainerId(id).setStdin(true).setStdout(true));
    try (WsTestClient ws = WsTestClient.connect(wsUrl(url), "v5.channel.k8s.io")) {
      ws.send(0, "go\n");
      StringBuilder out = new StringBuilder();
      while (!out.toString().contains("flooded")) {
        WsTestClient.Message m = ws.messages.poll(120, TimeUnit.SECONDS);
        assertThat(m).as("stdout so far: %s", out).isNotNull().isNotSameAs(WsTestClient.CLOSED);
        assertThat(m.channel()).as("only stdout was asked for").isIn(1, 3);
        if (m.channel() == 1) {
          out.append(m.text());
        }
      }
    }
    assertThat(daemon.process().isAlive()).isTrue();
    assertThat(daemon.log()).doesNotContain("OutOfMemoryError");
  }

  @Test
  void portForwardReachesAnHttpServerInThePod() throws Exception {
    run(
        "web",
        false,
        "sh",
        "-c",
        "mkdir -p /www && echo pod-page > /www/index.html && exec httpd -f -p 8080 -h /www");
    for (int attempt = 0; ; attempt++) {
      URI url =
          URI.create(
              daemon
                  .runtime()
                  .portForward(
                      PortForwardRequest.newBuilder().setPodSandboxId(pod).addPort(8080).build())
                  .getUrl());
      try (SpdyTestClient c = SpdyTestClient.connect(url, List.of("portforward.k8s.io"), false)) {
        Map<String, String> h = Map.of("port", "8080", "requestid", "0");
        SpdyTestClient.Stream error = c.open(with(h, "streamtype", "error"));
        error.closeWrite();
        SpdyTestClient.Stream data = c.open(with(h, "streamtype", "data"));
        data.write("GET /index.html HTTP/1.0\r\nHost: pod\r\n\r\n");
        String response = data.readAll();
        String problem = error.readAll();
        if (problem.isEmpty() && response.startsWith("HTTP/1.")) {
          assertThat(response).contains(" 200 ").endsWith("pod-page\n");
          return;
        }
        // httpd may not listen yet.
        assertThat(attempt).as("port-forward kept failing: %s", problem).isLessThan(50);
        Thread.sleep(100);
      }
    }
  }

  private static Map<String, String> with(Map<String, String> h, String k, String v) {
    Map<String, String> m = new java.util.HashMap<>(h);
    m.put(k, v);
    return m;
  }

  @Test
  void anExecUrlIsSingleUse() throws Exception {
    String id = run("once", false, "sleep", "3600");
    URI url = exec(ExecRequest.newBuilder().setContainerId(id).addCmd("true").setStdout(true));
    try (WsTestClient ws = WsTestClient.connect(wsUrl(url), "v5.channel.k8s.io")) {
      assertThat(ws.collect()).containsKey(3);
    }
    assertThatThrownBy(() -> WsTestClient.connect(wsUrl(url), "v5.channel.k8s.io"))
        .hasStackTraceContaining("404");
  }

  @Test
  void execSyncReportsOutputExitCodeBoundsOutputAndTimesOut() throws Exception {
    String id = run("sync", false, "sleep", "3600");
    ExecSyncResponse r =
        daemon
            .runtime()
            .execSync(
                ExecSyncRequest.newBuilder()
                    .setContainerId(id)
                    .addAllCmd(List.of("sh", "-c", "echo out; echo err >&2; exit 5"))
                    .build());
    assertThat(r.getStdout().toStringUtf8()).isEqualTo("out\n");
    assertThat(r.getStderr().toStringUtf8()).isEqualTo("err\n");
    assertThat(r.getExitCode()).isEqualTo(5);

    ExecSyncResponse chatty =
        daemon
            .runtime()
            .execSync(
                ExecSyncRequest.newBuilder()
                    .setContainerId(id)
                    .addAllCmd(List.of("head", "-c", Integer.toString(40 << 20), "/dev/zero"))
                    .build());
    assertThat(chatty.getStdout().size())
        .as("capped under 16 MiB")
        .isEqualTo(io.caisson.oci.Runc.EXEC_OUTPUT_LIMIT);
    // Both streams share the cap: the reply stays under the 16 MiB kubelet's client takes.
    ExecSyncResponse both =
        daemon
            .runtime()
            .execSync(
                ExecSyncRequest.newBuilder()
                    .setContainerId(id)
                    .addAllCmd(
                        List.of(
                            "sh", "-c", "head -c 9000000 /dev/zero; head -c 9000000 /dev/zero >&2"))
                    .build());
    assertThat(both.getStdout().size() + both.getStderr().size())
        .isEqualTo(io.caisson.oci.Runc.EXEC_OUTPUT_LIMIT);
    assertThat(both.getSerializedSize()).isLessThanOrEqualTo(16 << 20);

    long before = System.nanoTime();
    assertThatThrownBy(
            () ->
                daemon
                    .runtime()
                    .execSync(
                        ExecSyncRequest.newBuilder()
                            .setContainerId(id)
                            .addAllCmd(List.of("sleep", "60"))
                            .setTimeout(1)
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertThat(System.nanoTime() - before).isLessThan(TimeUnit.SECONDS.toNanos(30));
    ExecSyncResponse ps =
        daemon
            .runtime()
            .execSync(
                ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of("ps")).build());
    assertThat(ps.getStdout().toStringUtf8())
        .as("the timed-out sleep was killed")
        .doesNotContain("sleep 60");

    daemon
        .runtime()
        .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build());
    assertThatThrownBy(
            () ->
                daemon
                    .runtime()
                    .execSync(
                        ExecSyncRequest.newBuilder().setContainerId(id).addCmd("true").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    assertThatThrownBy(
            () ->
                daemon
                    .runtime()
                    .exec(
                        ExecRequest.newBuilder()
                            .setContainerId("nosuch")
                            .addCmd("true")
                            .setStdout(true)
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }
}
