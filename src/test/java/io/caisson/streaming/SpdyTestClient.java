package io.caisson.streaming;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdyWindowUpdateFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal SPDY/3.1 client on Netty's frame codec, speaking to the server the way client-go does:
 * HTTP upgrade with X-Stream-Protocol-Version, then client-opened streams. With {@code flowControl}
 * it keeps receive windows like a strict SPDY peer (WINDOW_UPDATE when half is used, and it records
 * any frame that overran its window); without, it behaves like spdystream and never grants credit.
 */
final class SpdyTestClient implements AutoCloseable {

  static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private static final int WINDOW = 64 * 1024;
  private static final byte[] EOF = new byte[0];

  record Handshake(int status, Map<String, List<String>> headers) {
    String header(String name) {
      List<String> values = headers.get(name.toLowerCase());
      return values == null ? null : values.getFirst();
    }
  }

  final Handshake handshake;
  final AtomicBoolean windowOverrun = new AtomicBoolean();
  final AtomicBoolean goAway = new AtomicBoolean();
  final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final Channel channel;
  private final boolean flowControl;
  private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();
  private final AtomicInteger nextId = new AtomicInteger(1);
  private int sessionWindow = WINDOW; // event loop only

  private SpdyTestClient(Channel channel, Handshake handshake, boolean flowControl) {
    this.channel = channel;
    this.handshake = handshake;
    this.flowControl = flowControl;
  }

  /** Upgrades; returns the handshake and, when it was a 101, a usable client. */
  static SpdyTestClient connect(URI url, List<String> protocols, boolean flowControl)
      throws Exception {
    return connect(url, protocols, flowControl, null);
  }

