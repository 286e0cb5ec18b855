package io.caisson.json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a stream of JSON objects or arrays one after another, each as soon as its closing bracket
 * arrives (a terminal's resize messages come that way, for as long as the session lasts). Only
 * whitespace may separate them.
 */
public final class JsonStream {
  /** One value longer than this is refused: nothing that streams values to Caisson sends such. */
  private static final int MAX_VALUE_BYTES = 1 << 20;

  private final InputStream in;
  private final JsonReader reader;

  public JsonStream(InputStream in, JsonReader reader) {
    this.in = in;
    this.reader = reader;
  }

  /** The next value, or null at the end of the stream. */
  public JsonValue next() throws IOException {
    int c;
    do {
      c = in.read();
      if (c < 0) {
        return null;
      }
    } while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    if (c != '{' && c != '[') {
      throw new JsonException("a JSON stream holds objects and arrays, not '" + (char) c + "'");
    }
    ByteArrayOutputStream value = new ByteArrayOutputStream(64);
    int depth = 0;
    boolean inString = false;
    boolean escaped = false;
    while (true) {
      value.write(c);
      if (value.size() > MAX_VALUE_BYTES) {
        throw new JsonException("a streamed JSON value longer than " + MAX_VALUE_BYTES + " bytes");
      }
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        depth--;
        if (depth == 0) {
          return reader.read(value.toByteArray());
        }
      }
      c = in.read();
      if (c < 0) {
        throw new JsonException("the stream ended inside a JSON value");
      }
    }
  }
}
