package io.caisson.container;

import io.caisson.linux.SeqPacketSocket;
import io.caisson.streaming.StreamProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiConsumer;

/**
 * A client of conmon's attach socket: conmon sends packets whose first byte names the stream (2
 * stdout, 3 stderr) and takes raw bytes for the container's stdin. Closing detaches; the container
 * keeps running.
 *
 * <p>Output is buffered only for the streams the client asked for, and only so much of it (see
 * {@link PacketBuffer}): a chatty container with a slow client then waits on conmon, as it would on
 * a slow terminal, instead of filling the daemon's heap.
 */
final class AttachSession implements StreamProcess {
  private static final byte STDOUT = 2;
  private static final byte STDERR = 3;

  private final SeqPacketSocket socket;
  private final PacketBuffer stdout; // null when not asked for
  private final PacketBuffer stderr; // null when not asked for
  private final CountDownLatch ended = new CountDownLatch(1);
  private final boolean wantStdin;
  private final BiConsumer<Integer, Integer> resizer;

  AttachSession(
      SeqPacketSocket socket,
      boolean stdin,
      boolean stdout,
      boolean stderr,
      BiConsumer<Integer, Integer> resizer) {
    this.socket = socket;
    this.wantStdin = stdin;
    this.stdout = stdout ? new PacketBuffer() : null;
    this.stderr = stderr ? new PacketBuffer() : null;
    this.resizer = resizer;
    Thread.ofPlatform().name("attach-reader").daemon().start(this::pump);
  }

  private void pump() {
    byte[] packet = new byte[8193];
    try {
      int n;
      while ((n = socket.read(packet)) > 0) {
        PacketBuffer to =
            switch (packet[0]) {
              case STDOUT -> stdout;
              case STDERR -> stderr;
              default -> null;
            };
        if (to != null) {
          to.put(Arrays.copyOfRange(packet, 1, n)); // waits while the client is behind
        }
      }
    } catch (IOException e) {
      // The socket went away: the session is over.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // nobody interrupts this thread; end the session
    } finally {
      if (stdout != null) {
        stdout.end();
      }
      if (stderr != null) {
        stderr.end();
      }
      ended.countDown();
    }
  }

  @Override
  public OutputStream stdin() {
    if (!wantStdin) {
      return null;
    }
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] data, int offset, int length) throws IOException {
        socket.write(data, offset, length);
      }

      @Override
      public void close() {
        // The client closed its stdin: half-close, so conmon closes the container's stdin
        // when it was started with stdin_once, and keeps sending output either way.
        socket.shutdownOutput();
      }
    };
  }

  @Override
  public InputStream stdout() {
    return stdout;
  }

  @Override
  public InputStream stderr() {
    return stderr;
  }

  @Override
  public void resize(int width, int height) {
    resizer.accept(width, height);
  }

  @Override
  public int waitFor() throws InterruptedException {
    ended.await();
    return 0;
  }

  @Override
  public void close() {
    socket.close();
    // The reader thread may be waiting for room: let it go, it finds the socket closed.
    if (stdout != null) {
      stdout.close();
    }
    if (stderr != null) {
      stderr.close();
    }
  }
}
