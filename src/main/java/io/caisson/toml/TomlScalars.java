package io.caisson.toml;

import io.caisson.json.JsonBoolean;
import io.caisson.json.JsonNumber;
import io.caisson.json.JsonString;
import io.caisson.json.JsonValue;
import java.math.BigInteger;
import java.time.YearMonth;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The values TOML writes without quotes or brackets: booleans, integers, floats, dates and times,
 * each given as its whole token. Numbers become JSON literals (decimal, no underscores, no '+');
 * dates and times stay the text they were, JSON having no such type.
 */
final class TomlScalars {
  private TomlScalars() {}

  /** Longer values are refused, as JsonNumber refuses longer literals. */
  private static final int MAX_NUMBER_LENGTH = 1000;

  // Digits joined by single underscores, each between two digits; no leading zero.
  private static final String DEC = "(?:0|[1-9](?:_?[0-9])*)";
  private static final String DIGITS = "[0-9](?:_?[0-9])*";
  private static final Pattern INTEGER = Pattern.compile("[+-]?" + DEC);
  private static final Pattern HEX = Pattern.compile("0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*");
  private static final Pattern OCTAL = Pattern.compile("0o[0-7](?:_?[0-7])*");
  private static final Pattern BINARY = Pattern.compile("0b[01](?:_?[01])*");
  private static final Pattern FLOAT =
      Pattern.compile(
          "[+-]?"
              + DEC
              + "(?:\\."
              + DIGITS
              + "(?:[eE][+-]?"
              + DIGITS
              + ")?|[eE][+-]?"
              + DIGITS
              + ")");
  private static final Pattern INF_OR_NAN = Pattern.compile("[+-]?(?:inf|nan)");
  private static final Pattern LEADING_ZERO = Pattern.compile("[+-]?0[0-9_]+(?:[.eE].*)?");

  // RFC 3339 as TOML takes it: 'T', 't' or a space between date and time, seconds required.
  private static final String TIME = "([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\\.[0-9]+)?";
  private static final Pattern DATE_TIME =
      Pattern.compile(
          "([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]"
              + TIME
              + "(?:[Zz]|[+-]([0-9]{2}):([0-9]{2}))?)?");
  private static final Pattern LOCAL_TIME = Pattern.compile(TIME);

  /** Whether {@code token} is a date, after which a space may go on with a time. */
  static boolean isDate(String token) {
    return token.length() == 10 && DATE_TIME.matcher(token).matches();
  }

  /** The value {@code token} is; errors name the line {@code token} starts on. */
  static JsonValue parse(String token, Cursor in, int start) throws TomlException {
    switch (token) {
      case "true" -> {
        return JsonBoolean.TRUE;
      }
      case "false" -> {
        return JsonBoolean.FALSE;
      }
      default -> {}
    }
    if (token.length() > MAX_NUMBER_LENGTH) {
      throw in.lineError(start, "a value of more than %d characters".formatted(MAX_NUMBER_LENGTH));
    }
    if (INTEGER.matcher(token).matches()) {
      return JsonNumber.of(new BigInteger(token.replace("_", "")));
    }
    if (HEX.matcher(token).matches()) {
      return based(token, 16, in, start);
    }
    if (OCTAL.matcher(token).matches()) {
      return based(token, 8, in, start);
    }
    if (BINARY.matcher(token).matches()) {
      return based(token, 2, in, start);
    }
    if (FLOAT.matcher(token).matches()) {
      String literal = token.replace("_", "");
      return new JsonNumber(literal.startsWith("+") ? literal.substring(1) : literal);
    }
    Matcher dateTime = DATE_TIME.matcher(token);
    if (dateTime.matches()) {
      checkDateTime(dateTime, token, in, start);
      return new JsonString(token);
    }
    Matcher time = LOCAL_TIME.matcher(token);
    if (time.matches()) {
      checkTime(time, 1, token, in, start);
      return new JsonString(token);
    }
    throw in.lineError(start, whyNot(token));
  }

  /** 0x, 0o or 0b: in decimal a hex literal takes more digits than it had, up to a fifth more. */
  private static JsonNumber based(String token, int radix, Cursor in, int start)
      throws TomlException {
    String decimal = new BigInteger(token.substring(2).replace("_", ""), radix).toString();
    if (decimal.length() > MAX_NUMBER_LENGTH) {
      throw in.lineError(
          start, "a number of more than %d decimal digits".formatted(MAX_NUMBER_LENGTH));
    }
    return new JsonNumber(decimal);
  }

  /** Why {@code token} is no value: the mistakes people make first, else the token itself. */
  private static String whyNot(String token) {
    if (INF_OR_NAN.matcher(token).matches()) {
      return "float %s has no JSON form (JSON has no infinities and no NaN)".formatted(token);
    }
    if (token.contains("__")) {
      return "invalid number \"%s\": a double underscore".formatted(token);
    }
    if (LEADING_ZERO.matcher(token).matches()) {
      return "invalid number \"%s\": a leading zero".formatted(token);
    }
    int first = token.charAt(0);
    if ((first >= '0' && first <= '9') || first == '+' || first == '-' || first == '.') {
      return "invalid number or date \"%s\"".formatted(token);
    }
    return "invalid value \"%s\" (a string needs quotes)".formatted(token);
  }

  private static void checkDateTime(Matcher m, String token, Cursor in, int start)
      throws TomlException {
    int year = Integer.parseInt(m.group(1));
    int month = Integer.parseInt(m.group(2));
    int day = Integer.parseInt(m.group(3));
    if (month < 1 || month > 12 || day < 1 || day > YearMonth.of(year, month).lengthOfMonth()) {
      throw in.lineError(start, "invalid date \"%s\"".formatted(token));
    }
    if (m.group(4) != null) {
      checkTime(m, 4, token, in, start);
    }
    if (m.group(7) != null
        && (Integer.parseInt(m.group(7)) > 23 || Integer.parseInt(m.group(8)) > 59)) {
      throw in.lineError(start, "invalid time zone offset in \"%s\"".formatted(token));
    }
  }

  /** Hour, minute and second from {@code group} on; second 60 is a leap second, RFC 3339's. */
  private static void checkTime(Matcher m, int group, String token, Cursor in, int start)
      throws TomlException {
    if (Integer.parseInt(m.group(group)) > 23
        || Integer.parseInt(m.group(group + 1)) > 59
        || Integer.parseInt(m.group(group + 2)) > 60) {
      throw in.lineError(start, "invalid time in \"%s\"".formatted(token));
    }
  }
}
