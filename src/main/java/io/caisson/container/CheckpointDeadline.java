package io.caisson.container;

import io.caisson.common.CaissonException;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * When a checkpoint must be over: the request's timeout or, sooner, the caller's own gRPC deadline
 * (kubelet sends both, of the same length). It bounds the whole checkpoint, not runc alone: once it
 * has passed, or the caller has cancelled, nothing more is done and no archive appears, since a
 * caller that gave up would not know of it, and the container lock held meanwhile would keep
 * StopContainer waiting.
 *
 * @param atNanos the deadline on {@link System#nanoTime()}'s clock
 * @param timeout how long the checkpoint was given, for messages
 * @param cancelled whether the caller has cancelled (its gRPC context; a passed deadline too)
 */
public record CheckpointDeadline(long atNanos, Duration timeout, BooleanSupplier cancelled) {
  /** A timeout of 0 asks for the CRI default: kubelet's default runtime request timeout. */
  static final Duration DEFAULT = Duration.ofMinutes(2);

  /** Longer timeouts are cut to this: no dump takes a day, and nanoTime arithmetic stays exact. */
  static final Duration LONGEST = Duration.ofDays(1);

  /**
   * @param timeoutSeconds the request's timeout, 0 for the default
   * @param callerLeft what is left of the caller's deadline, null when it set none
   */
  public static CheckpointDeadline of(
      long timeoutSeconds, Duration callerLeft, BooleanSupplier cancelled) {
    if (timeoutSeconds < 0) {
      throw CaissonException.invalid("checkpoint timeout must not be negative: %d", timeoutSeconds);
    }
    Duration timeout =
        timeoutSeconds == 0
            ? DEFAULT
            : Duration.ofSeconds(Math.min(timeoutSeconds, LONGEST.toSeconds()));
    if (callerLeft != null && callerLeft.compareTo(timeout) < 0) {
      timeout = callerLeft.isNegative() ? Duration.ZERO : callerLeft;
    }
    return new CheckpointDeadline(System.nanoTime() + timeout.toNanos(), timeout, cancelled);
  }

  /** What is left of it, zero once it has passed. */
  Duration remaining() {
    return Duration.ofNanos(Math.max(0, atNanos - System.nanoTime()));
  }

  /**
   * @throws CaissonException DEADLINE_EXCEEDED when the deadline has passed or the caller has
   *     cancelled, naming what was not done
   */
  void check(String id, String step) {
    if (cancelled.getAsBoolean()) {
      throw new CaissonException(
          CaissonException.Kind.DEADLINE_EXCEEDED,
          "checkpoint of %s given up before %s: the caller cancelled".formatted(id, step));
    }
    if (remaining().isZero()) {
      throw new CaissonException(
          CaissonException.Kind.DEADLINE_EXCEEDED,
          "checkpoint of %s did not finish in %s (timed out before %s)"
              .formatted(id, seconds(timeout), step));
    }
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
  }
}
