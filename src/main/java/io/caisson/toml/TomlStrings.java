package io.caisson.toml;

/**
 * TOML's four kinds of string, read from a {@link Cursor} at their opening quote, and basic strings
 * written back with escapes.
 */
final class TomlStrings {
  private TomlStrings() {}

  /**
   * The characters no TOML string or comment may hold as they are: C0 controls but tab, and DEL. A
   * basic string can carry them as escapes.
   */
  static boolean isControl(int c) {
    return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
  }

  /** A string value or quoted key at the cursor, of whichever of the four kinds it is. */
  static String read(Cursor in) throws TomlException {
    if (in.startsWith("\"\"\"")) {
      return multiLine(in, '"');
    }
    if (in.startsWith("'''")) {
      return multiLine(in, '\'');
    }
    return singleLine(in);
  }

  /** {@code "basic"} or {@code 'literal'}: one line, the only kinds a key may be. */
  static String singleLine(Cursor in) throws TomlException {
    int start = in.pos;
    char quote = (char) in.peek();
    in.pos++;
    StringBuilder out = new StringBuilder();
    while (true) {
      int c = in.peek();
      if (c == Cursor.END || c == '\n' || (c == '\r' && in.peek(1) == '\n')) {
        throw in.lineError(start, "unterminated string (a " + kind(quote) + " ends on its line)");
      }
      if (c == quote) {
        in.pos++;
        return out.toString();
      }
      if (c == '\\' && quote == '"') {
        escape(in, out);
      } else if (isControl(c)) {
        throw in.error(Cursor.describe(c) + " in a string (write it as an escape)");
      } else {
        out.append((char) c);
        in.pos++;
      }
    }
  }

  private static String kind(char quote) {
    return quote == '"' ? "basic string" : "literal string";
  }

  /**
   * {@code """basic"""} or {@code '''literal'''} over any number of lines. A newline right after
   * the opening quotes is not part of the string; up to two quotes may stand just before the
   * closing three (they are the string's last characters).
   */
  private static String multiLine(Cursor in, char quote) throws TomlException {
    int start = in.pos;
    in.pos += 3;
    in.newline();
    StringBuilder out = new StringBuilder();
    while (true) {
      int c = in.peek();
      if (c == Cursor.END) {
        throw in.lineError(start, "unterminated multi-line string");
      }
      if (c == quote && in.peek(1) == quote && in.peek(2) == quote) {
        int run = 3;
        while (in.peek(run) == quote) {
          run++;
        }
        if (run > 5) {
          throw in.errorAt(in.pos + 5, "too many quotes at the end of a multi-line string");
        }
        out.repeat(quote, run - 3);
        in.pos += run;
        return out.toString();
      }
      if (c == '\\' && quote == '"') {
        if (!lineEndingBackslash(in)) {
          escape(in, out);
        }
      } else if (c == '\n') {
        out.append('\n');
        in.pos++;
      } else if (c == '\r' && in.peek(1) == '\n') {
        out.append("\r\n");
        in.pos += 2;
      } else if (isControl(c)) {
        throw in.error(Cursor.describe(c) + " in a string (write it as an escape)");
      } else {
        out.append((char) c);
        in.pos++;
      }
    }
  }

  /**
   * Steps over a backslash that ends its line (whitespace may follow it) and over all whitespace
   * and newlines after it, as TOML has it: that is how a long line is wrapped without the break
   * becoming part of the string. False, having moved nothing, for a backslash that starts an
   * escape.
   */
  private static boolean lineEndingBackslash(Cursor in) {
    int ahead = 1;
    while (in.peek(ahead) == ' ' || in.peek(ahead) == '\t') {
      ahead++;
    }
    int c = in.peek(ahead);
    if (c != '\n' && !(c == '\r' && in.peek(ahead + 1) == '\n')) {
      return false;
    }
    in.pos += ahead;
    while (true) {
      in.skipWhitespace();
      if (!in.newline()) {
        return true;
      }
    }
  }

  /** The escape at the cursor's backslash: TOML 1.0's, no more (no \e, no \x). */
  private static void escape(Cursor in, StringBuilder out) throws TomlException {
    int start = in.pos;
    int c = in.peek(1);
    in.pos += 2;
    switch (c) {
      case 'b' -> out.append('\b');
      case 't' -> out.append('\t');
      case 'n' -> out.append('\n');
      case 'f' -> out.append('\f');
      case 'r' -> out.append('\r');
      case '"' -> out.append('"');
      case '\\' -> out.append('\\');
      case 'u' -> out.appendCodePoint(unicode(in, start, 4));
      case 'U' -> out.appendCodePoint(unicode(in, start, 8));
      default -> {
        String shown = c == Cursor.END || c == '\n' || isControl(c) ? "" : String.valueOf((char) c);
        throw in.errorAt(start, "invalid escape \"\\" + shown + "\"");
      }
    }
  }

  private static int unicode(Cursor in, int start, int digits) throws TomlException {
    int value = 0;
    for (int i = 0; i < digits; i++) {
      int digit = hexDigit(in.peek());
      if (digit < 0) {
        throw in.errorAt(
            start,
            "invalid escape \"%s\": \\%s needs %d hex digits"
                .formatted(in.slice(start, in.pos), digits == 4 ? "u" : "U", digits));
      }
      value = value * 16 + digit;
      in.pos++;
    }
    // Only Unicode scalar values: a surrogate alone is no character, and UTF-8 cannot carry it.
    if (value > Character.MAX_CODE_POINT || (value >= 0xd800 && value <= 0xdfff)) {
      throw in.errorAt(
          start,
          "invalid escape \"%s\": not a Unicode scalar value".formatted(in.slice(start, in.pos)));
    }
    return value;
  }

  /** ASCII only: Character.digit would take other scripts' digits too. */
  private static int hexDigit(int c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /** {@code value} as a TOML basic string: quotes, backslashes and control characters escaped. */
  static void quote(String value, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\f' -> out.append("\\f");
        case '\r' -> out.append("\\r");
        default -> {
          if (isControl(c)) {
            out.append("\\u%04X".formatted((int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
