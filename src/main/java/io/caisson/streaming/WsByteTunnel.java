package io.caisson.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Turns a WebSocket into a byte stream, for SPDY tunnelled in WebSocket ({@code
 * SPDY/3.1+portforward.k8s.io}, what client-go's port-forward dials over WebSocket): binary
 * messages in are bytes up the pipeline, bytes down the pipeline go out as binary messages.
 */
final class WsByteTunnel extends ChannelDuplexHandler {

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch (msg) {
      case BinaryWebSocketFrame f -> ctx.fireChannelRead(f.content());
      case ContinuationWebSocketFrame f -> ctx.fireChannelRead(f.content());
      case PingWebSocketFrame f -> {
        ctx.writeAndFlush(new PongWebSocketFrame(f.content().retain()));
        f.release();
      }
      case CloseWebSocketFrame f -> {
        if (Boolean.TRUE.equals(ctx.channel().attr(Connections.WS_CLOSE_SENT).get())) {
          ctx.close();
        } else {
          ctx.writeAndFlush(new CloseWebSocketFrame(f.statusCode(), ""))
              .addListener(ChannelFutureListener.CLOSE);
        }
        f.release();
      }
      default -> ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf bytes) {
      ctx.write(new BinaryWebSocketFrame(bytes), promise);
    } else {
      ctx.write(msg, promise);
    }
  }
}
