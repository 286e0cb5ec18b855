package io.caisson.json;

import java.util.ArrayList;
import java.util.Iterator;

/** A JSON array. Mutable, for building documents. */
public final class JsonArray implements JsonValue {
  private final ArrayList<JsonValue> elements = new ArrayList<>();

  public JsonArray() {}

  @Override
  public boolean isArray() {
    return true;
  }

  @Override
  public JsonValue path(int index) {
    JsonValue value = get(index);
    return value == null ? JsonMissing.INSTANCE : value;
  }

  @Override
  public JsonValue get(int index) {
    return index >= 0 && index < elements.size() ? elements.get(index) : null;
  }

  @Override
  public int size() {
    return elements.size();
  }

  @Override
  public Iterator<JsonValue> iterator() {
    return elements.iterator();
  }

  /** Appends {@code value} (null appends JSON null) and returns this array. */
  public JsonArray add(JsonValue value) {
    elements.add(value == null ? JsonNull.INSTANCE : value);
    return this;
  }

  public JsonArray add(String value) {
    return add(value == null ? JsonNull.INSTANCE : new JsonString(value));
  }

  public JsonArray add(long value) {
    return add(JsonNumber.of(value));
  }

  public JsonArray add(int value) {
    return add(JsonNumber.of(value));
  }

  public JsonArray add(double value) {
    return add(JsonNumber.of(value));
  }

  public JsonArray add(boolean value) {
    return add(JsonBoolean.of(value));
  }

  /** Appends a new empty object and returns it. */
  public JsonObject addObject() {
    JsonObject child = new JsonObject();
    elements.add(child);
    return child;
  }

  /** Appends a new empty array and returns it. */
  public JsonArray addArray() {
    JsonArray child = new JsonArray();
    elements.add(child);
    return child;
  }

  /** Appends every element of {@code other}. */
  public JsonArray addAll(JsonArray other) {
    elements.addAll(other.elements);
    return this;
  }

  public JsonValue remove(int index) {
    return elements.remove(index);
  }

  public JsonArray set(int index, JsonValue value) {
    elements.set(index, value == null ? JsonNull.INSTANCE : value);
    return this;
  }

  @Override
  public JsonArray deepCopy() {
    JsonArray copy = new JsonArray();
    elements.forEach(value -> copy.elements.add(value.deepCopy()));
    return copy;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof JsonArray that && elements.equals(that.elements);
  }

  @Override
  public int hashCode() {
    return elements.hashCode();
  }

  /** The array as compact JSON. */
  @Override
  public String toString() {
    return JsonWriter.compact(this);
  }
}
