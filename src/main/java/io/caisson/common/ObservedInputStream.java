package io.caisson.common;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A filter every byte of which passes through {@link #read(byte[], int, int)}: single-byte reads
 * and skips read through it too, and marks are refused. For streams that hash, decrypt or parse
 * what passes, where a byte that went around them would go unchecked.
 */
public abstract class ObservedInputStream extends FilterInputStream {
  private final byte[] one = new byte[1];

  protected ObservedInputStream(InputStream in) {
    super(in);
  }

  @Override
  public abstract int read(byte[] b, int off, int len) throws IOException;

  @Override
  public final int read() throws IOException {
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public final long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(8192, Math.max(n, 1))];
    long done = 0;
    while (done < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - done));
      if (r < 0) {
        break;
      }
      done += r;
    }
    return done;
  }

  @Override
  public final boolean markSupported() {
    return false;
  }
}
