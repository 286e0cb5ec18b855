package io.caisson.streaming;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One forwarded TCP connection: the client's data stream on one side, a socket into the pod on the
 * other. Each direction is copied on its own virtual thread; an end of input in one direction
 * becomes a half-close in the other, as TCP would have it.
 */
final class PortForwardTunnel {

  private static final Logger LOG = LoggerFactory.getLogger(PortForwardTunnel.class);
  private static final int CHUNK = 32 * 1024;

  private final PortForwardBackend backend;
  private final String podSandboxId;
  private final int port;
  private final InputStream fromClient;
  private final Outbound toClient;
  private final Outbound error;
  private final Object lock = new Object();
  private SocketChannel socket; // guarded by lock
  private boolean aborted; // guarded by lock

  PortForwardTunnel(
      PortForwardBackend backend,
      String podSandboxId,
      int port,
      InputStream fromClient,
      Outbound toClient,
      Outbound error) {
    this.backend = backend;
    this.podSandboxId = podSandboxId;
    this.port = port;
    this.fromClient = fromClient;
    this.toClient = toClient;
    this.error = error;
  }

  /**
   * Connects and forwards; blocks. {@code podClosed} runs once the pod's side has ended (or the
   * connection failed) and the client has been told; the method returns when both directions are
   * done or {@link #abort} was called.
   */
  void run(Runnable podClosed) {
    SocketChannel s;
    try {
      s = backend.connect(podSandboxId, port);
    } catch (Exception e) {
      String msg =
          "error forwarding port %d to pod %s, uid : %s"
              .formatted(port, podSandboxId, e.getMessage());
      LOG.info(msg);
      try {
        error.write(msg.getBytes(StandardCharsets.UTF_8));
      } catch (IOException ignored) {
        // client gone
      }
      error.close();
      toClient.close();
      closeQuietly(fromClient);
      podClosed.run();
      return;
    }
    synchronized (lock) {
      if (aborted) {
        closeQuietly(s);
        podClosed.run();
        return;
      }
      socket = s;
    }
    Thread upstream =
        Thread.ofVirtual().name("portforward-" + port + "-up").start(() -> clientToPod(s));
    try {
      podToClient(s);
    } finally {
      toClient.close();
      error.close();
      podClosed.run();
    }
    try {
      upstream.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeQuietly(s);
  }

  boolean isFor(InputStream clientStream) {
    return fromClient == clientStream;
  }

  /** The client reset the stream or left: drop the pod connection. */
  void abort() {
    SocketChannel s;
    synchronized (lock) {
      aborted = true;
      s = socket;
    }
    closeQuietly(fromClient);
    if (s != null) {
      closeQuietly(s);
    }
  }

  private void podToClient(SocketChannel s) {
    byte[] buf = new byte[CHUNK];
    ByteBuffer bb = ByteBuffer.wrap(buf);
    try {
      int n;
      while ((n = s.read(bb.clear())) >= 0) {
        if (n > 0) {
          toClient.write(buf, 0, n);
        }
      }
    } catch (IOException e) {
      LOG.debug("port {}: pod to client ended: {}", port, e.toString());
      abort(); // the client is gone or the socket broke: nothing more will flow either way
    }
  }

  private void clientToPod(SocketChannel s) {
    byte[] buf = new byte[CHUNK];
    try {
      int n;
      while ((n = fromClient.read(buf)) >= 0) {
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
        while (bb.hasRemaining()) {
          s.write(bb);
        }
      }
      s.shutdownOutput();
    } catch (IOException e) {
      LOG.debug("port {}: client to pod ended: {}", port, e.toString());
    } finally {
      closeQuietly(fromClient);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // best effort on the way out
    }
  }
}
