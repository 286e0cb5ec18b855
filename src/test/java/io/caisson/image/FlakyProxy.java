package io.caisson.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy in front of a registry that counts blob GETs and, when armed, cuts or
 * freezes the responses after a byte budget: a network failing in the middle of a layer (or, held,
 * one that is merely slow).
 */
final class FlakyProxy implements AutoCloseable {
  enum Mode {
    PASS,
    CUT,
    STALL,
    /** as STALL, but what was held back is passed on once disarmed: a slow network */
    HOLD
  }

  private final ServerSocket server;
  private final int upstreamPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  final AtomicInteger blobGets = new AtomicInteger();
  final AtomicInteger manifestGets = new AtomicInteger();
  private volatile Mode mode = Mode.PASS;
  private final AtomicLong budget = new AtomicLong(Long.MAX_VALUE);

  FlakyProxy(int upstreamPort) throws IOException {
    this.upstreamPort = upstreamPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::acceptLoop);
  }

  String host() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** After {@code bytes} more response bytes (all connections together), cut or freeze. */
  void arm(Mode m, long bytes) {
    budget.set(bytes);
    mode = m;
  }

  void disarm() {
    mode = Mode.PASS;
    budget.set(Long.MAX_VALUE);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
        sockets.add(client);
        sockets.add(upstream);
        Thread.ofVirtual().start(() -> requests(client, upstream));
        Thread.ofVirtual().start(() -> responses(upstream, client));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void requests(Socket client, Socket upstream) {
    StringBuilder line = new StringBuilder();
    try (InputStream in = client.getInputStream();
        OutputStream out = upstream.getOutputStream()) {
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        String text = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
        for (char c : text.toCharArray()) {
          if (c == '\n') {
            String l = line.toString();
            if (l.startsWith("GET ") && l.contains("/blobs/")) {
              blobGets.incrementAndGet();
            } else if (l.startsWith("GET ") && l.contains("/manifests/")) {
              manifestGets.incrementAndGet();
            }
            line.setLength(0);
          } else if (line.length() < 4096) {
            line.append(c);
          }
        }
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      // connection closed
    } finally {
      closeQuietly(client, upstream);
    }
  }

  private void responses(Socket upstream, Socket client) {
    try (InputStream in = upstream.getInputStream();
        OutputStream out = client.getOutputStream()) {
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        Mode m = mode;
        if (m != Mode.PASS) {
          long left = budget.getAndAdd(-n);
          if (left < n) {
            out.write(buf, 0, (int) Math.max(0, left));
            out.flush();
            if (m == Mode.CUT) {
              break;
            }
            while (!client.isClosed() && mode == m) {
              Thread.sleep(100); // hold the connection open, send nothing
            }
            if (m == Mode.STALL) {
              break;
            }
            // Held: the rest of this buffer, then everything else as it comes.
            out.write(buf, (int) Math.max(0, left), n - (int) Math.max(0, left));
            continue;
          }
        }
        out.write(buf, 0, n);
      }
    } catch (IOException | InterruptedException e) {
      // connection closed
    } finally {
      closeQuietly(client, upstream);
    }
  }

  private static void closeQuietly(Socket... ss) {
    for (Socket s : ss) {
      try {
        s.close();
      } catch (IOException ignored) {
        // best effort
      }
    }
  }

  @Override
  public void close() throws IOException {
    mode = Mode.PASS;
    server.close();
    sockets.forEach(FlakyProxy::closeQuietly);
  }
}
