package io.caisson.json;

/** What {@link JsonValue#path} finds where nothing is: navigation goes on from it, to itself. */
public enum JsonMissing implements JsonValue {
  INSTANCE;

  @Override
  public boolean isMissingNode() {
    return true;
  }

  @Override
  public String asText(String fallback) {
    return fallback;
  }

  @Override
  public String toString() {
    return "";
  }
}
