package io.caisson.json;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/** Writes {@link JsonValue}s as JSON text: compact, or indented by two spaces for people. */
public final class JsonWriter {
  private JsonWriter() {}

  public static String compact(JsonValue value) {
    StringBuilder out = new StringBuilder(256);
    write(value, out, -1);
    return out.toString();
  }

  public static byte[] compactBytes(JsonValue value) {
    return compact(value).getBytes(StandardCharsets.UTF_8);
  }

  /** Indented by two spaces, one member or element per line. */
  public static String pretty(JsonValue value) {
    StringBuilder out = new StringBuilder(512);
    write(value, out, 0);
    return out.toString();
  }

  /** Writes {@code value}; {@code indent} is the current depth, or -1 for compact text. */
  private static void write(JsonValue value, StringBuilder out, int indent) {
    switch (value) {
      case JsonObject object -> writeObject(object, out, indent);
      case JsonArray array -> writeArray(array, out, indent);
      case JsonString string -> quote(string.value(), out);
      case JsonNumber number -> out.append(number.literal());
      case JsonBoolean bool -> out.append(bool.asText());
      case JsonNull ignored -> out.append("null");
      // A missing value has no text; as a member or element it stands for null.
      case JsonMissing ignored -> out.append("null");
    }
  }

  private static void writeObject(JsonObject object, StringBuilder out, int indent) {
    if (object.size() == 0) {
      out.append("{}");
      return;
    }
    out.append('{');
    Iterator<Map.Entry<String, JsonValue>> members = object.properties().iterator();
    while (members.hasNext()) {
      Map.Entry<String, JsonValue> member = members.next();
      newline(out, indent + 1, indent);
      quote(member.getKey(), out);
      out.append(indent < 0 ? ":" : ": ");
      write(member.getValue(), out, indent < 0 ? -1 : indent + 1);
      if (members.hasNext()) {
        out.append(',');
      }
    }
    newline(out, indent, indent);
    out.append('}');
  }

  private static void writeArray(JsonArray array, StringBuilder out, int indent) {
    if (array.size() == 0) {
      out.append("[]");
      return;
    }
    out.append('[');
    Iterator<JsonValue> elements = array.iterator();
    while (elements.hasNext()) {
      newline(out, indent + 1, indent);
      write(elements.next(), out, indent < 0 ? -1 : indent + 1);
      if (elements.hasNext()) {
        out.append(',');
      }
    }
    newline(out, indent, indent);
    out.append(']');
  }

  private static void newline(StringBuilder out, int depth, int indent) {
    if (indent >= 0) {
      out.append('\n');
      out.repeat("  ", depth);
    }
  }

  /** {@code text} as a JSON string: quotes, backslashes and control characters escaped. */
  public static void quote(String text, StringBuilder out) {
    out.append('"');
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      out.append(text, start, i);
      start = i + 1;
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> out.append(String.format("\\u%04x", (int) c));
      }
    }
    out.append(text, start, text.length()).append('"');
  }
}
