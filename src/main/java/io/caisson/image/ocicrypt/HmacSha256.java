package io.caisson.image.ocicrypt;

import io.caisson.image.Digest;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * HMAC-SHA256 (RFC 2104) over {@link Digest#newSha256()}, so a layer's HMAC runs at libcrypto's
 * speed as its digests do, not at the JDK's under C1.
 */
final class HmacSha256 {
  private static final int BLOCK = 64;

  private final MessageDigest inner = Digest.newSha256();
  private final byte[] outerPad = new byte[BLOCK];

  HmacSha256(byte[] key) {
    byte[] k = key.length > BLOCK ? Digest.newSha256().digest(key) : key;
    byte[] innerPad = new byte[BLOCK];
    for (int i = 0; i < BLOCK; i++) {
      byte b = i < k.length ? k[i] : 0;
      innerPad[i] = (byte) (b ^ 0x36);
      outerPad[i] = (byte) (b ^ 0x5c);
    }
    inner.update(innerPad);
    Arrays.fill(innerPad, (byte) 0);
  }

  void update(byte[] data, int off, int len) {
    inner.update(data, off, len);
  }

  byte[] doFinal() {
    MessageDigest outer = Digest.newSha256();
    outer.update(outerPad);
    outer.update(inner.digest());
    return outer.digest();
  }
}
