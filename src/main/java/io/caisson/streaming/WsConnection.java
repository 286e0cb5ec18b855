package io.caisson.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket carrying the Kubernetes channel protocol: every message starts with the number of the
 * logical channel it belongs to. In the {@code base64.} variants messages are text, the channel is
 * an ASCII digit and the payload is base64. Handles ping and close itself.
 */
final class WsConnection extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(WsConnection.class);

  /** What the connection is for. Called on the event loop; must not block. */
  interface Service {
    void message(int channel, ByteBuf payload);

    void closed();
  }

  private final Channel channel;
  private final boolean base64;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition writable = lock.newCondition();
  private Service service;
  private boolean closed;

  WsConnection(Channel channel, boolean base64) {
    this.channel = channel;
    this.base64 = base64;
  }

  void service(Service service) {
    this.service = service;
  }

  Channel channel() {
    return channel;
  }

  ReadPauser readPauser() {
    return new ReadPauser(
        channel,
        () -> {
          if (!Boolean.TRUE.equals(channel.attr(Connections.WS_CLOSE_SENT).get())) {
            channel.writeAndFlush(new PingWebSocketFrame());
          }
        });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      switch (msg) {
        case BinaryWebSocketFrame f -> {
          ByteBuf data = f.content();
          if (data.isReadable()) {
            int ch = data.readUnsignedByte();
            service.message(ch, data);
          }
        }
        case TextWebSocketFrame f -> {
          String text = f.text();
          if (!text.isEmpty() && Character.isDigit(text.charAt(0))) {
            byte[] payload;
            try {
              payload = Base64.getDecoder().decode(text.substring(1));
            } catch (IllegalArgumentException e) {
              LOG.debug("{}: bad base64 message dropped", channel);
              return;
            }
            service.message(text.charAt(0) - '0', Unpooled.wrappedBuffer(payload));
          }
        }
        case PingWebSocketFrame f ->
            ctx.writeAndFlush(new PongWebSocketFrame(f.content().retain()));
        case CloseWebSocketFrame f -> {
          if (Boolean.TRUE.equals(channel.attr(Connections.WS_CLOSE_SENT).get())) {
            ctx.close();
          } else {
            ctx.writeAndFlush(new CloseWebSocketFrame(f.statusCode(), ""))
                .addListener(ChannelFutureListener.CLOSE);
          }
        }
        default -> {} // pongs
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  /** Sends one message on {@code ch}, waiting while the client is not keeping up. */
  void send(int ch, byte[] b, int off, int len) throws IOException {
    lock.lock();
    try {
      while (!closed && !channel.isWritable()) {
        try {
          writable.await(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted writing to a WebSocket");
        }
      }
      if (closed || Boolean.TRUE.equals(channel.attr(Connections.WS_CLOSE_SENT).get())) {
        throw new IOException("WebSocket is closed");
      }
    } finally {
      lock.unlock();
    }
    if (base64) {
      String text =
          (char) ('0' + ch)
              + Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(b, off, off + len));
      channel.writeAndFlush(new TextWebSocketFrame(text));
    } else {
      ByteBuf frame = Unpooled.buffer(len + 1);
      frame.writeByte(ch).writeBytes(b, off, len);
      channel.writeAndFlush(new BinaryWebSocketFrame(frame));
    }
  }

  Outbound outbound(int ch) {
    return new Outbound() {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        send(ch, b, off, len);
      }

      @Override
      public void close() {
        // Channels of this protocol have no half-close from the server: the session's end is the
        // connection's close.
      }
    };
  }

  void closeGracefully() {
    Connections.closeGracefully(channel);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    signal();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      writable.signalAll();
    } finally {
      lock.unlock();
    }
    if (service != null) {
      service.closed();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("{}: WebSocket failed: {}", channel, cause.toString());
    ctx.close();
  }

  private void signal() {
    lock.lock();
    try {
      writable.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
