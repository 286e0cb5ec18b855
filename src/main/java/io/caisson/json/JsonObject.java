package io.caisson.json;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A JSON object: members in the order they were put or read, one per name (putting a name again
 * replaces its value in place). Mutable, for building documents; not for sharing between threads
 * while one writes.
 */
public final class JsonObject implements JsonValue {
  private final LinkedHashMap<String, JsonValue> members = new LinkedHashMap<>();

  public JsonObject() {}

  @Override
  public boolean isObject() {
    return true;
  }

  @Override
  public JsonValue path(String name) {
    JsonValue value = members.get(name);
    return value == null ? JsonMissing.INSTANCE : value;
  }

  @Override
  public JsonValue get(String name) {
    return members.get(name);
  }

  @Override
  public boolean has(String name) {
    return members.containsKey(name);
  }

  @Override
  public int size() {
    return members.size();
  }

  @Override
  public Set<Map.Entry<String, JsonValue>> properties() {
    return members.entrySet();
  }

  @Override
  public Iterator<String> fieldNames() {
    return members.keySet().iterator();
  }

  @Override
  public Iterator<JsonValue> iterator() {
    return members.values().iterator();
  }

  /** The members as a read-only map view. */
  public Map<String, JsonValue> asMap() {
    return java.util.Collections.unmodifiableMap(members);
  }

  /** Puts {@code value} (null puts JSON null) and returns this object. */
  public JsonObject set(String name, JsonValue value) {
    members.put(name, value == null ? JsonNull.INSTANCE : value);
    return this;
  }

  /** Puts a string; null puts JSON null. */
  public JsonObject put(String name, String value) {
    return set(name, value == null ? JsonNull.INSTANCE : new JsonString(value));
  }

  public JsonObject put(String name, long value) {
    return set(name, JsonNumber.of(value));
  }

  public JsonObject put(String name, int value) {
    return set(name, JsonNumber.of(value));
  }

  public JsonObject put(String name, double value) {
    return set(name, JsonNumber.of(value));
  }

  public JsonObject put(String name, boolean value) {
    return set(name, JsonBoolean.of(value));
  }

  /** Puts a number or JSON null. */
  public JsonObject put(String name, Long value) {
    return set(name, value == null ? JsonNull.INSTANCE : JsonNumber.of(value));
  }

  public JsonObject put(String name, Integer value) {
    return set(name, value == null ? JsonNull.INSTANCE : JsonNumber.of(value));
  }

  public JsonObject put(String name, Boolean value) {
    return set(name, value == null ? JsonNull.INSTANCE : JsonBoolean.of(value));
  }

  public JsonObject putNull(String name) {
    return set(name, JsonNull.INSTANCE);
  }

  /** Puts a new empty object under {@code name} and returns it. */
  public JsonObject putObject(String name) {
    JsonObject child = new JsonObject();
    members.put(name, child);
    return child;
  }

  /** Puts a new empty array under {@code name} and returns it. */
  public JsonArray putArray(String name) {
    JsonArray child = new JsonArray();
    members.put(name, child);
    return child;
  }

  /** Puts every member of {@code other}. */
  public JsonObject setAll(JsonObject other) {
    members.putAll(other.members);
    return this;
  }

  /** Removes the member and returns its value, or null. */
  public JsonValue remove(String name) {
    return members.remove(name);
  }

  @Override
  public JsonObject deepCopy() {
    JsonObject copy = new JsonObject();
    members.forEach((name, value) -> copy.members.put(name, value.deepCopy()));
    return copy;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof JsonObject that && members.equals(that.members);
  }

  @Override
  public int hashCode() {
    return members.hashCode();
  }

  /** The object as compact JSON. */
  @Override
  public String toString() {
    return JsonWriter.compact(this);
  }
}
