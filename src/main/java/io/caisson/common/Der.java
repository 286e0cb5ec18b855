package io.caisson.image.ocicrypt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One DER (or BER with definite lengths) value: its tag byte and content, read with every length
 * checked against what holds it. Enough ASN.1 for a PKCS#7 envelope.
 */
record Der(int tag, byte[] content) {
  static final int INTEGER = 0x02;
  static final int OCTET_STRING = 0x04;
  static final int OID = 0x06;
  static final int SEQUENCE = 0x30;
  static final int SET = 0x31;

  /** The one value {@code bytes} hold; trailing bytes are an error. */
  static Der parse(byte[] bytes) throws UnwrapException {
    List<Der> all = sequenceOf(bytes);
    if (all.size() != 1) {
      throw new UnwrapException("not one DER value");
    }
    return all.getFirst();
  }

  /** The values inside this one (for a SEQUENCE, SET or constructed tagged value). */
  List<Der> children() throws UnwrapException {
    return sequenceOf(content);
  }

  /** The i-th child, or an error naming what was expected there. */
  Der child(int i, String what) throws UnwrapException {
    List<Der> children = children();
    if (i >= children.size()) {
      throw new UnwrapException("no " + what);
    }
    return children.get(i);
  }

  boolean constructed() {
    return (tag & 0x20) != 0;
  }

  /** A context-specific tag such as {@code [0]}, whatever its constructed bit. */
  boolean isContext(int number) {
    return (tag & 0xdf) == (0x80 | number);
  }

  /** The dotted form of an OBJECT IDENTIFIER. */
  String oid() throws UnwrapException {
    if (tag != OID || content.length == 0) {
      throw new UnwrapException("not an object identifier");
    }
    StringBuilder out = new StringBuilder();
    long value = 0;
    for (int i = 0; i < content.length; i++) {
      value = (value << 7) | (content[i] & 0x7f);
      if ((content[i] & 0x80) == 0) {
        if (out.isEmpty()) {
          long first = Math.min(value / 40, 2);
          out.append(first).append('.').append(value - first * 40);
        } else {
          out.append('.').append(value);
        }
        value = 0;
      }
    }
    return out.toString();
  }

  private static List<Der> sequenceOf(byte[] bytes) throws UnwrapException {
    List<Der> out = new ArrayList<>();
    int at = 0;
    while (at < bytes.length) {
      if (at + 2 > bytes.length) {
        throw new UnwrapException("a DER value is truncated");
      }
      int tag = bytes[at] & 0xff;
      if ((tag & 0x1f) == 0x1f) {
        throw new UnwrapException("a DER tag of several bytes");
      }
      int lengthByte = bytes[at + 1] & 0xff;
      int start = at + 2;
      long length = lengthByte;
      if (lengthByte == 0x80) {
        throw new UnwrapException("an indefinite DER length");
      }
      if (lengthByte > 0x80) {
        int n = lengthByte & 0x7f;
        if (n > 4 || start + n > bytes.length) {
          throw new UnwrapException("a DER length is malformed");
        }
        length = 0;
        for (int i = 0; i < n; i++) {
          length = (length << 8) | (bytes[start + i] & 0xff);
        }
        start += n;
      }
      if (start + length > bytes.length) {
        throw new UnwrapException("a DER value is longer than what holds it");
      }
      out.add(new Der(tag, Arrays.copyOfRange(bytes, start, start + (int) length)));
      at = start + (int) length;
    }
    return out;
  }
}
