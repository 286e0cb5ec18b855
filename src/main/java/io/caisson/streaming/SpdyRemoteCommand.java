package io.caisson.streaming;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Exec or attach over SPDY: the client opens one stream per stdio channel (named by the {@code
 * streamtype} header) plus the error stream and, for a TTY from v3 on, the resize stream. The
 * session starts once every stream the request implies has arrived.
 */
final class SpdyRemoteCommand implements SpdySession.Service {

  static final long STREAM_CREATION_TIMEOUT_SECONDS = 30;

  private final StreamRequest request;
  private final Backends backends;
  private final Protocols.RemoteCommand protocol;
  private final Set<String> expected = new HashSet<>();
  private final Map<String, SpdySession.Stream> streams = new HashMap<>();
  private RemoteCommandSession session;
  private ScheduledFuture<?> timeout;
  private boolean closed;

  SpdyRemoteCommand(StreamRequest request, Backends backends, Protocols.RemoteCommand protocol) {
    this.request = request;
    this.backends = backends;
    this.protocol = protocol;
    boolean tty;
    switch (request) {
      case StreamRequest.Exec e -> {
        tty = e.tty();
        addIf(e.stdin(), "stdin");
        addIf(e.stdout(), "stdout");
        addIf(e.stderr(), "stderr");
      }
      case StreamRequest.Attach a -> {
        tty = a.tty();
        addIf(a.stdin(), "stdin");
        addIf(a.stdout(), "stdout");
        addIf(a.stderr(), "stderr");
      }
      case StreamRequest.PortForward pf -> throw new IllegalArgumentException("not exec/attach");
    }
    expected.add("error");
    addIf(tty && protocol.hasResize(), "resize");
  }

  private void addIf(boolean wanted, String type) {
    if (wanted) {
      expected.add(type);
    }
  }

  // As kubelet: the client has this long from the upgrade to open every stream, or it is cut off.
  // Counting from the first stream instead let a client that opened none hold its connection
  // (and the spent token's session) forever.
  @Override
  public void upgraded(SpdySession spdy) {
    timeout =
        spdy.channel()
            .eventLoop()
            .schedule(
                () -> spdy.channel().close(), STREAM_CREATION_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void streamOpened(SpdySession spdy, SpdySession.Stream stream) {
    String type = stream.header("streamtype");
    if (session != null || !expected.contains(type) || streams.containsKey(type)) {
      stream.in.close(); // nothing of ours reads it
      return;
    }
    streams.put(type, stream);
    if (!type.equals("stdin") && !type.equals("resize")) {
      stream.in.close(); // the client never writes on output streams; drop anything it does
    }
    if (streams.keySet().equals(expected)) {
      if (timeout != null) {
        timeout.cancel(false);
      }
      session =
          new RemoteCommandSession(
              request,
              backends,
              new RemoteCommandSession.ClientStreams(
                  input("stdin"),
                  input("resize"),
                  output("stdout"),
                  output("stderr"),
                  output("error"),
                  protocol.v4Status()),
              spdy::closeGracefully);
      session.start();
    }
  }

  private InboundPipe input(String type) {
    SpdySession.Stream s = streams.get(type);
    return s == null ? null : s.in;
  }

  private Outbound output(String type) {
    SpdySession.Stream s = streams.get(type);
    return s == null ? null : s.out();
  }

  @Override
  public void closed() {
    if (closed) {
      return;
    }
    closed = true;
    if (timeout != null) {
      timeout.cancel(false);
    }
    if (session != null) {
      session.clientGone();
    }
  }
}
