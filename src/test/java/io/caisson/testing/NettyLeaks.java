package io.caisson.testing;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class during which Netty reported a buffer garbage-collected without its release
 * (see {@link RecordingLeakDetector}). Registered for every test class by JUnit's extension
 * auto-detection. Netty reports a leak only after the collector has found the buffer and a later
 * allocation polls for it, so after the class's tests this collects and allocates until nothing new
 * shows up.
 */
public final class NettyLeaks implements BeforeAllCallback, AfterAllCallback {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(NettyLeaks.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getStore(NAMESPACE).put("before", RecordingLeakDetector.leaks().size());
  }

  @Override
  public void afterAll(ExtensionContext context) throws InterruptedException {
    int before = context.getStore(NAMESPACE).getOrDefault("before", Integer.class, 0);
    for (int round = 0; round < 3; round++) {
      System.gc();
      Thread.sleep(20); // the collector queues the dead buffers' trackers in the background
      pollForLeaks();
    }
    List<String> leaks = RecordingLeakDetector.leaks();
    if (leaks.size() > before) {
      throw new AssertionError(
          "Netty buffers leaked during "
              + context.getDisplayName()
              + ":\n"
              + String.join("\n\n", leaks.subList(before, leaks.size())));
    }
  }

  /** An allocation from each kind of allocator is what makes the detector report queued leaks. */
  private static void pollForLeaks() {
    ByteBufAllocator.DEFAULT.directBuffer(1).release();
    ByteBufAllocator.DEFAULT.heapBuffer(1).release();
    UnpooledByteBufAllocator.DEFAULT.directBuffer(1).release();
  }
}
