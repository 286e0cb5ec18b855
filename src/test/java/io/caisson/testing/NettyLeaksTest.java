package io.caisson.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;

/** The leak guard itself: the build installs the recording detector, and it sees a real leak. */
class NettyLeaksTest {

  @Test
  void theBuildTracksEveryBuffer() {
    assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
  }

  @Test
  void aBufferDroppedWithoutReleaseIsRecorded() throws InterruptedException {
    int before = RecordingLeakDetector.leaks().size();
    // Netty logs what it finds: say so, for whoever reads the build's output.
    System.err.println("NettyLeaksTest: one buffer leaks on purpose; its LEAK report is expected");
    try {
      dropUnreleased();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (RecordingLeakDetector.leaks().size() == before && System.nanoTime() < deadline) {
        System.gc();
        Thread.sleep(20);
        ByteBufAllocator.DEFAULT.directBuffer(1).release();
      }
      assertThat(
              RecordingLeakDetector.leaks().subList(before, RecordingLeakDetector.leaks().size()))
          .singleElement()
          .asString()
          .contains("ByteBuf")
          .contains("dropUnreleased");
    } finally {
      RecordingLeakDetector.discardFrom(before); // provoked here: not a leak of the code under test
    }
  }

  private static void dropUnreleased() {
    ByteBuf buffer = ByteBufAllocator.DEFAULT.directBuffer(16);
    buffer.writeLong(42);
  }
}
