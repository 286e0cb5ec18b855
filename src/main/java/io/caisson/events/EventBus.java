package io.caisson.events;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Fans events out to any number of subscribers. Publishing never blocks: each subscriber has a
 * bounded queue of its own, and a subscriber that lets it fill up is cut off (its next take reports
 * {@link Overflow}) instead of slowing the runtime down or silently missing events.
 *
 * <p>Events published one after the other (happens-before) reach every subscriber in that order;
 * callers that need per-object ordering publish while holding that object's monitor.
 */
public final class EventBus<E> {
  private final int capacity;
  private final CopyOnWriteArrayList<Subscription<E>> subscribers = new CopyOnWriteArrayList<>();

  /**
   * @param capacity events a subscriber may have queued unread before it is cut off
   */
  public EventBus(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive, was " + capacity);
    }
    this.capacity = capacity;
  }

  /** A new subscriber that sees every event published from now on, until it is closed. */
  public Subscription<E> subscribe() {
    Subscription<E> subscription = new Subscription<>(this, capacity);
    subscribers.add(subscription);
    return subscription;
  }

  /** Whether anyone listens: publishers skip building costly events otherwise. */
  public boolean hasSubscribers() {
    return !subscribers.isEmpty();
  }

  public int subscriberCount() {
    return subscribers.size();
  }

  /**
   * Queues the event for every subscriber; the supplier is called at most once, and only if any.
   */
  public void publish(Supplier<E> event) {
    if (subscribers.isEmpty()) {
      return;
    }
    E built = event.get();
    for (Subscription<E> subscription : subscribers) {
      subscription.offer(built);
    }
  }

  /** Closes every subscription (shutdown): their readers see the end instead of waiting. */
  public void closeAll() {
    for (Subscription<E> subscription : subscribers) {
      subscription.close();
    }
  }

  void remove(Subscription<E> subscription) {
    subscribers.remove(subscription);
  }

  /**
   * Thrown by {@link Subscription#take} once the subscriber fell {@code capacity} events behind.
   */
  public static final class Overflow extends Exception {
    Overflow(int capacity) {
      super(
          "event subscriber fell behind: "
              + capacity
              + " events were queued unread, so the stream is closed rather than thinned;"
              + " resubscribe and relist");
    }
  }

  /** One subscriber's queue. Close it when done; closing twice is harmless. */
  public static final class Subscription<E> implements AutoCloseable {
    private final EventBus<E> bus;
    private final int capacity;
    private final BlockingQueue<E> queue;
    private volatile boolean overflowed;
    private volatile boolean closed;

    private Subscription(EventBus<E> bus, int capacity) {
      this.bus = bus;
      this.capacity = capacity;
      this.queue = new ArrayBlockingQueue<>(capacity);
    }

    private void offer(E event) {
      if (closed || overflowed) {
        return;
      }
      if (!queue.offer(event)) {
        // Dropping only this event would leave a gap the reader cannot see: cut it off instead.
        overflowed = true;
        queue.clear();
        bus.remove(this);
      }
    }

    /**
     * The next event, waiting up to {@code timeout}; null when none came in time or the
     * subscription was closed.
     *
     * @throws Overflow once the subscriber has fallen behind; it receives nothing more
     */
    public E take(long timeout, TimeUnit unit) throws InterruptedException, Overflow {
      if (overflowed) {
        throw new Overflow(capacity);
      }
      if (closed) {
        return null;
      }
      E event = queue.poll(timeout, unit);
      if (event == null && overflowed) {
        throw new Overflow(capacity);
      }
      return event;
    }

    /**
     * @throws Overflow if the subscriber has fallen behind, even with events still to read
     */
    public void checkOverflow() throws Overflow {
      if (overflowed) {
        throw new Overflow(capacity);
      }
    }

    public boolean isOverflowed() {
      return overflowed;
    }

    public boolean isClosed() {
      return closed;
    }

    @Override
    public void close() {
      closed = true;
      bus.remove(this);
      queue.clear();
    }
  }
}
