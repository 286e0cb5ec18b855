package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PacketBufferTest {

  private final PacketBuffer buffer = new PacketBuffer();

  @Test
  void packetsComeOutInOrderThenEof() throws Exception {
    buffer.put(new byte[] {1, 2, 3});
    buffer.put(new byte[] {4});
    buffer.end();
    byte[] two = new byte[2];
    assertThat(buffer.read(two)).isEqualTo(2);
    assertThat(two).containsExactly(1, 2);
    assertThat(buffer.readAllBytes()).containsExactly(3, 4);
    assertThat(buffer.read()).isEqualTo(-1);
  }

  @Test
  void aFullBufferHoldsTheWriterBackUntilTheReaderTakesSome() throws Exception {
    byte[] packet = new byte[8192];
    for (int held = 0; held < PacketBuffer.LIMIT; held += packet.length) {
      buffer.put(packet);
    }
    Thread writer = Thread.ofVirtual().start(() -> put(packet));
    assertThat(writer.join(java.time.Duration.ofMillis(300))).as("writer waits").isFalse();
    assertThat(buffer.read(new byte[packet.length])).isEqualTo(packet.length);
    assertThat(writer.join(java.time.Duration.ofSeconds(5))).as("writer let go").isTrue();
  }

  @Test
  void aPacketLargerThanTheLimitStillGoesThroughAlone() throws Exception {
    buffer.put(new byte[PacketBuffer.LIMIT + 1]);
    buffer.end();
    assertThat(buffer.readAllBytes()).hasSize(PacketBuffer.LIMIT + 1);
  }

  @Test
  void closingReleasesAWaitingWriterAndDropsWhatComesAfter() throws Exception {
    buffer.put(new byte[PacketBuffer.LIMIT]);
    Thread writer = Thread.ofVirtual().start(() -> put(new byte[1]));
    assertThat(writer.join(java.time.Duration.ofMillis(300))).isFalse();
    buffer.close();
    assertThat(writer.join(java.time.Duration.ofSeconds(5))).isTrue();
    buffer.put(new byte[PacketBuffer.LIMIT]); // no room needed: dropped at once
    assertThat(buffer.read()).isEqualTo(-1);
  }

  @Test
  void aReaderWaitsForAPacket() throws Exception {
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    assertThat(buffer.read()).isEqualTo(7);
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                });
    TimeUnit.MILLISECONDS.sleep(100);
    assertThat(reader.isAlive()).isTrue();
    buffer.put(new byte[] {7});
    reader.join(5000);
    assertThat(reader.isAlive()).isFalse();
  }

  private void put(byte[] packet) {
    try {
      buffer.put(packet);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
