package io.caisson.bench;

import com.google.common.util.concurrent.MoreExecutors;
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
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A gRPC connection to one CRI endpoint on a unix socket. */
public final class CriClient implements AutoCloseable {
  private static final EventLoopGroup LOOPS =
      new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());

  private final String label;
  private final Path socket;
  private final ManagedChannel channel;

  public CriClient(String label, Path socket) {
    this.label = label;
    this.socket = socket;
    this.channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(LOOPS)
            .usePlaintext()
            .maxInboundMessageSize(64 * 1024 * 1024)
            .build();
  }

  /** {@code unix:///run/x.sock} or a plain path. */
  public static Path socketOf(String endpoint) {
    String path =
        endpoint.startsWith("unix://") ? endpoint.substring("unix://".length()) : endpoint;
    if (path.isEmpty() || !path.startsWith("/")) {
      throw new IllegalArgumentException(
          "endpoint must be unix:///absolute/path.sock, got " + endpoint);
    }
    return Path.of(path);
  }

  /** True when something accepts connections on the socket (cheaper than a gRPC call). */
  public static boolean accepts(Path socket) {
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  public String label() {
    return label;
  }

  public Path socket() {
    return socket;
  }

  public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
    return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES);
  }

  /** An asynchronous stub whose callbacks run on the channel's I/O thread (see ChainedCalls). */
  public RuntimeServiceGrpc.RuntimeServiceStub runtimeOnIoThread() {
    return RuntimeServiceGrpc.newStub(channel).withExecutor(MoreExecutors.directExecutor());
  }

  public ImageServiceGrpc.ImageServiceBlockingStub images() {
    return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES);
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
