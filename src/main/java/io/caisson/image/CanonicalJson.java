package io.caisson.image;

import io.caisson.json.JsonArray;
import io.caisson.json.JsonBoolean;
import io.caisson.json.JsonMissing;
import io.caisson.json.JsonNull;
import io.caisson.json.JsonNumber;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonString;
import io.caisson.json.JsonValue;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The canonical form RFC 8785 (the JSON Canonicalization Scheme) gives a JSON value, which is what
 * Rekor signs its log entries over: no whitespace, object members sorted by their names' UTF-16
 * code units, strings with only the escapes JSON requires. Numbers are written as ECMAScript writes
 * them; only integers up to 2^53 are taken here, which is all a log entry holds, and anything else
 * is refused rather than written in a form that might differ from the signer's.
 */
final class CanonicalJson {
  private static final long MAX_EXACT = 1L << 53;

  private CanonicalJson() {}

  /** The canonical UTF-8 bytes of {@code value}; IllegalArgumentException says what was refused. */
  static byte[] of(JsonValue value) {
    StringBuilder out = new StringBuilder();
    write(value, out);
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void write(JsonValue value, StringBuilder out) {
    switch (value) {
      case JsonObject object -> {
        Map<String, JsonValue> sorted = new TreeMap<>(); // String order is UTF-16 code unit order
        object.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
        out.append('{');
        boolean first = true;
        for (var member : sorted.entrySet()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          string(member.getKey(), out);
          out.append(':');
          write(member.getValue(), out);
        }
        out.append('}');
      }
      case JsonArray array -> {
        out.append('[');
        for (int i = 0; i < array.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(array.get(i), out);
        }
        out.append(']');
      }
      case JsonString string -> string(string.value(), out);
      case JsonNumber number -> out.append(integer(number));
      case JsonBoolean bool -> out.append(bool.booleanValue());
      case JsonNull ignored -> out.append("null");
      case JsonMissing ignored -> throw new IllegalArgumentException("a missing JSON value");
    }
  }

  private static long integer(JsonValue number) {
    double d = number.doubleValue();
    if (number.isIntegralNumber() ? !number.canConvertToLong() : d != Math.rint(d)) {
      throw new IllegalArgumentException("a number that is not an integer: " + number);
    }
    long n = number.isIntegralNumber() ? number.longValue() : (long) d;
    if (Math.abs(n) > MAX_EXACT) {
      throw new IllegalArgumentException("an integer beyond 2^53: " + number);
    }
    return n;
  }

  private static void string(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append("\\u00")
                .append(Character.forDigit(c >> 4, 16))
                .append(Character.forDigit(c & 0xf, 16));
          } else if (Character.isSurrogate(c)) {
            if (!Character.isHighSurrogate(c)
                || i + 1 == s.length()
                || !Character.isLowSurrogate(s.charAt(i + 1))) {
              throw new IllegalArgumentException("a string with a lone surrogate");
            }
            out.append(c).append(s.charAt(++i));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
