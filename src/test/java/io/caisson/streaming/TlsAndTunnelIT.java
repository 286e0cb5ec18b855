package io.caisson.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS streaming, and port-forward as SPDY tunnelled in a WebSocket (client-go's dialer). */
@Timeout(60)
class TlsAndTunnelIT {

  private final TestBackends backends = new TestBackends();

  @Test
  void execOverTls(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Process openssl =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString())
            .redirectErrorStream(true)
            .start();
    openssl.getInputStream().readAllBytes();
    assertThat(openssl.waitFor()).isZero();
    try (StreamingServer server =
        new StreamingServer(
            new StreamingServer.Config("127.0.0.1", 0, cert, key, null, null),
            backends.backends(),
            new TokenRegistry())) {
      server.start();
      URI url =
          server.url(
              new StreamRequest.Exec("c", List.of("echo", "secure"), false, false, true, false));
      assertThat(url.getScheme()).isEqualTo("https");
      try (SpdyTestClient c =
          SpdyTestClient.connect(
              url,
              List.of("v4.channel.k8s.io"),
              false,
              SslContextBuilder.forClient().trustManager(cert.toFile()).build())) {
        SpdyTestClient.Stream error = c.open("error");
        SpdyTestClient.Stream out = c.open("stdout");
        assertThat(out.readAll()).isEqualTo("secure\n");
        assertThat(error.readAll()).contains("Success");
      }
    } finally {
      backends.killAll();
    }
  }

  @Test
  void portForwardAsSpdyTunnelledInWebSocket() throws Exception {
    try (PodHttpServer pod = new PodHttpServer();
        StreamingServer server =
            new StreamingServer(
                StreamingServer.Config.loopback(0), backends.backends(), new TokenRegistry())) {
      server.start();
      URI url = server.url(new StreamRequest.PortForward("pod-t", List.of(pod.port())));
      LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
      // java.net.http refuses '/' in a subprotocol name; client-go (and Netty) send it as is.
      WebSocketClientHandshaker handshaker =
          WebSocketClientHandshakerFactory.newHandshaker(
              URI.create(url.toString().replaceFirst("^http", "ws")),
              WebSocketVersion.V13,
              "SPDY/3.1+portforward.k8s.io",
              false,
              new DefaultHttpHeaders());
      CompletableFuture<Void> upgraded = new CompletableFuture<>();
      Channel ws =
          new Bootstrap()
              .group(SpdyTestClient.GROUP)
              .channel(NioSocketChannel.class)
              .handler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                      c.pipeline()
                          .addLast(new HttpClientCodec())
                          .addLast(new HttpObjectAggregator(65536))
                          .addLast(
                              new SimpleChannelInboundHandler<Object>() {
                                @Override
                                public void exceptionCaught(
                                    ChannelHandlerContext ctx, Throwable cause) {
                                  upgraded.completeExceptionally(cause);
                                }

                                @Override
                                public void channelActive(ChannelHandlerContext ctx) {
                                  handshaker.handshake(ctx.channel());
                                }

                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                  if (!handshaker.isHandshakeComplete()) {
                                    handshaker.finishHandshake(
                                        ctx.channel(), (FullHttpResponse) msg);
                                    upgraded.complete(null);
                                  } else if (msg instanceof BinaryWebSocketFrame f) {
                                    byte[] b = new byte[f.content().readableBytes()];
                                    f.content().readBytes(b);
                                    received.add(b);
                                  }
                                }
                              });
                    }
                  })
              .connect("127.0.0.1", url.getPort())
              .sync()
              .channel();
      upgraded.get(10, TimeUnit.SECONDS);
      assertThat(handshaker.actualSubprotocol()).isEqualTo("SPDY/3.1+portforward.k8s.io");
      // The SPDY client side runs in an embedded channel; its bytes travel as binary messages.
      EmbeddedChannel spdy = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
      for (String type : List.of("error", "data")) {
        DefaultSpdySynStreamFrame syn =
            new DefaultSpdySynStreamFrame(type.equals("error") ? 1 : 3, 0, (byte) 0);
        syn.headers().set("streamtype", type).set("port", "" + pod.port()).set("requestid", "0");
        spdy.writeOutbound(syn);
      }
      spdy.writeOutbound(
          new DefaultSpdyDataFrame(
              3, Unpooled.copiedBuffer(PodHttpServer.get("/tunnel"), StandardCharsets.US_ASCII)));
      for (Object o; (o = spdy.readOutbound()) != null; ) {
        ByteBuf b = (ByteBuf) o;
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        ws.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes))).sync();
      }
      ByteArrayOutputStream response = new ByteArrayOutputStream();
      int replies = 0;
      boolean fin = false;
      while (!fin) {
        byte[] chunk = received.poll(30, TimeUnit.SECONDS);
        assertThat(chunk).as("tunnel data").isNotNull();
        spdy.writeInbound(Unpooled.wrappedBuffer(chunk));
        for (Object frame; (frame = spdy.readInbound()) != null; ) {
          if (frame instanceof SpdySynReplyFrame) {
            replies++;
          } else if (frame instanceof SpdyDataFrame d && d.streamId() == 3) {
            d.content().readBytes(response, d.content().readableBytes());
            fin = d.isLast();
          }
          ReferenceCountUtil.release(frame);
        }
      }
      assertThat(replies).isEqualTo(2);
      assertThat(response.toString(StandardCharsets.UTF_8)).endsWith("/tunnel\n");
      ws.close().sync();
    }
  }
}
