package io.caisson.container;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Packets of one output stream, from the thread that reads them off a socket to the one that sends
 * them to the client, holding at most {@link #LIMIT} bytes: when the client is slow the reader
 * waits, and so the socket's sender is held back, instead of the daemon's heap filling up.
 */
final class PacketBuffer extends InputStream {

  static final int LIMIT = 256 * 1024;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition readable = lock.newCondition();
  private final Condition writable = lock.newCondition();
  private final ArrayDeque<byte[]> packets = new ArrayDeque<>();
  private int buffered;
  private int position; // into packets.peekFirst()
  private boolean ended; // no more packets: EOF once drained
  private boolean closed; // the reader is gone: drop everything

  /**
   * Adds a packet, waiting while the buffer is full. A packet larger than the limit still goes in
   * alone. Dropped once the reader closed.
   */
  void put(byte[] packet) throws InterruptedException {
    if (packet.length == 0) {
      return;
    }
    lock.lock();
    try {
      while (!closed && buffered > 0 && buffered + packet.length > LIMIT) {
        writable.await();
      }
      if (closed) {
        return;
      }
      packets.addLast(packet);
      buffered += packet.length;
      readable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** No more packets will come: the reader sees EOF after what is buffered. */
  void end() {
    lock.lock();
    try {
      ended = true;
      readable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  /** Blocks until a packet is there, then returns bytes of it (up to len). */
  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    lock.lock();
    try {
      while (buffered == 0 && !ended && !closed) {
        try {
          readable.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted reading attach output");
        }
      }
      if (buffered == 0) {
        return -1;
      }
      byte[] head = packets.peekFirst();
      int n = Math.min(len, head.length - position);
      System.arraycopy(head, position, b, off, n);
      position += n;
      if (position == head.length) {
        packets.removeFirst();
        position = 0;
      }
      buffered -= n;
      writable.signalAll();
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** The reader is done: what is buffered and what still comes is dropped, and put never waits. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      packets.clear();
      buffered = 0;
      position = 0;
      readable.signalAll();
      writable.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
