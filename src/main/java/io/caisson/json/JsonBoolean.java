package io.caisson.json;

/** JSON's true and false. */
public enum JsonBoolean implements JsonValue {
  FALSE,
  TRUE;

  public static JsonBoolean of(boolean value) {
    return value ? TRUE : FALSE;
  }

  @Override
  public boolean isBoolean() {
    return true;
  }

  @Override
  public boolean booleanValue() {
    return this == TRUE;
  }

  @Override
  public boolean asBoolean(boolean fallback) {
    return this == TRUE;
  }

  @Override
  public long asLong(long fallback) {
    return this == TRUE ? 1 : 0;
  }

  @Override
  public String asText() {
    return this == TRUE ? "true" : "false";
  }

  @Override
  public String toString() {
    return asText();
  }
}
