package io.caisson.stats;

import io.caisson.common.EpochNanos;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Readings of what directory trees take, each taken again only once it is older than a maximum age
 * (or never, for trees that do not change). A walk costs in proportion to the files walked (100k
 * files took 0.6 s) and kubelet asks for the same numbers every 10 s, from several RPCs at once.
 *
 * <p>Concurrent callers of one key wait for a single walk; other keys are not held up. A key
 * forgotten while it is being walked is walked afresh by the next caller.
 *
 * @param <K> what names a tree (a container id, a layer's diff id)
 * @param <V> what a walk of it gives
 */
public final class UsageCache<K, V> {
  /** Walks the tree {@code key} names. */
  @FunctionalInterface
  public interface Measure<K, V> {
    V measure(K key) throws IOException;
  }

  /**
   * @param timestampNanos when the walk that gave it began, nanoseconds since the epoch
   */
  public record Reading<V>(V value, long timestampNanos) {}

  private static final class Entry<V> {
    final ReentrantLock lock = new ReentrantLock(); // a walk blocks: no monitor held across it
    volatile Reading<V> reading;
    volatile Instant takenAt;
  }

  private final ConcurrentHashMap<K, Entry<V>> entries = new ConcurrentHashMap<>();
  private final Duration maxAge;
  private final InstantSource clock;
  private final Measure<K, V> measure;

  /**
   * @param maxAge how old a reading may be before it is taken again; null for never
   */
  public UsageCache(Duration maxAge, InstantSource clock, Measure<K, V> measure) {
    this.maxAge = maxAge;
    this.clock = clock;
    this.measure = measure;
  }

  /** Readings of trees that never change once there (an unpacked image layer): taken once. */
  public static <K, V> UsageCache<K, V> once(Measure<K, V> measure) {
    return new UsageCache<>(null, InstantSource.system(), measure);
  }

  /** The reading of {@code key}, taken now if there is none young enough. */
  public Reading<V> get(K key) throws IOException {
    Entry<V> entry = entries.computeIfAbsent(key, k -> new Entry<>());
    entry.lock.lock();
    try {
      Instant now = clock.instant();
      if (entry.reading != null && fresh(entry.takenAt, now)) {
        return entry.reading;
      }
      Reading<V> reading = new Reading<>(measure.measure(key), EpochNanos.of(now));
      entry.reading = reading;
      entry.takenAt = now;
      return reading;
    } finally {
      entry.lock.unlock();
    }
  }

  /** A clock set back counts as stale: better one walk too many than a reading kept for good. */
  private boolean fresh(Instant takenAt, Instant now) {
    return maxAge == null
        || (!now.isBefore(takenAt) && Duration.between(takenAt, now).compareTo(maxAge) < 0);
  }

  /** Drops the reading of a tree that was removed or replaced. */
  public void forget(K key) {
    entries.remove(key);
  }

  /** Drops the readings of every tree but {@code present}. */
  public void retainOnly(Set<K> present) {
    entries.keySet().retainAll(present);
  }

  /** How many trees have a reading (or one under way). */
  public int size() {
    return entries.size();
  }
}
