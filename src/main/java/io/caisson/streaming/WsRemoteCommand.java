package io.caisson.streaming;

import io.netty.buffer.ByteBuf;
import java.io.IOException;

/**
 * Exec or attach over a channel-protocol WebSocket: channel 0 stdin, 1 stdout, 2 stderr, 3 error, 4
 * resize, and from v5 channel 255 to close one of the client's channels.
 */
final class WsRemoteCommand implements WsConnection.Service {

  static final int STDIN = 0;
  static final int STDOUT = 1;
  static final int STDERR = 2;
  static final int ERROR = 3;
  static final int RESIZE = 4;
  static final int CLOSE = 255;

  private final WsConnection conn;
  private final Protocols.RemoteCommand protocol;
  private final InboundPipe stdin;
  private final InboundPipe resize;
  private final RemoteCommandSession session;
  private final boolean stdout;
  private final boolean stderr;

  WsRemoteCommand(
      WsConnection conn,
      StreamRequest request,
      Backends backends,
      Protocols.RemoteCommand protocol) {
    this.conn = conn;
    this.protocol = protocol;
    boolean wantsStdin;
    boolean tty;
    switch (request) {
      case StreamRequest.Exec e -> {
        wantsStdin = e.stdin();
        tty = e.tty();
        stdout = e.stdout();
        stderr = e.stderr();
      }
      case StreamRequest.Attach a -> {
        wantsStdin = a.stdin();
        tty = a.tty();
        stdout = a.stdout();
        stderr = a.stderr();
      }
      case StreamRequest.PortForward pf -> throw new IllegalArgumentException("not exec/attach");
    }
    ReadPauser pauser = conn.readPauser();
    InboundPipe.Listener listener =
        new InboundPipe.Listener() {
          @Override
          public void consumed(InboundPipe pipe, int n) {}

          @Override
          public void backlogChanged(InboundPipe pipe) {
            pauser.update(pipe);
          }
        };
    this.stdin = wantsStdin ? new InboundPipe(listener) : null;
    this.resize = tty ? new InboundPipe(listener) : null;
    this.session =
        new RemoteCommandSession(
            request,
            backends,
            new RemoteCommandSession.ClientStreams(
                stdin,
                resize,
                stdout ? conn.outbound(STDOUT) : null,
                stderr ? conn.outbound(STDERR) : null,
                conn.outbound(ERROR),
                protocol.v4Status()),
            conn::closeGracefully);
  }

  /** Runs on a virtual thread once the handshake is done. */
  void start() {
    // kubelet greets with an empty message on the lowest channel it writes, and clients of the
    // older protocol versions wait for it before they send anything.
    int first = stdout ? STDOUT : stderr ? STDERR : ERROR;
    try {
      conn.send(first, new byte[0], 0, 0);
    } catch (IOException e) {
      return; // gone already; closed() cleans up
    }
    session.start();
  }

  @Override
  public void message(int channel, ByteBuf payload) {
    switch (channel) {
      case STDIN -> offer(stdin, payload);
      case RESIZE -> offer(resize, payload);
      case CLOSE -> {
        if (protocol.canCloseChannels() && payload.isReadable()) {
          int closing = payload.readUnsignedByte();
          if (closing == STDIN && stdin != null) {
            stdin.finish();
          } else if (closing == RESIZE && resize != null) {
            resize.finish();
          }
        }
      }
      default -> {} // the client has nothing to say on output channels
    }
  }

  private static void offer(InboundPipe pipe, ByteBuf payload) {
    if (pipe != null) {
      pipe.offer(payload);
    }
  }

  @Override
  public void closed() {
    if (stdin != null) {
      stdin.abort();
    }
    if (resize != null) {
      resize.abort();
    }
    session.clientGone();
  }
}
