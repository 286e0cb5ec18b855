package io.caisson.json;

/** JSON's null. */
public enum JsonNull implements JsonValue {
  INSTANCE;

  @Override
  public boolean isNull() {
    return true;
  }

  @Override
  public String asText() {
    return "null";
  }

  @Override
  public String asText(String fallback) {
    return fallback;
  }

  @Override
  public String toString() {
    return "null";
  }
}
