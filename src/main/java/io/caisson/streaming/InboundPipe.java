package io.caisson.streaming;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bytes a client sent on one logical stream, handed from the event loop to the virtual thread that
 * consumes them. The event loop never blocks: when the consumer falls behind by more than {@link
 * #LIMIT} the pipe asks its {@link Listener} to stop reading the socket, and to resume once it
 * drained. That is the only back-pressure WebSocket has, and the one SPDY clients that ignore
 * flow-control windows (all spdystream clients) actually obey.
 */
final class InboundPipe extends InputStream {

  static final int LIMIT = 1 << 20;

  /** Told about consumption, on the consumer's thread. */
  interface Listener {
    /** {@code n} bytes were read (or dropped) and may be credited back to the sender. */
    void consumed(InboundPipe pipe, int n);

    /**
     * Whether the socket should stop being read for this pipe's sake may have changed: see {@link
     * #backlogged()}. Notices from the event loop and from the consumer can arrive in either order,
     * so the listener must act on the pipe's state at the time it handles one.
     */
    void backlogChanged(InboundPipe pipe);
  }

  static final Listener NO_LISTENER =
      new Listener() {
        @Override
        public void consumed(InboundPipe pipe, int n) {}

        @Override
        public void backlogChanged(InboundPipe pipe) {}
      };

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition readable = lock.newCondition();
  private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
  private final Listener listener;
  private int offset; // into chunks.peekFirst()
  private int buffered;
  private boolean finished; // the sender closed its side: EOF once drained
  private boolean discarding; // nobody will read: drop what arrives
  private boolean full;

  InboundPipe(Listener listener) {
    this.listener = listener;
  }

  /** Appends a copy of {@code data}; called on the event loop, never blocks. */
  void offer(ByteBuf data) {
    int n = data.readableBytes();
    if (n == 0) {
      return;
    }
    boolean drop;
    boolean nowFull = false;
    lock.lock();
    try {
      drop = discarding || finished;
      if (!drop) {
        byte[] copy = new byte[n];
        data.readBytes(copy);
        chunks.addLast(copy);
        buffered += n;
        if (!full && buffered > LIMIT) {
          full = nowFull = true;
        }
        readable.signalAll();
      }
    } finally {
      lock.unlock();
    }
    if (drop) {
      data.skipBytes(n);
      listener.consumed(this, n);
    } else if (nowFull) {
      listener.backlogChanged(this);
    }
  }

  /** The sender will send no more: readers see EOF after what is buffered. */
  void finish() {
    lock.lock();
    try {
      finished = true;
      readable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The stream or connection is gone: drop the backlog, readers see EOF now. */
  void abort() {
    discard();
  }

  /** Whether more than {@link #LIMIT} is buffered and not yet drained to half of it. */
  boolean backlogged() {
    lock.lock();
    try {
      return full;
    } finally {
      lock.unlock();
    }
  }

  boolean isFinished() {
    lock.lock();
    try {
      return finished || discarding;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  /** Blocks until at least one byte is buffered, then returns what is there (up to len). */
  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    int n = 0;
    boolean drained = false;
    lock.lock();
    try {
      while (buffered == 0 && !finished && !discarding) {
        try {
          readable.await(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted reading a client stream");
        }
      }
      if (buffered == 0) {
        return -1;
      }
      while (n < len && !chunks.isEmpty()) {
        byte[] head = chunks.peekFirst();
        int take = Math.min(len - n, head.length - offset);
        System.arraycopy(head, offset, b, off + n, take);
        n += take;
        offset += take;
        if (offset == head.length) {
          chunks.removeFirst();
          offset = 0;
        }
      }
      buffered -= n;
      if (full && buffered <= LIMIT / 2) {
        full = false;
        drained = true;
      }
    } finally {
      lock.unlock();
    }
    listener.consumed(this, n);
    if (drained) {
      listener.backlogChanged(this);
    }
    return n;
  }

  /** The consumer is done: what is buffered and what still arrives is dropped (and credited). */
  @Override
  public void close() {
    discard();
  }

  private void discard() {
    int dropped;
    boolean wasFull;
    lock.lock();
    try {
      discarding = true;
      dropped = buffered;
      wasFull = full;
      full = false;
      buffered = 0;
      offset = 0;
      chunks.clear();
      readable.signalAll();
    } finally {
      lock.unlock();
    }
    if (dropped > 0) {
      listener.consumed(this, dropped);
    }
    if (wasFull) {
      listener.backlogChanged(this);
    }
  }
}
