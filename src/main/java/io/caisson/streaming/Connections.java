package io.caisson.streaming;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.util.concurrent.TimeUnit;

/** Ending streaming connections without losing what was already written. */
final class Connections {

  /** The pipeline name of the handler right above the WebSocket codec, when there is one. */
  static final String WS_HANDLER = "ws";

  /** Set once our close frame went out, so the client's answer is not answered again. */
  static final AttributeKey<Boolean> WS_CLOSE_SENT = AttributeKey.valueOf("caisson.wsCloseSent");

  /** How long a client gets to close its side after we closed ours. */
  static final long LINGER_SECONDS = 5;

  private Connections() {}

  /**
   * Closes {@code ch} after everything written so far: a WebSocket gets a close frame, a TCP
   * connection a FIN. The socket itself is closed when the client closes too, or after {@link
   * #LINGER_SECONDS}. Closing at once would let the kernel answer data still in flight from the
   * client with a RST, which can destroy our own last bytes (the exit status) in the client's
   * receive buffer.
   */
  static void closeGracefully(Channel ch) {
    ch.eventLoop()
        .execute(
            () -> {
              if (!ch.isActive()) {
                return;
              }
              ch.config().setAutoRead(true);
              ChannelHandlerContext ws = ch.pipeline().context(WS_HANDLER);
              if (ws != null) {
                ch.attr(WS_CLOSE_SENT).set(true);
              }
              ChannelFuture written =
                  ws != null
                      ? ws.writeAndFlush(
                          new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                      // Netty drops flushed but unwritten data when the output is shut down or
                      // the channel closed: wait for an empty write queued behind it all.
                      : ch.pipeline().firstContext().writeAndFlush(Unpooled.EMPTY_BUFFER);
              written.addListener(
                  f -> {
                    if (ws == null) {
                      if (ch.pipeline().get(SslHandler.class) == null
                          && ch instanceof DuplexChannel duplex) {
                        duplex.shutdownOutput();
                      } else {
                        ch.close(); // TLS: the SslHandler sends close_notify first
                        return;
                      }
                    }
                    ch.eventLoop().schedule(() -> ch.close(), LINGER_SECONDS, TimeUnit.SECONDS);
                  });
            });
  }
}
