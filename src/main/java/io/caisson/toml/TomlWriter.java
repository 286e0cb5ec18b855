package io.caisson.toml;

import io.caisson.json.JsonArray;
import io.caisson.json.JsonBoolean;
import io.caisson.json.JsonMissing;
import io.caisson.json.JsonNull;
import io.caisson.json.JsonNumber;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonString;
import io.caisson.json.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a JSON tree as TOML, for an operator to read (an effective config dump) and for {@link
 * TomlReader} to read back equal. A table's values come first as {@code key = value} lines, then
 * its sub-tables as {@code [dotted.header]} sections and its arrays of objects as {@code
 * [[header]]} sections, depth first. TOML has no null: null and missing members and elements are
 * left out.
 */
public final class TomlWriter {
  /** An array that would make its line longer is written one element per line. */
  private static final int LINE_WIDTH = 100;

  private TomlWriter() {}

  public static String write(JsonObject tree) {
    StringBuilder out = new StringBuilder(1024);
    table(tree, List.of(), null, out);
    return out.toString();
  }

  /**
   * {@code table}'s section: its header (none for the root), its values, then its sections. A
   * header that would stand over nothing but sections is left out (they imply it), unless the
   * section is an element of an array of tables: there the header is what makes the element.
   */
  private static void table(JsonObject table, List<String> path, String header, StringBuilder out) {
    List<Map.Entry<String, JsonValue>> values = new ArrayList<>();
    List<Map.Entry<String, JsonValue>> sections = new ArrayList<>();
    for (Map.Entry<String, JsonValue> member : table.properties()) {
      JsonValue value = member.getValue();
      if (value instanceof JsonObject || isArrayOfTables(value)) {
        sections.add(member);
      } else if (!isAbsent(value)) {
        values.add(member);
      }
    }
    boolean element = header != null && header.startsWith("[[");
    if (header != null && (element || !values.isEmpty() || sections.isEmpty())) {
      if (!out.isEmpty()) {
        out.append('\n');
      }
      out.append(header).append('\n');
    }
    for (Map.Entry<String, JsonValue> member : values) {
      keyValue(member.getKey(), member.getValue(), out);
    }
    for (Map.Entry<String, JsonValue> member : sections) {
      List<String> subPath = new ArrayList<>(path);
      subPath.add(member.getKey());
      String name = TomlKeys.path(subPath);
      if (member.getValue() instanceof JsonObject sub) {
        table(sub, subPath, "[" + name + "]", out);
      } else {
        for (JsonValue item : member.getValue()) {
          if (item instanceof JsonObject sub) {
            table(sub, subPath, "[[" + name + "]]", out);
          }
        }
      }
    }
  }

  /** An array of objects (nulls aside), at least one: what {@code [[header]]} sections write. */
  private static boolean isArrayOfTables(JsonValue value) {
    if (!(value instanceof JsonArray array)) {
      return false;
    }
    boolean anyTable = false;
    for (JsonValue item : array) {
      if (item instanceof JsonObject) {
        anyTable = true;
      } else if (!isAbsent(item)) {
        return false;
      }
    }
    return anyTable;
  }

  private static boolean isAbsent(JsonValue value) {
    return value instanceof JsonNull || value instanceof JsonMissing;
  }

  private static void keyValue(String key, JsonValue value, StringBuilder out) {
    int lineStart = out.length();
    out.append(TomlKeys.key(key)).append(" = ");
    inline(value, out);
    if (value instanceof JsonArray array && out.length() - lineStart > LINE_WIDTH) {
      out.setLength(lineStart);
      out.append(TomlKeys.key(key)).append(" = [\n");
      for (JsonValue item : array) {
        if (!isAbsent(item)) {
          out.append("  ");
          inline(item, out);
          out.append(",\n");
        }
      }
      out.append(']');
    }
    out.append('\n');
  }

  /** A value on one line: arrays in brackets, objects as inline tables. */
  private static void inline(JsonValue value, StringBuilder out) {
    switch (value) {
      case JsonString string -> TomlStrings.quote(string.value(), out);
      case JsonNumber number -> out.append(number.literal());
      case JsonBoolean bool -> out.append(bool.asText());
      case JsonArray array -> {
        out.append('[');
        String separator = "";
        for (JsonValue item : array) {
          if (!isAbsent(item)) {
            out.append(separator);
            inline(item, out);
            separator = ", ";
          }
        }
        out.append(']');
      }
      case JsonObject object -> {
        out.append('{');
        String separator = " ";
        for (Map.Entry<String, JsonValue> member : object.properties()) {
          if (!isAbsent(member.getValue())) {
            out.append(separator).append(TomlKeys.key(member.getKey())).append(" = ");
            inline(member.getValue(), out);
            separator = ", ";
          }
        }
        out.append(separator.equals(" ") ? "}" : " }");
      }
      // Left out by the callers: TOML has no null.
      case JsonNull ignored -> throw new IllegalArgumentException("TOML has no null");
      case JsonMissing ignored -> throw new IllegalArgumentException("TOML has no null");
    }
  }
}
