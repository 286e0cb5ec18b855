package io.caisson.common;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One DER (or BER with definite lengths) value: its tag byte and content, read with every length
 * checked against what holds it. Enough ASN.1 for what registries hand over inside certificates and
 * envelopes (a Fulcio extension, a PKCS#7 envelope): the bytes are the sender's, so anything
 * malformed is a {@link Malformed}, never an unchecked exception.
 */
public record Der(int tag, byte[] content) {
  public static final int INTEGER = 0x02;
  public static final int OCTET_STRING = 0x04;
  public static final int OID = 0x06;
  public static final int UTF8_STRING = 0x0c;
  public static final int SEQUENCE = 0x30;
  public static final int SET = 0x31;

  /** Bytes that are not the DER expected; the message says what is wrong. */
  public static final class Malformed extends Exception {
    public Malformed(String message) {
      super(message);
    }
  }

  /** The one value {@code bytes} hold; trailing bytes are an error. */
  public static Der parse(byte[] bytes) throws Malformed {
    List<Der> all = sequenceOf(bytes);
    if (all.size() != 1) {
      throw new Malformed("not one DER value");
    }
    return all.getFirst();
  }

  /** The values inside this one (for a SEQUENCE, SET or constructed tagged value). */
  public List<Der> children() throws Malformed {
    return sequenceOf(content);
  }

  /** The i-th child, or an error naming what was expected there. */
  public Der child(int i, String what) throws Malformed {
    List<Der> children = children();
    if (i >= children.size()) {
      throw new Malformed("no " + what);
    }
    return children.get(i);
  }

  public boolean constructed() {
    return (tag & 0x20) != 0;
  }

  /** A context-specific tag such as {@code [0]}, whatever its constructed bit. */
  public boolean isContext(int number) {
    return (tag & 0xdf) == (0x80 | number);
  }

  /** The dotted form of an OBJECT IDENTIFIER. */
  public String oid() throws Malformed {
    if (tag != OID || content.length == 0) {
      throw new Malformed("not an object identifier");
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

  private static List<Der> sequenceOf(byte[] bytes) throws Malformed {
    List<Der> out = new ArrayList<>();
    int at = 0;
    while (at < bytes.length) {
      if (at + 2 > bytes.length) {
        throw new Malformed("a DER value is truncated");
      }
      int tag = bytes[at] & 0xff;
      if ((tag & 0x1f) == 0x1f) {
        throw new Malformed("a DER tag of several bytes");
      }
      int lengthByte = bytes[at + 1] & 0xff;
      int start = at + 2;
      long length = lengthByte;
      if (lengthByte == 0x80) {
        throw new Malformed("an indefinite DER length");
      }
      if (lengthByte > 0x80) {
        int n = lengthByte & 0x7f;
        if (n > 4 || start + n > bytes.length) {
          throw new Malformed("a DER length is malformed");
        }
        length = 0;
        for (int i = 0; i < n; i++) {
          length = (length << 8) | (bytes[start + i] & 0xff);
        }
        start += n;
      }
      if (start + length > bytes.length) {
        throw new Malformed("a DER value is longer than what holds it");
      }
      out.add(new Der(tag, Arrays.copyOfRange(bytes, start, start + (int) length)));
      at = start + (int) length;
    }
    return out;
  }
}
