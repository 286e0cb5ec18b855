package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** libcrypto's digests agree with the JDK's for every way bytes are fed to them. */
class OpenSslDigestTest {
  private static final Random RANDOM = new Random(42);

  @ParameterizedTest
  @ValueSource(strings = {"SHA-256", "SHA-512"})
  void agreesWithTheJdkForEveryLengthAndChunking(String name) throws Exception {
    MessageDigest ours = OpenSslDigest.create(name).orElseThrow();
    for (int length : new int[] {0, 1, 55, 56, 64, 65, 4095, 1 << 16, (1 << 20) + 17, 3 << 20}) {
      byte[] data = new byte[length];
      RANDOM.nextBytes(data);
      byte[] expected = MessageDigest.getInstance(name).digest(data);

      assertThat(ours.digest(data)).as("%d bytes at once", length).isEqualTo(expected);

      // Odd slices of a larger array, single bytes, heap and direct buffers, in turn.
      byte[] padded = new byte[length + 10];
      System.arraycopy(data, 0, padded, 3, length);
      int at = 0;
      int step = 1;
      while (at < length) {
        int n = Math.min(step, length - at);
        switch (step % 4) {
          case 0 -> ours.update(padded, 3 + at, n);
          case 1 -> {
            for (int i = 0; i < n; i++) {
              ours.update(data[at + i]);
            }
          }
          case 2 -> ours.update(ByteBuffer.wrap(padded, 3 + at, n));
          default -> {
            ByteBuffer direct = ByteBuffer.allocateDirect(n + 5);
            direct.position(5);
            direct.put(data, at, n);
            direct.position(5);
            ours.update(direct);
            assertThat(direct.remaining()).isZero();
          }
        }
        at += n;
        step = step * 3 + 1;
      }
      assertThat(ours.digest()).as("%d bytes in pieces", length).isEqualTo(expected);
    }
  }

  @Test
  void resetForgetsWhatWasFed() throws Exception {
    MessageDigest ours = OpenSslDigest.create("SHA-256").orElseThrow();
    ours.update(new byte[] {1, 2, 3});
    ours.reset();
    assertThat(ours.digest(new byte[] {4}))
        .isEqualTo(MessageDigest.getInstance("SHA-256").digest(new byte[] {4}));
  }

  @Test
  void contextsOfDroppedDigestsAreFreedByTheCleaner() throws Exception {
    byte[] expected = MessageDigest.getInstance("SHA-256").digest(new byte[] {7});
    for (int round = 0; round < 5; round++) {
      for (int i = 0; i < 10_000; i++) {
        assertThat(OpenSslDigest.create("SHA-256").orElseThrow().digest(new byte[] {7}))
            .isEqualTo(expected);
      }
      System.gc(); // the cleanups run on the JDK's cleaner thread meanwhile: no double free
      Thread.sleep(50);
    }
  }

  @Test
  void readOnlyHeapBuffersAreHashedToo() throws Exception {
    byte[] data = new byte[1000];
    RANDOM.nextBytes(data);
    MessageDigest ours = OpenSslDigest.create("SHA-256").orElseThrow();
    ByteBuffer readOnly = ByteBuffer.wrap(data).asReadOnlyBuffer();
    ours.update(readOnly);
    assertThat(readOnly.remaining()).isZero();
    assertThat(ours.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
  }

  @Test
  void digestsOfTheImageCodeComeFromLibcrypto() {
    assertThat(Digest.parse("sha256:" + "0".repeat(64)).newHasher())
        .isInstanceOf(OpenSslDigest.class);
  }
}