  static SpdyTestClient connect(
      URI url, List<String> protocols, boolean flowControl, SslContext ssl) throws Exception {
    CompletableFuture<Handshake> done = new CompletableFuture<>();
    SpdyTestClient[] self = new SpdyTestClient[1];
    CompletableFuture<SpdyTestClient> ready = new CompletableFuture<>();
    Channel ch =
        new Bootstrap()
            .group(GROUP)
            .channel(NioSocketChannel.class)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel c) {
                    if (ssl != null) {
                      c.pipeline().addLast(ssl.newHandler(c.alloc(), url.getHost(), url.getPort()));
                    }
                    c.pipeline().addLast("handshake", new HandshakeDecoder(done, ready));
                  }
                })
            .connect(url.getHost(), url.getPort())
            .sync()
            .channel();
    StringBuilder req =
        new StringBuilder("POST " + url.getRawPath() + " HTTP/1.1\r\n")
            .append("Host: ")
            .append(url.getHost())
            .append(':')
            .append(url.getPort())
            .append("\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nContent-Length: 0\r\n");
    for (String p : protocols) {
      req.append("X-Stream-Protocol-Version: ").append(p).append("\r\n");
    }
    req.append("\r\n");
    ch.writeAndFlush(Unpooled.copiedBuffer(req, StandardCharsets.US_ASCII));
    Handshake hs = done.get(10, TimeUnit.SECONDS);
    self[0] = new SpdyTestClient(ch, hs, flowControl);
    ready.complete(self[0]);
    return self[0];
  }

  /** Reads the HTTP response, then swaps itself for the SPDY codec and session. */
  private static final class HandshakeDecoder extends ByteToMessageDecoder {
    private final CompletableFuture<Handshake> done;
    private final CompletableFuture<SpdyTestClient> ready;

    HandshakeDecoder(CompletableFuture<Handshake> done, CompletableFuture<SpdyTestClient> ready) {
      this.done = done;
      this.ready = ready;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      done.completeExceptionally(cause);
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      done.completeExceptionally(new IOException("connection closed during the handshake"));
      super.channelInactive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      if (done.isDone()) {
        in.skipBytes(in.readableBytes());
        return;
      }
      int end = -1;
      for (int i = in.readerIndex(); i + 3 < in.writerIndex(); i++) {
        if (in.getByte(i) == '\r'
            && in.getByte(i + 1) == '\n'
            && in.getByte(i + 2) == '\r'
            && in.getByte(i + 3) == '\n') {
          end = i + 4;
          break;
        }
      }
      if (end < 0) {
        return;
      }
      String head =
          in.readCharSequence(end - in.readerIndex(), StandardCharsets.US_ASCII).toString();
      String[] lines = head.split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers
              .computeIfAbsent(
                  lines[i].substring(0, colon).trim().toLowerCase(), k -> new ArrayList<>())
              .add(lines[i].substring(colon + 1).trim());
        }
      }
      Handshake hs = new Handshake(status, headers);
      done.complete(hs); // before the swap: leftover bytes reach Session, which waits for us
      if (status == 101) {
        ctx.pipeline().addAfter(ctx.name(), "spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
        ctx.pipeline().addAfter("spdy", "session", new Session(ready));
        ctx.pipeline().remove(this);
      }
    }
  }

  /** Client-side frame handling; waits for the client object before touching it. */
  private static final class Session extends ChannelInboundHandlerAdapter {
    private final CompletableFuture<SpdyTestClient> ready;

    Session(CompletableFuture<SpdyTestClient> ready) {
      this.ready = ready;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      SpdyTestClient c = ready.get(10, TimeUnit.SECONDS);
      try {
        c.onFrame(msg);
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      SpdyTestClient c = ready.getNow(null);
      if (c != null) {
        c.streams.values().forEach(s -> s.queue.add(EOF));
        c.closed.complete(null);
      }
    }
  }

  private void onFrame(Object msg) {
    switch (msg) {
      case SpdySynReplyFrame f -> {
        Stream s = streams.get(f.streamId());
        if (s != null) {
          s.replyHeaders = f.headers().names().size();
          s.replied.complete(null);
        }
      }
      case SpdyDataFrame f -> {
        int n = f.content().readableBytes();
        Stream s = streams.get(f.streamId());
        if (flowControl) {
          sessionWindow -= n;
          if (sessionWindow < 0) {
            windowOverrun.set(true);
          }
          if (sessionWindow <= WINDOW / 2) {
            channel.writeAndFlush(new DefaultSpdyWindowUpdateFrame(0, WINDOW - sessionWindow));
            sessionWindow = WINDOW;
          }
        }
        if (s == null) {
          return;
        }
        if (flowControl) {
          s.window -= n;
          if (s.window < 0) {
            windowOverrun.set(true);
          }
          if (s.window <= WINDOW / 2 && !f.isLast()) {
            channel.writeAndFlush(new DefaultSpdyWindowUpdateFrame(s.id, WINDOW - s.window));
            s.window = WINDOW;
          }
        }
        if (n > 0) {
          byte[] b = new byte[n];
          f.content().readBytes(b);
          s.queue.add(b);
        }
        if (f.isLast()) {
          s.queue.add(EOF);
        }
      }
      case SpdyRstStreamFrame f -> {
        Stream s = streams.get(f.streamId());
        if (s != null) {
          s.wasReset = true;
          s.queue.add(EOF);
        }
      }
      case SpdyPingFrame f -> {
        if (f.id() % 2 == 0) {
          channel.writeAndFlush(new DefaultSpdyPingFrame(f.id()));
        }
      }
      case SpdyGoAwayFrame f -> goAway.set(true);
      default -> {}
    }
  }

  /** Opens a stream with these headers and waits for the server's reply. */
  Stream open(Map<String, String> headers) throws Exception {
    int id = nextId.getAndAdd(2);
    Stream s = new Stream(id);
    streams.put(id, s);
    DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
    headers.forEach((k, v) -> syn.headers().set(k, v));
    channel.writeAndFlush(syn);
    s.replied.get(10, TimeUnit.SECONDS);
    return s;
  }

  Stream open(String streamType) throws Exception {
    return open(Map.of("streamtype", streamType));
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
  }

  final class Stream {
    final int id;
    final CompletableFuture<Void> replied = new CompletableFuture<>();
    final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    volatile boolean wasReset;
    volatile int replyHeaders;
    int window = WINDOW; // event loop only
    private byte[] current = EOF;
    private int pos;
    private boolean eof;

    Stream(int id) {
      this.id = id;
    }

    void write(byte[] b) {
      channel.writeAndFlush(new DefaultSpdyDataFrame(id, Unpooled.copiedBuffer(b)));
    }

    void write(String s) {
      write(s.getBytes(StandardCharsets.UTF_8));
    }

    void closeWrite() {
      channel.writeAndFlush(new DefaultSpdyDataFrame(id).setLast(true));
    }

    void reset() {
      channel.writeAndFlush(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.CANCEL));
    }

    InputStream in() {
      return new InputStream() {
        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          try {
            while (pos == current.length) {
              if (eof) {
                return -1;
              }
              byte[] next = queue.poll(60, TimeUnit.SECONDS);
              if (next == null) {
                throw new IOException("no data on stream " + id + " for 60 s");
              }
              if (next == EOF) {
                eof = true;
                return -1;
              }
              current = next;
              pos = 0;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
        }
      };
    }

    String readAll() throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in().transferTo(out);
      return out.toString(StandardCharsets.UTF_8);
    }
  }
}
