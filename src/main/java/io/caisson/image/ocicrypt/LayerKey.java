package io.caisson.image.ocicrypt;

import io.caisson.image.Digest;
import io.caisson.image.OpenSslAesCtr;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
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
    DecryptingInputStream.Keystream keystream =
        OpenSslAesCtr.create(symmetricKey, nonce)
            .<DecryptingInputStream.Keystream>map(openssl -> openssl::update)
            .orElseGet(this::jdkKeystream);
    return new DecryptingInputStream(ciphertext, this, keystream, new HmacSha256(symmetricKey));
  }

  /** The JDK's AES-CTR, where libcrypto is missing. */
  private DecryptingInputStream.Keystream jdkKeystream() {
    try {
      Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
      ctr.init(
          Cipher.DECRYPT_MODE, new SecretKeySpec(symmetricKey, "AES"), new IvParameterSpec(nonce));
      return (buf, off, len) -> {
        try {
          if (ctr.update(buf, off, len, buf, off) != len) {
            throw new IllegalStateException("AES-CTR returned fewer bytes than it was given");
          }
        } catch (ShortBufferException e) {
          throw new IllegalStateException("AES-CTR: " + e.getMessage(), e);
        }
      };
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK lacks AES-CTR", e);
    }
  }
}
