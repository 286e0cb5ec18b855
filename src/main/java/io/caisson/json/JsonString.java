package io.caisson.json;

import java.util.Objects;

/** A JSON string. */
public record JsonString(String value) implements JsonValue {
  public JsonString {
    Objects.requireNonNull(value, "value");
  }

  @Override
  public boolean isTextual() {
    return true;
  }

  @Override
  public String textValue() {
    return value;
  }

  @Override
  public String asText() {
    return value;
  }

  @Override
  public long asLong(long fallback) {
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      try {
        return (long) Double.parseDouble(value.strip());
      } catch (NumberFormatException notANumber) {
        return fallback;
      }
    }
  }

  @Override
  public double asDouble() {
    try {
      return Double.parseDouble(value.strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  @Override
  public boolean asBoolean(boolean fallback) {
    return switch (value.strip()) {
      case "true" -> true;
      case "false" -> false;
      default -> fallback;
    };
  }

  @Override
  public String toString() {
    return JsonWriter.compact(this);
  }
}
