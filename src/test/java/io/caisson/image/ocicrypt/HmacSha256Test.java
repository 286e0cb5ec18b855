package io.caisson.image.ocicrypt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The HMAC over libcrypto's SHA-256 equals the JDK's HmacSHA256, for short and long keys. */
class HmacSha256Test {
  @Test
  void matchesTheJdksHmac() throws Exception {
    Random random = new Random(7);
    byte[] data = new byte[200_000];
    random.nextBytes(data);
    for (int keyLength : new int[] {0, 32, 64, 65, 200}) {
      byte[] key = new byte[keyLength];
      random.nextBytes(key);
      Mac jdk = Mac.getInstance("HmacSHA256");
      jdk.init(new SecretKeySpec(keyLength == 0 ? new byte[1] : key, "HmacSHA256"));
      HmacSha256 ours = new HmacSha256(keyLength == 0 ? new byte[1] : key);
      for (int off = 0; off < data.length; ) {
        int n = Math.min(data.length - off, random.nextInt(9000));
        jdk.update(data, off, n);
        ours.update(data, off, n);
        off += n;
      }
      assertThat(ours.doFinal()).as("key of %d bytes", keyLength).isEqualTo(jdk.doFinal());
    }
  }
}
