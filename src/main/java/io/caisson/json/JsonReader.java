package io.caisson.json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Parses JSON text (RFC 8259) into {@link JsonValue}s: one value, surrounded by nothing but
 * whitespace. Input from the network and from other programs goes through here, so it is strict (no
 * comments, no trailing commas, UTF-8 only) and bounded (nesting depth, number length); a
 * duplicated member is taken last by default, refused by {@link #strict()}.
 */
public final class JsonReader {
  /** Deeper documents are refused rather than risk the stack. */
  static final int MAX_DEPTH = 1000;

  private static final int MAX_NUMBER_LENGTH = 1000;
  private static final JsonReader LENIENT_DUPLICATES = new JsonReader(false);
  private static final JsonReader STRICT = new JsonReader(true);

  private final boolean refuseDuplicates;

  private JsonReader(boolean refuseDuplicates) {
    this.refuseDuplicates = refuseDuplicates;
  }

  /** The reader that takes the last of a duplicated member, as most JSON readers do. */
  public static JsonReader standard() {
    return LENIENT_DUPLICATES;
  }

  /**
   * The reader that refuses a duplicated member: for signed documents, where two readers could take
   * different ones.
   */
  public static JsonReader strict() {
    return STRICT;
  }

  public JsonValue read(String text) throws JsonException {
    Cursor cursor = new Cursor(text, refuseDuplicates);
    cursor.skipWhitespace();
    JsonValue value = cursor.value(0);
    cursor.skipWhitespace();
    if (!cursor.atEnd()) {
      throw cursor.error("unexpected text after the JSON value");
    }
    return value;
  }

  public JsonValue read(byte[] utf8) throws JsonException {
    return read(decode(utf8, 0, utf8.length));
  }

  public JsonValue read(byte[] utf8, int offset, int length) throws JsonException {
    return read(decode(utf8, offset, length));
  }

  public JsonValue read(Path file) throws IOException {
    try {
      return read(Files.readAllBytes(file));
    } catch (JsonException e) {
      throw new JsonException(file + ": " + e.getMessage(), e);
    }
  }

  /** Reads the stream to its end: one document. */
  public JsonValue read(InputStream in) throws IOException {
    return read(in.readAllBytes());
  }

  private static String decode(byte[] utf8, int offset, int length) throws JsonException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(utf8, offset, length))
          .toString();
    } catch (CharacterCodingException e) {
      throw new JsonException("the JSON text is not UTF-8", e);
    }
  }

  /** Whether {@code text} is one JSON number literal and nothing else. */
  static boolean isNumberLiteral(String text) {
    if (text == null || text.isEmpty() || text.length() > MAX_NUMBER_LENGTH) {
      return false;
    }
    Cursor cursor = new Cursor(text, false);
    try {
      cursor.number();
      return cursor.atEnd();
    } catch (JsonException e) {
      return false;
    }
  }

  private static final class Cursor {
    private final String text;
    private final boolean refuseDuplicates;
    private int at;

    Cursor(String text, boolean refuseDuplicates) {
      this.text = text;
      this.refuseDuplicates = refuseDuplicates;
    }

    boolean atEnd() {
      return at >= text.length();
    }

    void skipWhitespace() {
      while (at < text.length()) {
        char c = text.charAt(at);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          return;
        }
        at++;
      }
    }

    JsonException error(String what) {
      int line = 1;
      int column = 1;
      for (int i = 0; i < Math.min(at, text.length()); i++) {
        if (text.charAt(i) == '\n') {
          line++;
          column = 1;
        } else {
          column++;
        }
      }
      return new JsonException(what + " at line " + line + ", column " + column);
    }

    JsonValue value(int depth) throws JsonException {
      if (atEnd()) {
        throw error("unexpected end of the JSON text");
      }
      char c = text.charAt(at);
      return switch (c) {
        case '{' -> object(depth + 1);
        case '[' -> array(depth + 1);
        case '"' -> new JsonString(string());
        case 't' -> literal("true", JsonBoolean.TRUE);
        case 'f' -> literal("false", JsonBoolean.FALSE);
        case 'n' -> literal("null", JsonNull.INSTANCE);
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            yield JsonNumber.checked(number());
          }
          throw error("unexpected character '" + printable(c) + "'");
        }
      };
    }

    private JsonValue literal(String word, JsonValue value) throws JsonException {
      if (!text.startsWith(word, at)) {
        throw error("unexpected word (expected " + word + ")");
      }
      at += word.length();
      return value;
    }

    private JsonObject object(int depth) throws JsonException {
      checkDepth(depth);
      at++; // {
      JsonObject object = new JsonObject();
      skipWhitespace();
      if (peek() == '}') {
        at++;
        return object;
      }
      while (true) {
        skipWhitespace();
        if (peek() != '"') {
          throw error("expected a member name in quotes");
        }
        String name = string();
        skipWhitespace();
        expect(':');
        skipWhitespace();
        JsonValue value = value(depth);
        if (refuseDuplicates && object.has(name)) {
          throw error("duplicated member \"" + name + "\"");
        }
        object.set(name, value);
        skipWhitespace();
        char c = peek();
        at++;
        if (c == '}') {
          return object;
        }
        if (c != ',') {
          at--;
          throw error("expected ',' or '}' in an object");
        }
      }
    }

    private JsonArray array(int depth) throws JsonException {
      checkDepth(depth);
      at++; // [
      JsonArray array = new JsonArray();
      skipWhitespace();
      if (peek() == ']') {
        at++;
        return array;
      }
      while (true) {
        skipWhitespace();
        array.add(value(depth));
        skipWhitespace();
        char c = peek();
        at++;
        if (c == ']') {
          return array;
        }
        if (c != ',') {
          at--;
          throw error("expected ',' or ']' in an array");
        }
      }
    }

    private void checkDepth(int depth) throws JsonException {
      if (depth > MAX_DEPTH) {
        throw error("the JSON text nests deeper than " + MAX_DEPTH);
      }
    }

    private char peek() throws JsonException {
      if (atEnd()) {
        throw error("unexpected end of the JSON text");
      }
      return text.charAt(at);
    }

    private void expect(char c) throws JsonException {
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      at++;
    }

    private String string() throws JsonException {
      at++; // opening quote
      int start = at;
      // The common case: no escapes, copied in one piece.
      while (at < text.length()) {
        char c = text.charAt(at);
        if (c == '"') {
          return text.substring(start, at++);
        }
        if (c == '\\' || c < 0x20) {
          break;
        }
        at++;
      }
      StringBuilder out = new StringBuilder(text.length() - start).append(text, start, at);
      while (true) {
        char c = peek();
        at++;
        if (c == '"') {
          return out.toString();
        }
        if (c < 0x20) {
          at--;
          throw error("a control character in a string (it must be escaped)");
        }
        if (c != '\\') {
          out.append(c);
          continue;
        }
        char escaped = peek();
        at++;
        switch (escaped) {
          case '"' -> out.append('"');
          case '\\' -> out.append('\\');
          case '/' -> out.append('/');
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'u' -> out.append(unicodeEscape());
          default -> {
            at--;
            throw error("an unknown escape '\\" + printable(escaped) + "'");
          }
        }
      }
    }

    private char unicodeEscape() throws JsonException {
      if (at + 4 > text.length()) {
        throw error("a truncated \\u escape");
      }
      int value = 0;
      for (int i = 0; i < 4; i++) {
        int digit = Character.digit(text.charAt(at + i), 16);
        if (digit < 0) {
          throw error("a \\u escape with a non-hex digit");
        }
        value = value * 16 + digit;
      }
      at += 4;
      return (char) value;
    }

    String number() throws JsonException {
      int start = at;
      if (at < text.length() && text.charAt(at) == '-') {
        at++;
      }
      if (at >= text.length() || !isDigit(text.charAt(at))) {
        throw error("a number without digits");
      }
      if (text.charAt(at) == '0') {
        at++;
        if (at < text.length() && isDigit(text.charAt(at))) {
          throw error("a number with a leading zero");
        }
      } else {
        digits();
      }
      if (at < text.length() && text.charAt(at) == '.') {
        at++;
        if (at >= text.length() || !isDigit(text.charAt(at))) {
          throw error("a number without digits after its point");
        }
        digits();
      }
      if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
        at++;
        if (at < text.length() && (text.charAt(at) == '+' || text.charAt(at) == '-')) {
          at++;
        }
        if (at >= text.length() || !isDigit(text.charAt(at))) {
          throw error("a number without digits in its exponent");
        }
        digits();
      }
      if (at - start > MAX_NUMBER_LENGTH) {
        throw error("a number longer than " + MAX_NUMBER_LENGTH + " characters");
      }
      return text.substring(start, at);
    }

    private void digits() {
      while (at < text.length() && isDigit(text.charAt(at))) {
        at++;
      }
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    private static String printable(char c) {
      return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }
  }
}
