package io.caisson.streaming;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port-forward over SPDY ({@code portforward.k8s.io}): every forwarded connection is a pair of
 * streams, error and data, carrying the same {@code port} and {@code requestID} headers. Pairs come
 * and go for as long as the client keeps the connection.
 */
final class SpdyPortForward implements SpdySession.Service {

  private static final Logger LOG = LoggerFactory.getLogger(SpdyPortForward.class);

  private final StreamRequest.PortForward request;
  private final PortForwardBackend backend;
  private final Map<String, Pair> pending = new HashMap<>();
  private final Set<PortForwardTunnel> active = ConcurrentHashMap.newKeySet();
  private boolean closed;

  private static final class Pair {
    SpdySession.Stream data;
    SpdySession.Stream error;
    ScheduledFuture<?> timeout;
    PortForwardTunnel tunnel;
  }

  SpdyPortForward(StreamRequest.PortForward request, PortForwardBackend backend) {
    this.request = request;
    this.backend = backend;
  }

  @Override
  public void streamOpened(SpdySession spdy, SpdySession.Stream stream) {
    String type = stream.header("streamtype");
    if (!type.equals("data") && !type.equals("error")) {
      LOG.debug("port-forward: unexpected stream type {}", type);
      stream.reset();
      return;
    }
    String id = requestId(stream, type);
    Pair pair = pending.computeIfAbsent(id, k -> new Pair());
    if ((type.equals("data") ? pair.data : pair.error) != null) {
      stream.reset(); // a second stream of the same kind for one request
      return;
    }
    if (type.equals("data")) {
      pair.data = stream;
    } else {
      pair.error = stream;
      stream.in.close(); // the client only reads its error stream
    }
    if (pair.data == null || pair.error == null) {
      pair.timeout =
          spdy.channel()
              .eventLoop()
              .schedule(
                  () -> timedOut(id),
                  SpdyRemoteCommand.STREAM_CREATION_TIMEOUT_SECONDS,
                  TimeUnit.SECONDS);
      return;
    }
    pending.remove(id);
    if (pair.timeout != null) {
      pair.timeout.cancel(false);
    }
    start(pair);
  }

  private void start(Pair pair) {
    String portHeader = pair.data.header("port");
    int port;
    try {
      port = Integer.parseInt(portHeader);
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      fail(pair, "invalid port %s in port-forward request".formatted(portHeader));
      return;
    }
    if (!request.ports().isEmpty() && !request.ports().contains(port)) {
      fail(pair, "port %d was not part of the port-forward request".formatted(port));
      return;
    }
    PortForwardTunnel tunnel =
        new PortForwardTunnel(
            backend, request.podSandboxId(), port, pair.data.in, pair.data.out(), pair.error.out());
    pair.tunnel = tunnel;
    active.add(tunnel);
    if (closed) {
      tunnel.abort();
    }
    Thread.ofVirtual()
        .name("portforward-" + port)
        .start(
            () -> {
              try {
                tunnel.run(() -> {});
              } finally {
                active.remove(tunnel);
              }
            });
  }

  private void fail(Pair pair, String message) {
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                pair.error.out().write(message.getBytes(StandardCharsets.UTF_8));
              } catch (java.io.IOException ignored) {
                // client gone
              }
              pair.error.out().close();
              pair.data.out().close();
            });
  }

  private void timedOut(String id) {
    Pair pair = pending.remove(id);
    if (pair == null) {
      return;
    }
    LOG.debug("port-forward request {}: the other stream never came", id);
    if (pair.data != null) {
      pair.data.reset();
    }
    if (pair.error != null) {
      pair.error.reset();
    }
  }

  // Clients older than the requestID header open error then data with consecutive ids.
  private static String requestId(SpdySession.Stream stream, String type) {
    String id = stream.header("requestid");
    if (!id.isEmpty()) {
      return id;
    }
    return Integer.toString(type.equals("error") ? stream.id : stream.id - 2);
  }

  @Override
  public void streamReset(SpdySession.Stream stream) {
    for (PortForwardTunnel t : active) {
      // A reset data stream means the client's local connection is gone.
      if (t.isFor(stream.in)) {
        t.abort();
      }
    }
  }

  @Override
  public void closed() {
    closed = true;
    for (Pair p : pending.values()) {
      if (p.timeout != null) {
        p.timeout.cancel(false);
      }
    }
    pending.clear();
    for (PortForwardTunnel t : active) {
      t.abort();
    }
  }
}
