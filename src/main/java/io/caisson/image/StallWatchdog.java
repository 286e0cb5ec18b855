package io.caisson.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Cancels network reads that make no progress for the stall timeout. java.net.http has no read
 * timeout for bodies, so a watchdog thread checks every guarded stream; a stalled one is closed and
 * its reader interrupted, and the reader sees a {@link StallException}.
 */
final class StallWatchdog implements AutoCloseable {
  private final Duration timeout;
  private final Set<Guarded> active = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;

  StallWatchdog(Duration timeout) {
    this.timeout = timeout;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "image-stall-watchdog");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(50, Math.min(1000, timeout.toMillis() / 4));
    timer.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
  }

  Duration timeout() {
    return timeout;
  }

  static String pretty(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  /** Wraps a network stream; bytes read are added to {@code progress}. */
  InputStream guard(InputStream in, String what, LongAdder progress) {
    Guarded g = new Guarded(in, what, progress);
    active.add(g);
    return g;
  }

  private void check() {
    long now = System.nanoTime();
    for (Guarded g : active) {
      if (g.inRead && now - g.lastProgress > timeout.toNanos() && !g.stalled) {
        g.stalled = true;
        Thread reader = g.reader;
        Thread.ofVirtual().start(g::closeQuietly);
        if (reader != null) {
          reader.interrupt();
        }
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  /** The read was cancelled because no byte arrived for the stall timeout. */
  static final class StallException extends IOException {
    StallException(String message) {
      super(message);
    }
  }

  private final class Guarded extends FilterInputStream {
    private final String what;
    private final LongAdder progress;
    volatile long lastProgress = System.nanoTime();
    volatile boolean inRead;
    volatile boolean stalled;
    volatile Thread reader;

    Guarded(InputStream in, String what, LongAdder progress) {
      super(in);
      this.what = what;
      this.progress = progress;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (stalled) {
        throw stall();
      }
      reader = Thread.currentThread();
      lastProgress = System.nanoTime();
      inRead = true;
      int n;
      try {
        n = super.read(b, off, len);
      } catch (IOException e) {
        if (stalled) {
          throw stall();
        }
        throw e;
      } finally {
        inRead = false;
        reader = null;
      }
      if (stalled) {
        throw stall();
      }
      if (n > 0) {
        lastProgress = System.nanoTime();
        progress.add(n);
      }
      return n;
    }

    private StallException stall() {
      Thread.interrupted(); // the watchdog's interrupt was for this read only
      return new StallException(
          "no data received from " + what + " for " + pretty(timeout) + "; pull cancelled");
    }

    void closeQuietly() {
      try {
        in.close();
      } catch (IOException ignored) {
        // closing only unblocks the reader
      }
    }

    @Override
    public void close() throws IOException {
      active.remove(this);
      super.close();
    }
  }
}
