package io.caisson.container;

import io.caisson.linux.SeqPacketSocket;
import io.caisson.streaming.StreamProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BiConsumer;

/**
 * A client of conmon's attach socket: conmon sends packets whose first byte names the stream (2
 * stdout, 3 stderr) and takes raw bytes for the container's stdin. Closing detaches; the container
 * keeps running.
 */
final class AttachSession implements StreamProcess {
  private static final byte STDOUT = 2;
  private static final byte STDERR = 3;
  private static final byte[] END = new byte[0];

  private final SeqPacketSocket socket;
  private final PacketStream stdout = new PacketStream();
  private final PacketStream stderr = new PacketStream();
  private final CountDownLatch ended = new CountDownLatch(1);
  private final boolean wantStdin;
  private final boolean wantStdout;
  private final boolean wantStderr;
  private final BiConsumer<Integer, Integer> resizer;

  AttachSession(
      SeqPacketSocket socket,
      boolean stdin,
      boolean stdout,
      boolean stderr,
      BiConsumer<Integer, Integer> resizer) {
    this.socket = socket;
    this.wantStdin = stdin;
    this.wantStdout = stdout;
    this.wantStderr = stderr;
    this.resizer = resizer;
    Thread.ofPlatform().name("attach-reader").daemon().start(this::pump);
  }

  private void pump() {
    byte[] packet = new byte[8193];
    try {
      int n;
      while ((n = socket.read(packet)) > 0) {
        byte[] data = java.util.Arrays.copyOfRange(packet, 1, n);
        switch (packet[0]) {
          case STDOUT -> stdout.offer(data);
          case STDERR -> stderr.offer(data);
          default -> {}
        }
      }
    } catch (IOException e) {
      // The socket went away: the session is over.
    } finally {
      stdout.offer(END);
      stderr.offer(END);
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
    return wantStdout ? stdout : null;
  }

  @Override
  public InputStream stderr() {
    return wantStderr ? stderr : null;
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
  }

  /** An InputStream fed by the reader thread, packet by packet. */
  private static final class PacketStream extends InputStream {
    private final LinkedBlockingQueue<byte[]> packets = new LinkedBlockingQueue<>();
    private byte[] current = new byte[0];
    private int position;
    private boolean done;

    void offer(byte[] data) {
      packets.add(data);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      while (!done && position >= current.length) {
        try {
          current = packets.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
        position = 0;
        if (current == END) {
          done = true;
        }
      }
      if (done) {
        return -1;
      }
      int n = Math.min(length, current.length - position);
      System.arraycopy(current, position, buffer, offset, n);
      position += n;
      return n;
    }
  }
}
