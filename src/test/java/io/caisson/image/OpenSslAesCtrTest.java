package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** libcrypto's AES-256-CTR gives the JDK's bytes, whatever the pieces it is fed in. */
class OpenSslAesCtrTest {
  @Test
  void decryptsAsTheJdkDoesAcrossUnevenPieces() throws Exception {
    Random random = new Random(42);
    byte[] key = new byte[32];
    byte[] iv = new byte[16];
    random.nextBytes(key);
    random.nextBytes(iv);
    iv[15] = (byte) 0xff; // the counter carries into the next byte early on
    byte[] data = new byte[3 << 20];
    random.nextBytes(data);

    Cipher jdk = Cipher.getInstance("AES/CTR/NoPadding");
    jdk.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
    byte[] expected = jdk.doFinal(data);

    OpenSslAesCtr ctr = OpenSslAesCtr.create(key, iv).orElseThrow();
    byte[] actual = data.clone();
    for (int off = 0; off < actual.length; ) {
      int n = Math.min(actual.length - off, 1 + random.nextInt(70_000));
      ctr.update(actual, off, n);
      off += n;
    }
    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void refusesKeysOfAnotherSize() {
    assertThatThrownBy(() -> OpenSslAesCtr.create(new byte[16], new byte[16]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
