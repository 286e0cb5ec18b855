package io.caisson.streaming;

import io.caisson.json.JsonReader;
import io.caisson.json.JsonStream;
import io.caisson.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exec or attach session, independent of the wire protocol: starts the process, pumps each
 * stream on its own virtual thread, reports how it ended on the error stream, then lets the
 * protocol close the connection. If the client goes away first, an exec'd process is killed and an
 * attach is merely detached.
 */
final class RemoteCommandSession {

  private static final Logger LOG = LoggerFactory.getLogger(RemoteCommandSession.class);
  private static final int CHUNK = 32 * 1024;

  /** The client's side; any stream the request did not ask for is {@code null}. */
  record ClientStreams(
      InputStream stdin,
      InputStream resize,
      Outbound stdout,
      Outbound stderr,
      Outbound error,
      boolean v4Status) {}

  private final StreamRequest request;
  private final Backends backends;
  private final ClientStreams client;
  private final Runnable closeConnection;
  private final Object lock = new Object();
  private StreamProcess process; // guarded by lock
  private boolean clientGone; // guarded by lock
  private Thread runner;

  RemoteCommandSession(
      StreamRequest request, Backends backends, ClientStreams client, Runnable closeConnection) {
    if (!(request instanceof StreamRequest.Exec) && !(request instanceof StreamRequest.Attach)) {
      throw new IllegalArgumentException("not a remote command: " + request);
    }
    this.request = request;
    this.backends = backends;
    this.client = client;
    this.closeConnection = closeConnection;
  }

  void start() {
    runner = Thread.ofVirtual().name("stream-" + request.kind()).start(this::run);
  }

  /** The connection closed: end (exec) or detach from (attach) the process. */
  void clientGone() {
    StreamProcess p;
    synchronized (lock) {
      if (clientGone) {
        return;
      }
      clientGone = true;
      p = process;
    }
    if (p != null) {
      release(p, true);
    }
    if (runner != null) {
      runner.interrupt();
    }
  }

  private void run() {
    StreamProcess p;
    try {
      p =
          switch (request) {
            case StreamRequest.Exec exec -> backends.exec().start(exec);
            case StreamRequest.Attach attach -> backends.attach().attach(attach);
            case StreamRequest.PortForward pf -> throw new IllegalStateException();
          };
    } catch (Exception | LinkageError e) {
      String what = request instanceof StreamRequest.Exec ? "executing command" : "attaching";
      LOG.warn("{} failed for {}: {}", what, request, e.toString());
      finish(new SessionStatus.Failed("error %s in container: %s".formatted(what, e.getMessage())));
      return;
    }
    synchronized (lock) {
      process = p;
      if (clientGone) {
        release(p, true);
        return;
      }
    }
    List<Thread> outputs = new ArrayList<>();
    try {
      if (client.stdin() != null && p.stdin() != null) {
        pump("stdin", () -> copyStdin(client.stdin(), p.stdin()));
      } else if (client.stdin() != null) {
        closeQuietly(client.stdin()); // nowhere to go: drop it rather than stall the connection
      }
      if (client.resize() != null) {
        pump("resize", () -> readResizes(client.resize(), p));
      }
      if (client.stdout() != null && p.stdout() != null) {
        outputs.add(pump("stdout", () -> copyOutput(p.stdout(), client.stdout())));
      }
      if (client.stderr() != null && p.stderr() != null) {
        outputs.add(pump("stderr", () -> copyOutput(p.stderr(), client.stderr())));
      }
      int code = p.waitFor();
      // Everything the process wrote goes out before the status that tells the client it is over.
      for (Thread t : outputs) {
        t.join();
      }
      SessionStatus status =
          switch (request) {
            case StreamRequest.Exec exec when code != 0 ->
                new SessionStatus.NonZeroExit(exec.cmd(), code);
            default -> new SessionStatus.Success();
          };
      finish(status);
      release(p, false);
    } catch (InterruptedException e) {
      // clientGone() released the process; nothing is left to report to.
      release(p, true);
    }
  }

  private void finish(SessionStatus status) {
    byte[] bytes = status.encode(client.v4Status());
    try {
      if (bytes.length > 0) {
        client.error().write(bytes);
      }
    } catch (IOException e) {
      LOG.debug("client left before the {} status: {}", request.kind(), e.toString());
    }
    client.error().close();
    if (client.stdin() != null) {
      closeQuietly(client.stdin());
    }
    if (client.resize() != null) {
      closeQuietly(client.resize());
    }
    closeConnection.run();
  }

  // Exec is killed when its client vanished; attach only lets go (the container keeps running).
  private void release(StreamProcess p, boolean abandoned) {
    if (abandoned && p instanceof ExecProcess exec) {
      exec.kill();
    }
    try {
      p.close();
    } catch (RuntimeException e) {
      LOG.debug("closing {} process: {}", request.kind(), e.toString());
    }
  }

  private Thread pump(String name, Runnable body) {
    return Thread.ofVirtual().name("stream-" + request.kind() + "-" + name).start(body);
  }

  private static void copyStdin(InputStream from, OutputStream to) {
    byte[] buf = new byte[CHUNK];
    try (to) {
      int n;
      while ((n = from.read(buf)) >= 0) {
        to.write(buf, 0, n);
        to.flush();
      }
    } catch (IOException e) {
      // The process closed its stdin or exited; what the client still sends is dropped.
      LOG.debug("stdin pump ended: {}", e.toString());
    } finally {
      closeQuietly(from);
    }
  }

  private void copyOutput(InputStream from, Outbound to) {
    byte[] buf = new byte[CHUNK];
    try {
      int n;
      while ((n = from.read(buf)) >= 0) {
        if (n > 0) {
          to.write(buf, 0, n);
        }
      }
      to.close();
    } catch (IOException e) {
      // Either side is gone: the client (its disconnect handler ends the process) or the pipe.
      LOG.debug("{} output pump ended: {}", request.kind(), e.toString());
    }
  }

  // Resize messages are a stream of JSON objects {"Width":w,"Height":h}, as kubelet decodes them.
  private static void readResizes(InputStream in, StreamProcess p) {
    try {
      JsonStream sizes = new JsonStream(in, JsonReader.standard());
      for (JsonValue size = sizes.next(); size != null; size = sizes.next()) {
        int width = size.path("Width").asInt(0);
        int height = size.path("Height").asInt(0);
        if (width > 0 && height > 0) {
          p.resize(width, height);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("resize stream ended: {}", e.toString());
    } finally {
      closeQuietly(in);
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // an InboundPipe does not throw on close
    }
  }
}
