package io.caisson.image.ocicrypt;

import io.caisson.common.ObservedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Decrypts a layer as it streams past, authenticating the ciphertext with its HMAC and hashing the
 * plaintext; both are checked when the ciphertext ends. Every byte goes through {@link
 * #read(byte[], int, int)}: a skip reads too, so nothing is left out of the HMAC.
 */
final class DecryptingInputStream extends ObservedInputStream {
  /** AES-CTR decrypting bytes in place, libcrypto's or the JDK's. */
  interface Keystream {
    void apply(byte[] buf, int off, int len);
  }

  private final LayerKey key;
  private final Keystream ctr;
  private final HmacSha256 mac;
  private final MessageDigest plainHasher;
  private boolean verified;
  private LayerDecryptionException failure;

  DecryptingInputStream(InputStream ciphertext, LayerKey key, Keystream ctr, HmacSha256 mac) {
    super(ciphertext);
    this.key = key;
    this.ctr = ctr;
    this.mac = mac;
    this.plainHasher = key.plainDigest() == null ? null : key.plainDigest().newHasher();
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    int n = in.read(b, off, len);
    if (n < 0) {
      verify();
      return -1;
    }
    mac.update(b, off, n);
    // CTR is a stream mode: every byte in gives one byte out, in place.
    ctr.apply(b, off, n);
    if (plainHasher != null) {
      plainHasher.update(b, off, n);
    }
    return n;
  }

  private void verify() throws LayerDecryptionException {
    if (failure != null) {
      throw failure;
    }
    if (verified) {
      return;
    }
    verified = true;
    if (!MessageDigest.isEqual(mac.doFinal(), key.hmac())) {
      failure =
          new LayerDecryptionException(
              "the ciphertext does not match the HMAC in its public options");
    } else if (plainHasher != null && !key.plainDigest().matches(plainHasher)) {
      failure =
          new LayerDecryptionException(
              "the decrypted layer does not match its digest " + key.plainDigest());
    }
    if (failure != null) {
      throw failure;
    }
  }
}
