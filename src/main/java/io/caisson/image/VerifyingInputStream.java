package io.caisson.image;

import io.caisson.common.ObservedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Hashes and counts a blob as it streams past; at end of stream the size and digest must match the
 * descriptor, else the read fails. Nothing a registry says in headers is trusted.
 */
final class VerifyingInputStream extends ObservedInputStream {
  /** The bytes did not hash to the expected digest. */
  static final class DigestMismatchException extends IOException {
    DigestMismatchException(String message) {
      super(message);
    }
  }

  /** The stream ended early (a cut connection). */
  static final class TruncatedException extends IOException {
    TruncatedException(String message) {
      super(message);
    }
  }

  private final Digest expected;
  private final long expectedSize;
  private final MessageDigest hasher;
  private long count;
  private boolean verified;

  VerifyingInputStream(InputStream in, Digest expected, long expectedSize) {
    super(in);
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.hasher = expected.newHasher();
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    int n = in.read(b, off, (int) Math.min(len, Math.max(1, expectedSize - count + 1)));
    if (n < 0) {
      verify();
      return -1;
    }
    hasher.update(b, off, n);
    count += n;
    if (count > expectedSize) {
      throw new DigestMismatchException(
          "blob "
              + expected
              + " is longer than the "
              + expectedSize
              + " bytes its descriptor says");
    }
    return n;
  }

  /** Reads what is left (the decompressor may stop before the end) and verifies. */
  void drainAndVerify() throws IOException {
    byte[] buf = new byte[65536];
    while (read(buf, 0, buf.length) >= 0) {
      // hashing happens in read
    }
  }

  private void verify() throws IOException {
    if (verified) {
      return;
    }
    if (count < expectedSize) {
      throw new TruncatedException(
          "blob " + expected + " ended after " + count + " of " + expectedSize + " bytes");
    }
    if (!expected.matches(hasher)) {
      throw new DigestMismatchException("blob content does not match its digest " + expected);
    }
    verified = true;
  }
}
