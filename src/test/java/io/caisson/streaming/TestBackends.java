package io.caisson.streaming;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Real backends for tests: exec runs the command as a local process; attach connects to a local
 * long-running process standing in for a container; port-forward connects to loopback.
 */
final class TestBackends {

  record Size(int width, int height) {}

  final LinkedBlockingQueue<Size> resizes = new LinkedBlockingQueue<>();
  final List<Process> started = new CopyOnWriteArrayList<>();
  final List<String> connectedPods = new CopyOnWriteArrayList<>();
  volatile Process container; // what attach attaches to

  Backends backends() {
    return new Backends(this::exec, this::attach, this::connect);
  }

  private ExecProcess exec(StreamRequest.Exec req) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(req.cmd());
    // No pty here: a "tty" exec merges stderr into stdout, which is what a terminal would show.
    pb.redirectErrorStream(req.tty());
    if (!req.stdout() && !req.tty()) {
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    }
    if (!req.stderr() && !req.tty()) {
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    }
    Process p = pb.start();
    started.add(p);
    if (!req.stdin()) {
      p.getOutputStream().close();
    }
    return new ExecProcess() {
      @Override
      public OutputStream stdin() {
        return req.stdin() ? p.getOutputStream() : null;
      }

      @Override
      public InputStream stdout() {
        return req.stdout() ? p.getInputStream() : null;
      }

      @Override
      public InputStream stderr() {
        return req.stderr() ? p.getErrorStream() : null;
      }

      @Override
      public void resize(int width, int height) {
        resizes.add(new Size(width, height));
      }

      @Override
      public int waitFor() throws InterruptedException {
        return p.waitFor();
      }

      @Override
      public void kill() {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }

      @Override
      public void close() {
        try {
          p.getInputStream().close();
          p.getErrorStream().close();
        } catch (IOException ignored) {
          // closing pipes
        }
      }
    };
  }

  /**
   * Starts the stand-in container. One reader relays its output to whoever is attached, the way
   * conmon serves its attach socket, so a detach only ends that client's relay.
   */
  void startContainer(String... cmd) throws IOException {
    Process c = new ProcessBuilder(cmd).start();
    container = c;
    Thread.ofVirtual()
        .start(
            () -> {
              byte[] buf = new byte[8192];
              try {
                int n;
                while ((n = c.getInputStream().read(buf)) >= 0) {
                  PipedOutputStream to = attached;
                  if (to != null) {
                    try {
                      to.write(buf, 0, n);
                      to.flush();
                    } catch (IOException detached) {
                      attached = null;
                    }
                  }
                }
                PipedOutputStream to = attached;
                if (to != null) {
                  to.close();
                }
              } catch (IOException e) {
                // container gone
              }
            });
  }

  private volatile PipedOutputStream attached;

  private StreamProcess attach(StreamRequest.Attach req) throws IOException {
    Process c = container;
    if (c == null || !c.isAlive()) {
      throw new IOException("container " + req.containerId() + " is not running");
    }
    PipedInputStream out = new PipedInputStream(64 * 1024);
    PipedOutputStream relay = new PipedOutputStream(out);
    attached = relay;
    java.util.concurrent.CountDownLatch over = new java.util.concurrent.CountDownLatch(1);
    return new StreamProcess() {
      @Override
      public OutputStream stdin() {
        return req.stdin()
            ? new OutputStream() {
              @Override
              public void write(int b) throws IOException {
                c.getOutputStream().write(b);
              }

              @Override
              public void write(byte[] b, int off, int len) throws IOException {
                c.getOutputStream().write(b, off, len);
              }

              @Override
              public void flush() throws IOException {
                c.getOutputStream().flush();
              }

              @Override
              public void close() {
                // the client's stdin ending does not close the container's stdin
              }
            }
            : null;
      }

      @Override
      public InputStream stdout() {
        return req.stdout() ? out : null;
      }

      @Override
      public InputStream stderr() {
        return null;
      }

      @Override
      public void resize(int width, int height) {
        resizes.add(new Size(width, height));
      }

      @Override
      public int waitFor() throws InterruptedException {
        c.onExit().thenRun(over::countDown);
        over.await();
        return 0;
      }

      @Override
      public void close() {
        if (attached == relay) {
          attached = null;
        }
        over.countDown();
        try {
          out.close();
        } catch (IOException ignored) {
          // pipe
        }
      }
    };
  }

  private SocketChannel connect(String podSandboxId, int port) throws IOException {
    connectedPods.add(podSandboxId);
    return SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
  }

  void killAll() {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    if (container != null) {
      container.destroyForcibly();
    }
  }
}
