package io.caisson.image;

import io.caisson.common.ObservedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sits between the decompressor and commons-compress and follows the tar record structure on the
 * side, to read the xattrs of PAX headers as raw bytes: commons-compress decodes PAX values as
 * UTF-8, which corrupts binary values such as {@code security.capability}. After {@code
 * getNextEntry()} returns an entry, {@link #xattrsOfCurrentEntry()} holds that entry's xattrs (from
 * its own PAX header merged over the global ones).
 */
final class PaxXattrTap extends ObservedInputStream {
  private static final int BLOCK = 512;
  private static final String SCHILY = "SCHILY.xattr.";
  private static final String LIBARCHIVE = "LIBARCHIVE.xattr.";

  private final byte[] header = new byte[BLOCK];
  private int headerFill;

  /** Bytes of entry data (plus padding) still to pass before the next header. */
  private long dataRemaining;

  /** When non-null, the data being passed is a PAX header captured here. */
  private ByteArrayOutputStream capture;

  private long captureSize;
  private boolean captureGlobal;
  private Long paxSizeOverride;
  private Map<String, byte[]> pendingXattrs = Map.of();
  private Map<String, byte[]> globalXattrs = Map.of();
  private Map<String, byte[]> current = Map.of();
  private boolean finished;

  PaxXattrTap(InputStream in) {
    super(in);
  }

  Map<String, byte[]> xattrsOfCurrentEntry() {
    return current;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      observe(b, off, n);
    }
    return n;
  }

  private void observe(byte[] b, int off, int n) throws IOException {
    int i = off;
    int end = off + n;
    while (i < end && !finished) {
      if (dataRemaining > 0) {
        int take = (int) Math.min(dataRemaining, end - i);
        if (capture != null) {
          long room = captureSize - capture.size();
          capture.write(b, i, (int) Math.max(0, Math.min(room, take)));
        }
        dataRemaining -= take;
        i += take;
        if (dataRemaining == 0 && capture != null) {
          finishCapture();
        }
        continue;
      }
      int take = Math.min(BLOCK - headerFill, end - i);
      System.arraycopy(b, i, header, headerFill, take);
      headerFill += take;
      i += take;
      if (headerFill == BLOCK) {
        headerFill = 0;
        onHeader();
      }
    }
  }

  private void onHeader() throws IOException {
    boolean zero = true;
    for (byte x : header) {
      if (x != 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      return; // end-of-archive blocks
    }
    if (!checksumOk()) {
      // We lost track of the structure; commons-compress will report the real problem, and no
      // xattrs we could attach would be trustworthy.
      finished = true;
      throw new IOException("tar stream out of step at a header with a bad checksum");
    }
    byte type = header[156];
    long size = number(124, 12);
    switch (type) {
      case 'x', 'g' -> {
        capture = new ByteArrayOutputStream((int) Math.min(size, 1 << 20));
        captureSize = size;
        captureGlobal = type == 'g';
      }
      case 'L', 'K' -> {
        // GNU long name / link: plain data, no effect on the following entry's xattrs
      }
      default -> {
        if (paxSizeOverride != null) {
          size = paxSizeOverride;
        }
        paxSizeOverride = null;
        Map<String, byte[]> merged = new LinkedHashMap<>(globalXattrs);
        merged.putAll(pendingXattrs);
        current = Map.copyOf(merged);
        pendingXattrs = Map.of();
        if (type == '1'
            || type == '2'
            || type == '3'
            || type == '4'
            || type == '5'
            || type == '6') {
          // commons-compress (like GNU tar) reads no data for these whatever the size field says
          size = 0;
        }
      }
    }
    dataRemaining = padded(size);
    if (dataRemaining == 0 && capture != null) {
      finishCapture();
    }
  }

  private void finishCapture() {
    byte[] data = capture.toByteArray();
    capture = null;
    Map<String, byte[]> xattrs = new LinkedHashMap<>();
    int pos = 0;
    while (pos < data.length) {
      int space = indexOf(data, (byte) ' ', pos);
      if (space < 0) {
        break;
      }
      int recordLength;
      try {
        recordLength =
            Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII).trim());
      } catch (NumberFormatException e) {
        break;
      }
      int recordEnd = pos + recordLength;
      if (recordLength <= 0 || recordEnd > data.length) {
        break;
      }
      int eq = indexOf(data, (byte) '=', space + 1);
      if (eq < 0 || eq >= recordEnd) {
        break;
      }
      String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
      // value runs to the record's trailing newline
      byte[] value = Arrays.copyOfRange(data, eq + 1, recordEnd - 1);
      if (key.startsWith(SCHILY)) {
        xattrs.put(key.substring(SCHILY.length()), value);
      } else if (key.startsWith(LIBARCHIVE)) {
        String name = URLDecoder.decode(key.substring(LIBARCHIVE.length()), StandardCharsets.UTF_8);
        try {
          xattrs.put(name, Base64.getDecoder().decode(value));
        } catch (IllegalArgumentException ignored) {
          // not valid base64: leave it out rather than set garbage
        }
      } else if (key.equals("size") && !captureGlobal) {
        try {
          paxSizeOverride = Long.parseLong(new String(value, StandardCharsets.US_ASCII).trim());
        } catch (NumberFormatException ignored) {
          // commons-compress rejects such a header itself
        }
      }
      pos = recordEnd;
    }
    if (captureGlobal) {
      Map<String, byte[]> merged = new LinkedHashMap<>(globalXattrs);
      merged.putAll(xattrs);
      globalXattrs = Map.copyOf(merged);
    } else {
      pendingXattrs = Map.copyOf(xattrs);
    }
  }

  private boolean checksumOk() {
    long stored = number(148, 8);
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
    }
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      signed += (i >= 148 && i < 156) ? ' ' : header[i];
    }
    return stored == sum || stored == signed;
  }

  /** An octal field, or a base-256 one (high bit set on the first byte). */
  private long number(int offset, int length) {
    if ((header[offset] & 0x80) != 0) {
      long v = header[offset] & 0x7f;
      for (int i = 1; i < length; i++) {
        v = (v << 8) | (header[offset + i] & 0xff);
      }
      return v;
    }
    long v = 0;
    for (int i = offset; i < offset + length; i++) {
      byte c = header[i];
      if (c == 0 || c == ' ') {
        if (v != 0) {
          break;
        }
        continue;
      }
      if (c < '0' || c > '7') {
        break;
      }
      v = v * 8 + (c - '0');
    }
    return v;
  }

  private static long padded(long size) {
    return (size + BLOCK - 1) / BLOCK * BLOCK;
  }

  private static int indexOf(byte[] data, byte b, int from) {
    for (int i = from; i < data.length; i++) {
      if (data[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
