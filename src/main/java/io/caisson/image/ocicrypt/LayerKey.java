package io.caisson.image.ocicrypt;

import io.caisson.image.Digest;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * An encrypted layer's unwrapped key: what decrypts it (AES-256-CTR key and nonce) and what its
 * bytes must match (the HMAC over the ciphertext, the digest of the plaintext when ocicrypt wrote
 * one, which it always does).
 */
public record LayerKey(byte[] symmetricKey, byte[] nonce, byte[] hmac, Digest plainDigest) {

  /**
   * The layer's plaintext (still compressed as its media type says) read from its ciphertext; at
   * its end the HMAC and the plaintext's digest are checked, and a mismatch fails that read.
   */
  public InputStream decrypting(InputStream ciphertext) {
    try {
      Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
      ctr.init(
          Cipher.DECRYPT_MODE, new SecretKeySpec(symmetricKey, "AES"), new IvParameterSpec(nonce));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(symmetricKey, "HmacSHA256"));
      return new DecryptingInputStream(ciphertext, this, ctr, mac);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK lacks AES-CTR or HMAC-SHA256", e);
    }
  }
}
