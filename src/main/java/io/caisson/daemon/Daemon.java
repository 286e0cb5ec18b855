package io.caisson.daemon;

import io.caisson.config.CaissonConfig;
import io.caisson.cri.CallLogging;
import io.caisson.cri.ImageApi;
import io.caisson.cri.RuntimeApi;
import io.caisson.cri.RuntimeInfoRpcs;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The running daemon: the gRPC server on the unix socket and the services behind it. Stopping it
 * stops serving; containers keep running (conmon holds them, not this process).
 */
public final class Daemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
  private static final long DRAIN_SECONDS = 10;

  private final CaissonConfig config;
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private EventLoopGroup eventLoops;
  private ExecutorService rpcExecutor;
  private Server server;

  public Daemon(CaissonConfig config) {
    this.config = config;
  }

  /** Serves until SIGTERM or SIGINT, then drains and returns the process exit code. */
  public int runUntilSignalled() throws Exception {
    long started = System.nanoTime();
    start();
    Signal.handle(new Signal("TERM"), signal -> stopRequested.countDown());
    Signal.handle(new Signal("INT"), signal -> stopRequested.countDown());
    LOG.info(
        "caisson serving CRI on {} (ready in {} ms)",
        config.socket(),
        (System.nanoTime() - started) / 1_000_000);
    stopRequested.await();
    LOG.info("shutting down: no new calls, draining in-flight ones");
    close();
    return 0;
  }

  public void start() throws IOException {
    Files.createDirectories(config.root());
    Files.createDirectories(config.state());
    SocketGuard.prepare(config.socket());
    NodeState node = new NodeState(config.root());
    Readiness readiness = new Readiness(config, new CniPresence(config.cni().confDir()));
    CallLogging logging = new CallLogging();

    eventLoops = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    rpcExecutor = Executors.newVirtualThreadPerTaskExecutor();
    server =
        NettyServerBuilder.forAddress(new DomainSocketAddress(config.socket().toString()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(eventLoops)
            .workerEventLoopGroup(eventLoops)
            .executor(rpcExecutor)
            .maxInboundMessageSize(16 * 1024 * 1024)
            .addService(
                ServerInterceptors.intercept(
                    new RuntimeApi(new RuntimeInfoRpcs(config, readiness, node)), logging))
            .addService(ServerInterceptors.intercept(new ImageApi(), logging))
            .build();
    server.start();
    SocketGuard.restrict(config.socket());
  }

  @Override
  public void close() throws InterruptedException {
    if (server != null) {
      server.shutdown();
      if (!server.awaitTermination(DRAIN_SECONDS, TimeUnit.SECONDS)) {
        LOG.warn("in-flight calls still running after {} s; cancelling them", DRAIN_SECONDS);
        server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
      }
    }
    if (eventLoops != null) {
      eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(2, TimeUnit.SECONDS);
    }
    if (rpcExecutor != null) {
      rpcExecutor.shutdownNow();
    }
    try {
      Files.deleteIfExists(config.socket());
    } catch (IOException e) {
      LOG.warn("could not remove socket {}: {}", config.socket(), e.getMessage());
    }
  }
}
