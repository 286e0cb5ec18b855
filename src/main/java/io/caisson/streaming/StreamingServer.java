package io.caisson.streaming;

import io.caisson.common.CaissonException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet-style streaming server behind CRI Exec, Attach and PortForward: the CRI call {@link
 * #url registers} its request and returns a one-time URL; the client (kubelet, crictl) connects to
 * it and upgrades to SPDY/3.1 or WebSocket. Binds to loopback by default, since the token is the
 * only authentication.
 */
public final class StreamingServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StreamingServer.class);

  /**
   * Where to listen. Port 0 picks a free port. With {@code tlsCert} and {@code tlsKey} (PEM; the
   * key PKCS#8) the server speaks HTTPS. {@code advertiseHost}, when set, is the host put in URLs
   * (needed when binding a wildcard address). A connection with no traffic either way for {@code
   * idleTimeout} is closed, which ends its sessions (null or zero: never).
   */
  public record Config(
      String host,
      int port,
      Path tlsCert,
      Path tlsKey,
      String advertiseHost,
      Duration idleTimeout) {
    public Config {
      if (host == null || host.isBlank()) {
        host = "127.0.0.1";
      }
      if (port < 0 || port > 65535) {
        throw CaissonException.invalid("streaming port %d out of range", port);
      }
      if ((tlsCert == null) != (tlsKey == null)) {
        throw CaissonException.invalid("streaming TLS needs both a certificate and a key");
      }
    }

    public static Config loopback(int port) {
      return new Config("127.0.0.1", port, null, null, null, null);
    }

    boolean closesIdle() {
      return idleTimeout != null && idleTimeout.isPositive();
    }
  }

  private final Config config;
  private final Backends backends;
  private final TokenRegistry tokens;
  private final EventLoopGroup group;
  private final boolean ownGroup;
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private Channel server;
  private String baseUrl;

  /** A server on its own single event loop thread. */
  public StreamingServer(Config config, Backends backends, TokenRegistry tokens) {
    this(config, backends, tokens, null);
  }

  /**
   * A server on {@code group} (for instance the gRPC server's epoll loops), or on its own single
   * loop when {@code group} is null. A shared group is not shut down by {@link #close}.
   */
  public StreamingServer(
      Config config, Backends backends, TokenRegistry tokens, EventLoopGroup group) {
    this.config = config;
    this.backends = backends;
    this.tokens = tokens;
    this.ownGroup = group == null;
    this.group =
        group != null
            ? group
            : new MultiThreadIoEventLoopGroup(
                1, Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  /** Binds and starts serving. */
  public synchronized void start() throws IOException {
    if (server != null) {
      throw CaissonException.precondition("streaming server already started");
    }
    SslContext ssl = null;
    if (config.tlsCert() != null) {
      try {
        ssl =
            SslContextBuilder.forServer(config.tlsCert().toFile(), config.tlsKey().toFile())
                .build();
      } catch (IOException | RuntimeException e) {
        throw CaissonException.invalid(
            "streaming TLS certificate %s / key %s: %s",
            config.tlsCert(), config.tlsKey(), e.getMessage());
      }
    }
    SslContext sslContext = ssl;
    Class<? extends ServerChannel> channelType = serverChannelType();
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(channelType)
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    connections.add(ch);
                    if (config.closesIdle()) {
                      // Outermost, so that any bytes either way count: TLS records, pings.
                      ch.pipeline()
                          .addLast(
                              "idle",
                              new IdleStateHandler(
                                  0, 0, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                          .addLast("idle-close", new IdleClose(config.idleTimeout()));
                    }
                    if (sslContext != null) {
                      ch.pipeline().addLast("ssl", sslContext.newHandler(ch.alloc()));
                    }
                    ch.pipeline()
                        .addLast("http", new HttpServerCodec())
                        .addLast("http-aggregator", new HttpObjectAggregator(64 * 1024))
                        .addLast("upgrade", new UpgradeHandler(tokens, backends));
                  }
                });
    InetSocketAddress bound;
    try {
      server =
          bootstrap
              .bind(new InetSocketAddress(InetAddress.getByName(config.host()), config.port()))
              .sync()
              .channel();
      bound = (InetSocketAddress) server.localAddress();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted binding the streaming server", e);
    } catch (Exception e) {
      throw new IOException(
          "cannot bind the streaming server to %s:%d: %s"
              .formatted(config.host(), config.port(), e.getMessage()),
          e);
    }
    String host = config.advertiseHost() != null ? config.advertiseHost() : bound.getHostString();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    baseUrl = (ssl != null ? "https://" : "http://") + host + ":" + bound.getPort();
    LOG.info("streaming server listening on {}", baseUrl);
  }

  private Class<? extends ServerChannel> serverChannelType() {
    if (group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class)) {
      return EpollServerSocketChannel.class;
    }
    return NioServerSocketChannel.class;
  }

  /** The port the server is bound to. */
  public int port() {
    requireStarted();
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** {@code http(s)://host:port}, without a trailing slash. */
  public String baseUrl() {
    requireStarted();
    return baseUrl;
  }

  /** Registers {@code request} and returns the single-use URL that serves it. */
  public URI url(StreamRequest request) {
    requireStarted();
    return URI.create(baseUrl + "/" + request.kind() + "/" + tokens.register(request));
  }

  public TokenRegistry tokens() {
    return tokens;
  }

  private void requireStarted() {
    if (server == null) {
      throw CaissonException.precondition("streaming server not started");
    }
  }

  /** Stops listening and closes every open session (exec'd processes are killed). */
  @Override
  public synchronized void close() {
    if (server != null) {
      server.close().syncUninterruptibly();
    }
    connections.close().awaitUninterruptibly();
    if (ownGroup) {
      group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** Closes a connection the {@link IdleStateHandler} found idle; its sessions end with it. */
  private static final class IdleClose extends ChannelInboundHandlerAdapter {
    private final Duration timeout;

    IdleClose(Duration timeout) {
      this.timeout = timeout;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
      if (event instanceof IdleStateEvent) {
        LOG.info(
            "streaming connection from {} idle for {}: closed",
            ctx.channel().remoteAddress(),
            timeout);
        ctx.close();
        return;
      }
      super.userEventTriggered(ctx, event);
    }
  }
}
