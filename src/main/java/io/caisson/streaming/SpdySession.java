package io.caisson.streaming;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.DefaultSpdyWindowUpdateFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyHeadersFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySettingsFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyWindowUpdateFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of a SPDY/3.1 connection on top of Netty's {@link
 * io.netty.handler.codec.spdy.SpdyFrameCodec}: streams opened by the client, replies, pings, and
 * flow control in both directions. Netty's own session handler is not used because it enforces the
 * client's receive window literally, and spdystream (the SPDY stack of crictl, kubectl and kubelet)
 * never sends a WINDOW_UPDATE: every stream would stall after 64 KiB.
 *
 * <p>Sending: windows are honoured for clients that take part in flow control (they sent a
 * WINDOW_UPDATE or an initial window SETTING). When a window runs out before the client has shown
 * either, a PING finds out: a client that does flow control has sent its WINDOW_UPDATE before it
 * answers (it grants credit when half the window is used, and frames are ordered), so an answer
 * without one means the client does not keep windows, and it gets data without them. Real back
 * pressure always comes from the socket: writers block while the channel is not writable.
 *
 * <p>Receiving: consumed bytes are credited back with WINDOW_UPDATEs; clients that ignore them are
 * held back by pausing reads (see {@link InboundPipe}). A client that sends past the window we
 * granted keeps no windows, so from then on it gets data without them too, whatever it showed
 * before. This is what keeps a paused connection from deadlocking: reads only pause once a stream
 * has far more unconsumed data than its window, and a sender waiting for a WINDOW_UPDATE or for the
 * answer to its PING would wait forever, since those sit in the socket behind the data nobody
 * reads. Senders never wait on the client while reads are paused.
 */
