package io.caisson.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.util.ReferenceCountUtil;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One exec over a runtime's streaming URL as {@code kubectl exec} without {@code -t} and {@code
 * crictl exec} make it: an HTTP upgrade to SPDY/3.1 with the remotecommand v4 protocol, an error
 * stream and a stdout stream, then everything read until the error stream ends with the exec's
 * status. Blocking I/O on one socket; Netty's SPDY codec, in an {@link EmbeddedChannel}, only turns
 * frames into bytes and back. For commands with little output: it never opens the flow-control
 * window beyond SPDY's initial 64 KiB.
 */
final class SpdyExec {
  private static final int ERROR_STREAM = 1;
  private static final int STDOUT_STREAM = 3;

  private SpdyExec() {}

  /**
   * Runs the exec behind {@code url} and returns its status as the runtime sent it on the error
   * stream (v4: a JSON Status, {@code "status":"Success"} for exit code 0).
   */
  static String run(URI url, Duration timeout) throws IOException {
    int port = url.getPort() > 0 ? url.getPort() : 80;
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(url.getHost(), port), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      socket.setTcpNoDelay(true);
      OutputStream out = socket.getOutputStream();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      String target = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
      out.write(
          ("POST "
                  + target
                  + " HTTP/1.1\r\nHost: "
                  + url.getHost()
                  + ":"
                  + port
                  + "\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                  + "X-Stream-Protocol-Version: v4.channel.k8s.io\r\nContent-Length: 0\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String head = responseHead(in);
      if (!head.startsWith("HTTP/1.1 101")) {
        throw new IOException("no SPDY upgrade from " + url + ": " + head.lines().findFirst());
      }
      EmbeddedChannel codec = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
      try {
        send(codec, out, stream(ERROR_STREAM, "error"));
        send(codec, out, stream(STDOUT_STREAM, "stdout"));
        return awaitStatus(codec, in, out);
      } finally {
        codec.finishAndReleaseAll();
      }
    }
  }

  private static SpdySynStreamFrame stream(int id, String type) {
    SpdySynStreamFrame frame = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
    frame.headers().set("streamtype", type);
    return frame;
  }

  /** The HTTP response's status line and headers, up to the blank line; SPDY frames follow. */
  private static String responseHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the streaming server closed the connection during the upgrade");
      }
      head.write(b);
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  private static void send(EmbeddedChannel codec, OutputStream out, Object frame)
      throws IOException {
    codec.writeOutbound(frame);
    for (ByteBuf bytes; (bytes = codec.readOutbound()) != null; ) {
      try {
        bytes.readBytes(out, bytes.readableBytes());
      } finally {
        bytes.release();
      }
    }
    out.flush();
  }

  private static String awaitStatus(EmbeddedChannel codec, InputStream in, OutputStream out)
      throws IOException {
    ByteArrayOutputStream status = new ByteArrayOutputStream();
    byte[] buffer = new byte[16 * 1024];
    while (true) {
      int n = in.read(buffer);
      if (n < 0) {
        return status.toString(StandardCharsets.UTF_8); // the server hung up after the status
      }
      codec.writeInbound(Unpooled.copiedBuffer(buffer, 0, n));
      for (Object frame; (frame = codec.readInbound()) != null; ) {
        try {
          switch (frame) {
            case SpdyDataFrame data when data.streamId() == ERROR_STREAM -> {
              data.content().readBytes(status, data.content().readableBytes());
              if (data.isLast()) {
                return status.toString(StandardCharsets.UTF_8);
              }
            }
            case SpdyRstStreamFrame reset when reset.streamId() == ERROR_STREAM -> {
              // kubelet's streaming library (containerd's) resets the streams once it has
              // written the status.
              if (status.size() == 0) {
                throw new IOException("the error stream was reset: " + reset.status());
              }
              return status.toString(StandardCharsets.UTF_8);
            }
            case SpdyGoAwayFrame goAway -> {
              return status.toString(StandardCharsets.UTF_8);
            }
            case SpdyPingFrame ping -> send(codec, out, new DefaultSpdyPingFrame(ping.id()));
            default -> {} // replies, stdout, settings, window updates
          }
        } finally {
          ReferenceCountUtil.release(frame);
        }
      }
    }
  }
}
