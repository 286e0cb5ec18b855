package io.caisson.testing;

import io.caisson.cri.v1.ImageServiceGrpc;
import io.caisson.cri.v1.RuntimeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Caisson daemon started through {@code bin/caisson} on a private socket, root and state
 * dir, plus gRPC clients for it. Its stderr goes to a log file the test can read.
 */
public final class DaemonProcess implements AutoCloseable {
  private static final String PARANOID_LEAK_DETECTION = "-Dio.netty.leakDetection.level=paranoid";
  private static final EventLoopGroup CLIENT_LOOPS =
      new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());

  private final Path dir;
  private final Path socket;
  private final Path log;
  private final Process process;
  private final ManagedChannel channel;

  private DaemonProcess(Path dir, Path socket, Path log, Process process) {
    this.dir = dir;
    this.socket = socket;
    this.log = log;
    this.process = process;
    this.channel = channelTo(socket);
  }

  /** The launcher in the source tree; the build sets it as a system property. */
  public static Path launcher() {
    return Path.of(System.getProperty("caisson.launcher", "bin/caisson")).toAbsolutePath();
  }

  /** Starts a daemon with its dirs under {@code dir} and waits until its socket answers. */
  public static DaemonProcess start(Path dir, String... extraArgs) throws Exception {
    return start(dir, Map.of(), extraArgs);
  }

  /** As {@link #start(Path, String...)}, with {@code env} added to the daemon's environment. */
  public static DaemonProcess start(Path dir, Map<String, String> env, String... extraArgs)
      throws Exception {
    Path socket = dir.resolve("caisson.sock");
    Path log = dir.resolve("daemon.log");
    Process process = launch(dir, socket, log, env, extraArgs);
    waitForSocket(socket, process, log, Duration.ofSeconds(30));
    return new DaemonProcess(dir, socket, log, process);
  }

  /**
   * As {@link #start(Path, String...)}, with the launcher run by {@code prefix} (a command that
   * execs its arguments, e.g. {@code unshare}), so the daemon keeps its pid.
   */
  public static DaemonProcess startUnder(List<String> prefix, Path dir, String... extraArgs)
      throws Exception {
    Path socket = dir.resolve("caisson.sock");
    Path log = dir.resolve("daemon.log");
    Process process = launch(dir, socket, log, Map.of(), prefix, extraArgs);
    waitForSocket(socket, process, log, Duration.ofSeconds(30));
    return new DaemonProcess(dir, socket, log, process);
  }

  /** Starts the launcher with the standard private dirs; does not wait. */
  public static Process launch(Path dir, Path socket, Path log, String... extraArgs)
      throws IOException {
    return launch(dir, socket, log, Map.of(), extraArgs);
  }

  private static Process launch(
      Path dir, Path socket, Path log, Map<String, String> env, String... extraArgs)
      throws IOException {
    return launch(dir, socket, log, env, List.of(), extraArgs);
  }

  private static Process launch(
      Path dir,
      Path socket,
      Path log,
      Map<String, String> env,
      List<String> prefix,
      String... extraArgs)
      throws IOException {
    Files.createDirectories(dir);
    List<String> command = new ArrayList<>(prefix);
    command.add(launcher().toString());
    command.addAll(
        List.of(
            "--config", defaultConfig(dir).toString(),
            "--socket", socket.toString(),
            "--root", dir.resolve("root").toString(),
            "--state", dir.resolve("state").toString(),
            "--log-level", "debug"));
    if (!List.of(extraArgs).contains("--registries-conf")) {
      // Never the machine's registries.conf: tests reach only registries they started.
      Path registries = dir.resolve("registries.conf");
      if (!Files.exists(registries)) {
        Files.writeString(registries, "# test: no rewrites\n");
      }
      command.addAll(List.of("--registries-conf", registries.toString()));
    }
    command.addAll(List.of(extraArgs));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("CAISSON_NATIVE_DIR", dir.resolve("native").toString());
    builder.environment().putAll(env);
    // The daemon tracks every Netty buffer, as the test JVM does; stop() fails on a leak it logged.
    builder
        .environment()
        .merge("CAISSON_JAVA_OPTS", PARANOID_LEAK_DETECTION, (given, ours) -> ours + " " + given);
    return builder.start();
  }

  /** An empty config file of the test's own, so the machine's /etc/caisson is never read. */
  private static Path defaultConfig(Path dir) throws IOException {
    Path file = dir.resolve("caisson.toml");
    if (!Files.exists(file)) {
      Files.writeString(file, "# test defaults\n");
    }
    return file;
  }

  public static void waitForSocket(Path socket, Process process, Path log, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(socket) && canConnect(socket)) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "daemon exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("daemon socket never answered:\n" + Files.readString(log));
  }

  private static boolean canConnect(Path socket) {
    try (var channel = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      channel.connect(java.net.UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  public static ManagedChannel channelTo(Path socket) {
    return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(CLIENT_LOOPS)
        .usePlaintext()
        .maxInboundMessageSize(64 * 1024 * 1024)
        .build();
  }

  public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
    return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES);
  }

  public ImageServiceGrpc.ImageServiceBlockingStub images() {
    return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES);
  }

  public ManagedChannel channel() {
    return channel;
  }

  public Path socket() {
    return socket;
  }

  public Path dir() {
    return dir;
  }

  public Process process() {
    return process;
  }

  public String log() throws IOException {
    return Files.readString(log);
  }

  /**
   * SIGTERM, then wait for a clean exit; returns the exit code.
   *
   * @throws AssertionError when the daemon logged a Netty buffer it never released
   */
  public int stop() throws Exception {
    channel.shutdownNow();
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    assertNoBufferLeaks(log);
    return process.exitValue();
  }

  /**
   * Fails with the daemon's leak reports, if its log has any. Netty reports a buffer only once the
   * collector found it unreleased, so a clean log is evidence, not proof.
   */
  public static void assertNoBufferLeaks(Path log) throws IOException {
    List<String> leaks =
        Files.readAllLines(log).stream().filter(line -> line.contains("LEAK:")).toList();
    if (!leaks.isEmpty()) {
      throw new AssertionError(
          "the daemon leaked Netty buffers (see " + log + "):\n" + String.join("\n", leaks));
    }
  }

  /**
   * SIGKILL, as a crash would: the daemon gets no chance to clean up or flush anything.
   *
   * @throws AssertionError when the daemon logged a Netty buffer it never released
   */
  public void kill() throws Exception {
    channel.shutdownNow();
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
    assertNoBufferLeaks(log);
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      stop();
    }
    channel.shutdownNow();
  }
}
