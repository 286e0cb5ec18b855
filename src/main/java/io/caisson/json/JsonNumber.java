package io.caisson.json;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * A JSON number, kept as its literal so that nothing is lost on the way through: the OCI spec's
 * uint64 values (an rlimit of 2^64-1, seccomp arguments) do not fit a long, and a document read and
 * written back keeps its numbers as they were. Two numbers are equal when their values are.
 */
public final class JsonNumber implements JsonValue {
  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private final String literal;

  /** A number from its literal, checked: IllegalArgumentException unless it is one. */
  public JsonNumber(String literal) {
    if (!JsonReader.isNumberLiteral(literal)) {
      throw new IllegalArgumentException("not a JSON number: " + literal);
    }
    this.literal = literal;
  }

  private JsonNumber(String literal, boolean checked) {
    this.literal = literal;
  }

  /** A literal the reader or a factory here has already made sure of: not scanned again. */
  static JsonNumber checked(String literal) {
    return new JsonNumber(literal, true);
  }

  public String literal() {
    return literal;
  }

  public static JsonNumber of(long value) {
    return checked(Long.toString(value));
  }

  /** A uint64 held in a long's 64 bits: -1 is 18446744073709551615. */
  public static JsonNumber unsigned(long value) {
    return checked(Long.toUnsignedString(value));
  }

  /** A finite double; JSON has no NaN or infinities. */
  public static JsonNumber of(double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("JSON has no number " + value);
    }
    return new JsonNumber(Double.toString(value));
  }

  public static JsonNumber of(BigInteger value) {
    return new JsonNumber(value.toString());
  }

  public static JsonNumber of(BigDecimal value) {
    return new JsonNumber(value.toString());
  }

  @Override
  public boolean isNumber() {
    return true;
  }

  @Override
  public boolean isIntegralNumber() {
    return literal.indexOf('.') < 0 && literal.indexOf('e') < 0 && literal.indexOf('E') < 0;
  }

  @Override
  public boolean canConvertToLong() {
    if (isIntegralNumber()) {
      BigInteger value = new BigInteger(literal);
      return value.compareTo(LONG_MIN) >= 0 && value.compareTo(LONG_MAX) <= 0;
    }
    return false;
  }

  public BigDecimal decimalValue() {
    return new BigDecimal(literal);
  }

  public BigInteger bigIntegerValue() {
    return isIntegralNumber() ? new BigInteger(literal) : decimalValue().toBigInteger();
  }

  /** The value as a long: a fraction truncated, beyond the range its low 64 bits. */
  @Override
  public long longValue() {
    if (isIntegralNumber() && literal.length() < 19) {
      return Long.parseLong(literal);
    }
    return bigIntegerValue().longValue();
  }

  @Override
  public double doubleValue() {
    return Double.parseDouble(literal);
  }

  @Override
  public long asLong(long fallback) {
    return longValue();
  }

  @Override
  public double asDouble() {
    return doubleValue();
  }

  @Override
  public boolean asBoolean(boolean fallback) {
    return decimalValue().signum() != 0;
  }

  @Override
  public String asText() {
    return literal;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof JsonNumber that
        && (literal.equals(that.literal) || decimalValue().compareTo(that.decimalValue()) == 0);
  }

  @Override
  public int hashCode() {
    return decimalValue().stripTrailingZeros().hashCode();
  }

  @Override
  public String toString() {
    return literal;
  }
}
