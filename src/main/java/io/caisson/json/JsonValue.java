package io.caisson.json;

import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * A JSON document's value, as Caisson reads and writes them (OCI specs, records, manifests, CNI
 * results, the config's TOML tree). Navigation never throws: {@link #path} of something absent is
 * {@link JsonMissing}, {@link #get} of it null; the {@code as...} conversions fall back to zero,
 * false or the empty string, so a reader checks kinds only where the kind is the question.
 */
public sealed interface JsonValue extends Iterable<JsonValue>
    permits JsonObject, JsonArray, JsonString, JsonNumber, JsonBoolean, JsonNull, JsonMissing {

  /** The member {@code name} of an object, or {@link JsonMissing} (also for non-objects). */
  default JsonValue path(String name) {
    return JsonMissing.INSTANCE;
  }

  /** The element at {@code index} of an array, or {@link JsonMissing}. */
  default JsonValue path(int index) {
    return JsonMissing.INSTANCE;
  }

  /**
   * The value a JSON Pointer (RFC 6901, {@code "/details/causes/0"}) names, or {@link JsonMissing}.
   */
  default JsonValue at(String pointer) {
    if (pointer.isEmpty()) {
      return this;
    }
    if (!pointer.startsWith("/")) {
      throw new IllegalArgumentException("a JSON Pointer starts with '/': " + pointer);
    }
    JsonValue current = this;
    for (String token : pointer.substring(1).split("/", -1)) {
      String name = token.replace("~1", "/").replace("~0", "~");
      current =
          current.isArray() && name.matches("0|[1-9][0-9]{0,8}")
              ? current.path(Integer.parseInt(name))
              : current.path(name);
    }
    return current;
  }

  /** The member {@code name} of an object, or null. */
  default JsonValue get(String name) {
    return null;
  }

  /** The element at {@code index} of an array, or null. */
  default JsonValue get(int index) {
    return null;
  }

  default boolean hasNonNull(String name) {
    JsonValue value = get(name);
    return value != null && !value.isNull();
  }

  default boolean has(String name) {
    return false;
  }

  /** Members of an object, elements of an array; 0 for anything else. */
  default int size() {
    return 0;
  }

  default boolean isEmpty() {
    return size() == 0;
  }

  /** An object's members in document order; empty for anything else. */
  default Set<Map.Entry<String, JsonValue>> properties() {
    return Set.of();
  }

  default Iterator<String> fieldNames() {
    return Collections.emptyIterator();
  }

  /** An array's elements or an object's member values. */
  @Override
  default Iterator<JsonValue> iterator() {
    return Collections.emptyIterator();
  }

  default boolean isObject() {
    return false;
  }

  default boolean isArray() {
    return false;
  }

  default boolean isTextual() {
    return false;
  }

  default boolean isNumber() {
    return false;
  }

  default boolean isIntegralNumber() {
    return false;
  }

  default boolean isBoolean() {
    return false;
  }

  default boolean isNull() {
    return false;
  }

  default boolean isMissingNode() {
    return false;
  }

  default boolean isContainerNode() {
    return isObject() || isArray();
  }

  /** A string's value, or null for anything else. */
  default String textValue() {
    return null;
  }

  /** A scalar's text (a number's literal, "true", "null"); "" for containers and missing. */
  default String asText() {
    return "";
  }

  /** {@link #asText()}, or {@code fallback} for null and missing. */
  default String asText(String fallback) {
    return asText();
  }

  default long longValue() {
    return 0;
  }

  default int intValue() {
    return (int) longValue();
  }

  default double doubleValue() {
    return 0;
  }

  default boolean booleanValue() {
    return false;
  }

  /** Whether this is a number without fraction that fits a long. */
  default boolean canConvertToLong() {
    return false;
  }

  /** Whether this is a number without fraction that fits an int. */
  default boolean canConvertToInt() {
    return canConvertToLong() && longValue() == (int) longValue();
  }

  /** A number's value, a string parsed as one; {@code fallback} otherwise. */
  default long asLong(long fallback) {
    return fallback;
  }

  default long asLong() {
    return asLong(0);
  }

  default int asInt(int fallback) {
    return (int) asLong(fallback);
  }

  default int asInt() {
    return asInt(0);
  }

  default double asDouble() {
    return 0;
  }

  /** A boolean's value, "true"/"false" as text, a number other than 0; {@code fallback} else. */
  default boolean asBoolean(boolean fallback) {
    return fallback;
  }

  default boolean asBoolean() {
    return asBoolean(false);
  }

  /** A copy that shares nothing mutable with this one. */
  default JsonValue deepCopy() {
    return this;
  }
}
