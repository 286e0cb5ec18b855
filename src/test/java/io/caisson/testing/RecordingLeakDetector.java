package io.caisson.testing;

import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Netty's leak detector for the test JVM, which also keeps every leak it reports so that {@link
 * NettyLeaks} can fail the test class that leaked. The build installs it (the {@code
 * io.netty.customResourceLeakDetector} property, at the {@code paranoid} level, which tracks every
 * buffer): a buffer the streaming code forgets to release would otherwise only show as a log line
 * and, on a node, as direct memory that grows until the daemon dies.
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
  private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

  /** The constructor Netty's detector factory uses. */
  public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
    super(resourceType, samplingInterval);
  }

  /**
   * The one Netty's factory tries first (and logs an error when it is missing); Netty ignores the
   * limit.
   */
  public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
    this(resourceType, samplingInterval);
  }

  /** Every leak reported in this JVM so far, oldest first. */
  static List<String> leaks() {
    return List.copyOf(LEAKS);
  }

  /** Forgets the leaks from {@code index} on: those a test provoked on purpose. */
  static void discardFrom(int index) {
    while (LEAKS.size() > index) {
      LEAKS.removeLast();
    }
  }

  @Override
  protected void reportTracedLeak(String resourceType, String records) {
    LEAKS.add(resourceType + " was garbage-collected unreleased; its accesses:" + records);
    super.reportTracedLeak(resourceType, records);
  }

  @Override
  protected void reportUntracedLeak(String resourceType) {
    LEAKS.add(resourceType + " was garbage-collected unreleased (no access records)");
    super.reportUntracedLeak(resourceType);
  }
}
