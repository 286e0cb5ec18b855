package io.caisson.toml;

import io.caisson.json.JsonArray;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonString;
import io.caisson.json.JsonValue;
import java.util.ArrayList;
import java.util.List;

/** TOML 1.0's grammar over a {@link Cursor}: lines, headers, keys and values. One per document. */
final class TomlParser {
  /** Arrays and inline tables nested deeper are refused rather than risk the stack. */
  static final int MAX_DEPTH = 500;

  private final Cursor in;
  private final TomlTables tables = new TomlTables();

  TomlParser(String text) {
    this.in = new Cursor(text);
  }

  JsonObject document() throws TomlException {
    if (in.peek() == '\uFEFF') {
      in.pos++; // a byte order mark, which some editors write
    }
    while (!in.atEnd()) {
      in.skipWhitespace();
      int c = in.peek();
      if (c == '[') {
        header();
        in.endOfLine("after the table header");
      } else if (c == '#' || c == Cursor.END || in.atNewline()) {
        in.endOfLine("after the comment");
      } else {
        keyValue(tables.current(), 0);
        in.endOfLine("after the value");
      }
    }
    return tables.root();
  }

  /** {@code [a.b]} or {@code [[a.b]]}; the brackets of the second kind stand together. */
  private void header() throws TomlException {
    int line = in.lineOf(in.pos);
    boolean arrayOfTables = in.startsWith("[[");
    in.pos += arrayOfTables ? 2 : 1;
    in.skipWhitespace();
    List<String> key = key();
    in.skipWhitespace();
    String close = arrayOfTables ? "]]" : "]";
    if (!in.startsWith(close)) {
      if (arrayOfTables && in.peek() == ']') {
        in.pos++; // point past the one bracket there is, at what stands where the second should
      }
      throw in.error(
          "expected \"%s\" to close the table header, found %s".formatted(close, found()));
    }
    in.pos += close.length();
    if (arrayOfTables) {
      tables.openArrayTable(key, line);
    } else {
      tables.openTable(key, line);
    }
  }

  /** {@code key = value} into {@code table}. */
  private void keyValue(JsonObject table, int depth) throws TomlException {
    int line = in.lineOf(in.pos);
    List<String> key = key();
    in.skipWhitespace();
    if (in.peek() != '=') {
      throw in.error(
          "expected \"=\" after key %s, found %s".formatted(TomlKeys.display(key), found()));
    }
    in.pos++;
    in.skipWhitespace();
    JsonValue value = value(depth);
    tables.assign(table, key, value, line);
  }

  /** A key, dotted or not: its parts in order. */
  private List<String> key() throws TomlException {
    List<String> parts = new ArrayList<>();
    parts.add(simpleKey());
    while (true) {
      int before = in.pos;
      in.skipWhitespace();
      if (in.peek() != '.') {
        in.pos = before;
        return parts;
      }
      in.pos++;
      in.skipWhitespace();
      parts.add(simpleKey());
    }
  }

  private String simpleKey() throws TomlException {
    int c = in.peek();
    if (c == '"' || c == '\'') {
      if (in.startsWith("\"\"\"") || in.startsWith("'''")) {
        throw in.error("a key cannot be a multi-line string");
      }
      return TomlStrings.singleLine(in);
    }
    int start = in.pos;
    while (TomlKeys.isBareChar(in.peek())) {
      in.pos++;
    }
    if (in.pos == start) {
      throw in.error("expected a key, found " + found());
    }
    return in.slice(start, in.pos);
  }

  private JsonValue value(int depth) throws TomlException {
    if (depth >= MAX_DEPTH) {
      throw in.error("arrays and inline tables nested more than %d deep".formatted(MAX_DEPTH));
    }
    return switch (in.peek()) {
      case '"', '\'' -> new JsonString(TomlStrings.read(in));
      case '[' -> array(depth + 1);
      case '{' -> inlineTable(depth + 1);
      default -> scalar();
    };
  }

  /**
   * A value without quotes or brackets, taken whole before it is judged, so that {@code 1__0} is a
   * bad number rather than a 1 followed by garbage.
   */
  private JsonValue scalar() throws TomlException {
    int start = in.pos;
    while (isScalarChar(in.peek())) {
      in.pos++;
    }
    // A date and a time may stand apart, with one space between them.
    if (TomlScalars.isDate(in.slice(start, in.pos))
        && in.peek() == ' '
        && isDigit(in.peek(1))
        && isDigit(in.peek(2))
        && in.peek(3) == ':') {
      in.pos++;
      while (isScalarChar(in.peek())) {
        in.pos++;
      }
    }
    if (in.pos == start) {
      throw in.error("expected a value, found " + found());
    }
    return TomlScalars.parse(in.slice(start, in.pos), in, start);
  }

  private static boolean isScalarChar(int c) {
    return TomlKeys.isBareChar(c) || c == '+' || c == '.' || c == ':';
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  /** {@code [ ... ]}: over any number of lines, with comments, and a comma after the last. */
  private JsonArray array(int depth) throws TomlException {
    int start = in.pos;
    in.pos++;
    JsonArray array = new JsonArray();
    while (true) {
      in.skipBlank();
      if (in.peek() == ']') {
        in.pos++;
        return array;
      }
      if (in.atEnd()) {
        throw in.lineError(start, "unterminated array");
      }
      array.add(value(depth));
      in.skipBlank();
      switch (in.peek()) {
        case ',' -> in.pos++;
        case ']' -> {
          in.pos++;
          return array;
        }
        case Cursor.END -> throw in.lineError(start, "unterminated array");
        default -> throw in.error("expected \",\" or \"]\" in the array, found " + found());
      }
    }
  }

  /**
   * {@code { a = 1, b.c = 2 }}: on one line, no comma after the last pair (TOML 1.0), and complete
   * once closed.
   */
  private JsonObject inlineTable(int depth) throws TomlException {
    int start = in.pos;
    int line = in.lineOf(start);
    in.pos++;
    JsonObject table = new JsonObject();
    inlineWhitespace(start);
    if (in.peek() == '}') {
      in.pos++;
    } else {
      while (true) {
        keyValue(table, depth);
        inlineWhitespace(start);
        if (in.peek() == '}') {
          in.pos++;
          break;
        }
        if (in.peek() != ',') {
          throw in.error("expected \",\" or \"}\" in the inline table, found " + found());
        }
        in.pos++;
        inlineWhitespace(start);
        if (in.peek() == '}') {
          throw in.error("a comma after an inline table's last pair (TOML 1.0 allows none)");
        }
      }
    }
    tables.seal(table, line);
    return table;
  }

  private void inlineWhitespace(int start) throws TomlException {
    in.skipWhitespace();
    if (in.atNewline() || in.peek() == '#') {
      throw in.error("an inline table must be on one line (TOML 1.0)");
    }
    if (in.atEnd()) {
      throw in.lineError(start, "unterminated inline table");
    }
  }

  private String found() {
    return Cursor.describe(in.peek());
  }
}