final class SpdySession extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(SpdySession.class);
  static final int DEFAULT_WINDOW = 64 * 1024;
  private static final int MAX_DATA_FRAME = 64 * 1024;

  /** What the connection is for: remote command or port-forward. Called on the event loop. */
  interface Service {
    /** The connection has just been upgraded; no stream is open yet. */
    default void upgraded(SpdySession session) {}

    void streamOpened(SpdySession session, Stream stream);

    default void streamReset(Stream stream) {}

    void closed();
  }

  private enum FlowControl {
    UNKNOWN,
    ON,
    OFF
  }

  /** One client-initiated stream. */
  final class Stream {
    final int id;
    final Map<String, String> headers;
    final InboundPipe in;
    private int sendWindow;
    private int recvWindow = DEFAULT_WINDOW; // what the client may still send, as we granted it
    private int recvUnacked;
    private boolean localClosed;
    private boolean remoteClosed;
    private boolean reset;

    private Stream(int id, Map<String, String> headers) {
      this.id = id;
      this.headers = headers;
      this.in =
          new InboundPipe(
              new InboundPipe.Listener() {
                @Override
                public void consumed(InboundPipe pipe, int n) {
                  credit(Stream.this, n);
                }

                @Override
                public void backlogChanged(InboundPipe pipe) {
                  readPauser.update(pipe);
                }
              });
    }

    String header(String name) {
      return headers.getOrDefault(name, "");
    }

    Outbound out() {
      return new Outbound() {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          send(Stream.this, b, off, len);
        }

        @Override
        public void close() {
          sendFin(Stream.this);
        }
      };
    }

    /** Abandons the stream: RST_STREAM to the client, our ends closed. */
    void reset() {
      lock.lock();
      try {
        if (reset) {
          return;
        }
        reset = true;
        streams.remove(id);
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      in.abort();
      channel.writeAndFlush(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.CANCEL));
    }
  }

  private final Service service;
  private final Channel channel;
  private final ReadPauser readPauser;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<Integer, Stream> streams = new HashMap<>(); // guarded by lock
  private FlowControl flowControl = FlowControl.UNKNOWN;
  private int initialSendWindow = DEFAULT_WINDOW;
  private int sessionSendWindow = DEFAULT_WINDOW;
  private int sessionRecvUnacked;
  private int probePingId;
  private int nextPingId = 2; // server pings are even
  private int lastRemoteStreamId;
  private boolean closed;
  private boolean goingAway;

  SpdySession(Channel channel, Service service) {
    this.channel = channel;
    this.service = service;
    this.readPauser = new ReadPauser(channel, this::ping);
  }

  Channel channel() {
    return channel;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    service.upgraded(this);
  }

  // ---- inbound frames (event loop) ----

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      switch (msg) {
        case SpdySynStreamFrame f -> onSynStream(f);
        case SpdyDataFrame f -> onData(f);
        case SpdyRstStreamFrame f -> onReset(f.streamId());
        case SpdySettingsFrame f -> onSettings(f);
        case SpdyPingFrame f -> onPing(f.id());
        case SpdyWindowUpdateFrame f -> onWindowUpdate(f.streamId(), f.deltaWindowSize());
        case SpdyGoAwayFrame f -> ctx.close();
        case SpdyHeadersFrame f when f.isLast() -> onRemoteFin(f.streamId());
        default -> {} // HEADERS without FIN and unknown frames carry nothing we use
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onSynStream(SpdySynStreamFrame f) {
    int id = f.streamId();
    if (id % 2 == 0 || id <= lastRemoteStreamId || f.isInvalid() || goingAway) {
      channel.writeAndFlush(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.PROTOCOL_ERROR));
      return;
    }
    lastRemoteStreamId = id;
    Map<String, String> headers = new HashMap<>();
    for (Map.Entry<CharSequence, CharSequence> h : f.headers()) {
      headers.putIfAbsent(h.getKey().toString().toLowerCase(Locale.ROOT), h.getValue().toString());
    }
    Stream s = new Stream(id, headers);
    lock.lock();
    try {
      s.sendWindow = initialSendWindow;
      s.remoteClosed = f.isLast();
      s.localClosed = f.isUnidirectional();
      streams.put(id, s);
    } finally {
      lock.unlock();
    }
    if (f.isLast()) {
      s.in.finish();
    }
    // An empty header block makes spdystream's zlib reader wait for bytes that never come.
    DefaultSpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(id);
    String type = headers.get("streamtype");
    reply.headers().set("streamtype", type == null || type.isEmpty() ? "unknown" : type);
    channel.writeAndFlush(reply);
    service.streamOpened(this, s);
  }

  private void onData(SpdyDataFrame f) {
    int n = f.content().readableBytes();
    Stream s;
    lock.lock();
    try {
      s = streams.get(f.streamId());
      if (s != null && s.remoteClosed) {
        s = null;
      }
      if (s != null) {
        s.recvWindow -= n;
        if (s.recvWindow < 0 && flowControl != FlowControl.OFF) {
          LOG.debug("{}: client overran its window, sending without windows", channel);
          flowControl = FlowControl.OFF;
          changed.signalAll();
        }
      }
    } finally {
      lock.unlock();
    }
    if (s == null) {
      creditSession(n); // data for a stream that is gone: nobody will read it
      return;
    }
    s.in.offer(f.content());
    if (f.isLast()) {
      onRemoteFin(s.id);
    }
  }

  private void onRemoteFin(int id) {
    Stream s;
    lock.lock();
    try {
      s = streams.get(id);
      if (s == null) {
        return;
      }
      s.remoteClosed = true;
      forgetIfDone(s);
    } finally {
      lock.unlock();
    }
    s.in.finish();
  }

  private void onReset(int id) {
    Stream s;
    lock.lock();
    try {
      s = streams.remove(id);
      if (s == null) {
        return;
      }
      s.reset = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    s.in.abort();
    service.streamReset(s);
  }

  private void onSettings(SpdySettingsFrame f) {
    int window = f.getValue(SpdySettingsFrame.SETTINGS_INITIAL_WINDOW_SIZE);
    if (window < 0) {
      return;
    }
    lock.lock();
    try {
      int delta = window - initialSendWindow;
      initialSendWindow = window;
      for (Stream s : streams.values()) {
        s.sendWindow += delta;
      }
      flowControl = FlowControl.ON;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void onPing(int id) {
    if (id % 2 != 0) {
      channel.writeAndFlush(new DefaultSpdyPingFrame(id)); // the client's ping: echo it
      return;
    }
    lock.lock();
    try {
      if (id == probePingId && flowControl == FlowControl.UNKNOWN) {
        LOG.debug("{}: client keeps no SPDY windows, sending without them", channel);
        flowControl = FlowControl.OFF;
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  private void onWindowUpdate(int id, int delta) {
    lock.lock();
    try {
      if (flowControl == FlowControl.UNKNOWN) {
        flowControl = FlowControl.ON;
      }
      if (id == 0) {
        sessionSendWindow += delta;
      } else {
        Stream s = streams.get(id);
        if (s != null) {
          s.sendWindow += delta;
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    signal();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Stream[] open;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      open = streams.values().toArray(Stream[]::new);
      streams.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    for (Stream s : open) {
      s.in.abort();
    }
    service.closed();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("{}: SPDY connection failed: {}", channel, cause.toString());
    ctx.close();
  }

  // ---- outbound data (any thread) ----

  private void send(Stream s, byte[] b, int off, int len) throws IOException {
    lock.lock();
    try {
      int pos = off;
      int end = off + len;
      while (pos < end) {
        int n = awaitSendable(s, end - pos);
        s.sendWindow -= n;
        sessionSendWindow -= n;
        byte[] copy = java.util.Arrays.copyOfRange(b, pos, pos + n);
        channel.writeAndFlush(new DefaultSpdyDataFrame(s.id, Unpooled.wrappedBuffer(copy)));
        pos += n;
      }
    } finally {
      lock.unlock();
    }
  }

  private void sendFin(Stream s) {
    lock.lock();
    try {
      if (closed || s.reset || s.localClosed) {
        return;
      }
      s.localClosed = true;
      forgetIfDone(s);
      channel.writeAndFlush(new DefaultSpdyDataFrame(s.id).setLast(true));
    } finally {
      lock.unlock();
    }
  }

  // Called with the lock held; returns how many bytes may go out now.
  private int awaitSendable(Stream s, int wanted) throws IOException {
    while (true) {
      if (closed || s.reset || s.localClosed) {
        throw new IOException("SPDY stream " + s.id + " is closed");
      }
      if (channel.isWritable()) {
        int limit = Math.min(wanted, MAX_DATA_FRAME);
        if (flowControl == FlowControl.OFF) {
          return limit;
        }
        int window = Math.min(s.sendWindow, sessionSendWindow);
        if (window > 0) {
          return Math.min(limit, window);
        }
        if (flowControl == FlowControl.UNKNOWN && probePingId == 0) {
          probePingId = ping();
        }
      }
      try {
        changed.await(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted sending on SPDY stream " + s.id);
      }
    }
  }

  /** Sends a PING of ours and returns its id; any thread. */
  private int ping() {
    int id;
    lock.lock();
    try {
      id = nextPingId;
      nextPingId += 2;
    } finally {
      lock.unlock();
    }
    channel.writeAndFlush(new DefaultSpdyPingFrame(id));
    return id;
  }

  // ---- receive windows ----

  private void credit(Stream s, int n) {
    int streamDelta = 0;
    int sessionDelta;
    lock.lock();
    try {
      s.recvUnacked += n;
      if (s.recvUnacked >= DEFAULT_WINDOW / 2 && !s.remoteClosed && !s.reset) {
        streamDelta = s.recvUnacked;
        s.recvUnacked = 0;
        s.recvWindow += streamDelta;
      }
      sessionDelta = takeSessionCredit(n);
    } finally {
      lock.unlock();
    }
    if (streamDelta > 0) {
      channel.writeAndFlush(new DefaultSpdyWindowUpdateFrame(s.id, streamDelta));
    }
    if (sessionDelta > 0) {
      channel.writeAndFlush(new DefaultSpdyWindowUpdateFrame(0, sessionDelta));
    }
  }

  private void creditSession(int n) {
    int sessionDelta;
    lock.lock();
    try {
      sessionDelta = takeSessionCredit(n);
    } finally {
      lock.unlock();
    }
    if (sessionDelta > 0) {
      channel.writeAndFlush(new DefaultSpdyWindowUpdateFrame(0, sessionDelta));
    }
  }

  private int takeSessionCredit(int n) {
    sessionRecvUnacked += n;
    if (sessionRecvUnacked < DEFAULT_WINDOW / 2) {
      return 0;
    }
    int delta = sessionRecvUnacked;
    sessionRecvUnacked = 0;
    return delta;
  }

  // ---- lifecycle ----

  private void forgetIfDone(Stream s) {
    if (s.localClosed && s.remoteClosed) {
      streams.remove(s.id);
    }
  }

  private void signal() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends the connection once what was written has gone out: GOAWAY, then the streams' inbound sides
   * are dropped and the socket is closed (see {@link Connections#closeGracefully}).
   */
  void closeGracefully() {
    channel
        .eventLoop()
        .execute(
            () -> {
              Stream[] open;
              lock.lock();
              try {
                if (goingAway) {
                  return;
                }
                goingAway = true;
                open = streams.values().toArray(Stream[]::new);
              } finally {
                lock.unlock();
              }
              for (Stream s : open) {
                s.in.abort();
              }
              readPauser.releaseAll();
              channel.writeAndFlush(new DefaultSpdyGoAwayFrame(lastRemoteStreamId));
              Connections.closeGracefully(channel);
            });
  }
}
