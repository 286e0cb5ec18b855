package io.caisson.daemon;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the heap a burst grew back to the node. The Serial collector grows its old generation
 * instead of collecting it when a burst (300 pods removed at once) promotes a lot, and shrinks it
 * only at a full collection, which a quiet daemon may not need for hours: the burst's garbage then
 * stays resident (42 MiB committed for 10 MiB live, measured). One full collection (~20 ms at this
 * heap's size) returns it, and {@code -XX:-ShrinkHeapInSteps} (bin/caisson) lets that one
 * collection shrink the heap to size. It runs when the committed heap has grown by {@link #GROWTH}
 * since the last collection of ours (a burst), and otherwise every {@link #SETTLE} while the heap
 * is {@link #SETTLED_GROWTH} above the smallest size it has had: the live data a burst of pods left
 * may be gone since (the pods were removed), which no size can tell before a collection does. A
 * heap that truly holds more (300 pods that stay) costs one full collection every {@link #SETTLE}.
 * The same role as G1's periodic collection (JEP 346), which the Serial collector lacks.
 */
final class HeapTrimmer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HeapTrimmer.class);
  static final long GROWTH = 16L << 20;
  static final long SETTLED_GROWTH = 4L << 20;
  static final Duration SETTLE = Duration.ofMinutes(5);
  static final Duration PERIOD = Duration.ofSeconds(30);

  private final LongSupplier committed;
  private final Runnable collect;
  private final LongSupplier nanoTime;
  private long baseline;
  private long floor;
  private long lastCollection;
  private Thread thread;

  /**
   * @param committed the heap's committed bytes now
   * @param collect a full collection
   * @param nanoTime the clock ({@link System#nanoTime})
   */
  HeapTrimmer(LongSupplier committed, Runnable collect, LongSupplier nanoTime) {
    this.committed = committed;
    this.collect = collect;
    this.nanoTime = nanoTime;
    this.baseline = committed.getAsLong();
    this.floor = baseline;
    this.lastCollection = nanoTime.getAsLong();
  }

  /** The JVM's own heap, collected by {@link System#gc()}. */
  static HeapTrimmer ofThisJvm() {
    return new HeapTrimmer(Runtime.getRuntime()::totalMemory, System::gc, System::nanoTime);
  }

  HeapTrimmer start() {
    thread = PeriodicCheck.start("heap-trimmer", PERIOD, this::check);
    return this;
  }

  /**
   * Collects when the committed heap has grown by {@link #GROWTH} past the baseline, its size after
   * the last collection of ours (or at start), or when that collection is {@link #SETTLE} old and
   * the heap is {@link #SETTLED_GROWTH} above the floor, the smallest size seen. A heap that shrank
   * by itself lowers both.
   *
   * @return whether it collected
   */
  boolean check() {
    long now = committed.getAsLong();
    boolean settled = nanoTime.getAsLong() - lastCollection >= SETTLE.toNanos();
    if (now - baseline < GROWTH && !(settled && now - floor >= SETTLED_GROWTH)) {
      baseline = Math.min(baseline, now);
      floor = Math.min(floor, now);
      return false;
    }
    collect.run();
    long after = committed.getAsLong();
    LOG.debug("heap committed {} MiB, {} MiB after a full collection", now >> 20, after >> 20);
    baseline = after;
    floor = Math.min(floor, after);
    lastCollection = nanoTime.getAsLong();
    return true;
  }

  @Override
  public void close() {
    if (thread != null) {
      thread.interrupt();
    }
  }
}
