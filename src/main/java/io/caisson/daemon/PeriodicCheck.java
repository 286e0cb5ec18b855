package io.caisson.daemon;

import java.time.Duration;

/** A check the daemon runs on a virtual thread of its own, once per period, until interrupted. */
final class PeriodicCheck {
  private PeriodicCheck() {}

  /**
   * Starts {@code check} every {@code period}, first after one period.
   *
   * @return the thread, for {@link Thread#interrupt} when the daemon stops
   */
  static Thread start(String name, Duration period, Runnable check) {
    return Thread.ofVirtual()
        .name(name)
        .start(
            () -> {
              try {
                while (true) {
                  Thread.sleep(period);
                  check.run();
                }
              } catch (InterruptedException e) {
                // stopped
              }
            });
  }
}
