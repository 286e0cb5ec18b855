package io.caisson.json;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Turns records into JSON trees and back, component by component: a component's member is its name
 * (or its {@link JsonName}); null components are left out, empty ones too under {@link OmitEmpty};
 * members a record does not have are ignored when reading, so a record written by a later version
 * still reads. Besides records: strings, numbers, booleans, enums (by name), paths, durations and
 * instants (ISO-8601 text unless a codec says otherwise), lists, sets, arrays, string-keyed maps,
 * {@link Optional}, and {@link JsonValue}s as they are.
 */
public final class JsonRecords {
  /** Durations as ISO-8601 ("PT1M"), as the records on disk have them. */
  public static final JsonRecords STANDARD = new JsonRecords(Map.of());

  private final Map<Class<?>, Codec<?>> codecs;
  private final Map<Class<?>, Shape> shapes = new ConcurrentHashMap<>();

  private JsonRecords(Map<Class<?>, Codec<?>> codecs) {
    this.codecs = codecs;
  }

  /** How one type is written and read, where the standard way is not the wanted one. */
  public record Codec<T>(Function<T, JsonValue> writer, Function<JsonValue, T> reader) {}

  /** These rules with {@code type} written and read by {@code codec}. */
  public <T> JsonRecords with(Class<T> type, Codec<T> codec) {
    Map<Class<?>, Codec<?>> more = new HashMap<>(codecs);
    more.put(type, codec);
    return new JsonRecords(Map.copyOf(more));
  }

  /** {@code value} as compact JSON bytes. */
  public byte[] bytes(Object value) {
    return JsonWriter.compactBytes(toTree(value));
  }

  /** {@code value} as compact JSON text. */
  public String string(Object value) {
    return JsonWriter.compact(toTree(value));
  }

  public <T> T read(byte[] json, Class<T> type) throws JsonException {
    return fromTree(JsonReader.standard().read(json), type);
  }

  public JsonValue toTree(Object value) {
    return switch (value) {
      case null -> JsonNull.INSTANCE;
      case JsonValue tree -> tree;
      case String text -> new JsonString(text);
      case Boolean bool -> JsonBoolean.of(bool);
      case Integer n -> JsonNumber.of(n);
      case Long n -> JsonNumber.of(n);
      case Short n -> JsonNumber.of(n);
      case Byte n -> JsonNumber.of(n);
      case Double n -> JsonNumber.of(n);
      case Float n -> JsonNumber.of(n.doubleValue());
      case BigInteger n -> JsonNumber.of(n);
      case BigDecimal n -> JsonNumber.of(n);
      case Optional<?> optional -> toTree(optional.orElse(null));
      case Collection<?> collection -> {
        JsonArray array = new JsonArray();
        collection.forEach(element -> array.add(toTree(element)));
        yield array;
      }
      case Map<?, ?> map -> {
        JsonObject object = new JsonObject();
        map.forEach((key, element) -> object.set(String.valueOf(key), toTree(element)));
        yield object;
      }
      default -> written(value);
    };
  }

  @SuppressWarnings("unchecked")
  private JsonValue written(Object value) {
    Class<?> type = value.getClass();
    Codec<Object> codec = (Codec<Object>) codecs.get(type);
    if (codec == null && value instanceof Path) {
      codec = (Codec<Object>) codecs.get(Path.class);
    }
    if (codec != null) {
      return codec.writer().apply(value);
    }
    if (value instanceof Record record) {
      return shape(type).write(record);
    }
    if (value instanceof Enum<?> constant) {
      return new JsonString(constant.name());
    }
    if (value instanceof Path || value instanceof Duration || value instanceof Instant) {
      return new JsonString(value.toString());
    }
    if (type.isArray()) {
      JsonArray array = new JsonArray();
      for (int i = 0; i < Array.getLength(value); i++) {
        array.add(toTree(Array.get(value, i)));
      }
      return array;
    }
    throw new IllegalArgumentException("cannot write a " + type.getName() + " as JSON");
  }

  @SuppressWarnings("unchecked")
  public <T> T fromTree(JsonValue tree, Class<T> type) throws JsonException {
    return (T) fromTree(tree, (Type) type, type.getSimpleName());
  }

  /** {@code tree} as a {@code type}, which may be generic ({@code List<Entry>}). */
  public Object fromTree(JsonValue tree, Type type) throws JsonException {
    return fromTree(tree, type, type.getTypeName());
  }

  private Object fromTree(JsonValue tree, Type type, String where) throws JsonException {
    Class<?> raw = rawClass(type);
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      if (JsonValue.class.isAssignableFrom(raw)) {
        return raw.isInstance(tree) ? tree : null;
      }
      return raw.isPrimitive()
          ? primitiveZero(raw)
          : raw == Optional.class ? Optional.empty() : null;
    }
    Codec<?> codec = codecs.get(raw);
    if (codec != null) {
      try {
        return codec.reader().apply(tree);
      } catch (RuntimeException e) {
        throw new JsonException(where + ": " + e.getMessage(), e);
      }
    }
    if (JsonValue.class.isAssignableFrom(raw)) {
      if (!raw.isInstance(tree)) {
        throw mismatch(where, "a " + raw.getSimpleName(), tree);
      }
      return tree;
    }
    if (raw == String.class) {
      if (tree.isContainerNode()) {
        throw mismatch(where, "a string", tree);
      }
      return tree.asText();
    }
    if (raw == boolean.class || raw == Boolean.class) {
      if (tree.isBoolean()
          || (tree.isTextual() && Set.of("true", "false").contains(tree.asText()))) {
        return tree.asBoolean();
      }
      throw mismatch(where, "true or false", tree);
    }
    if (raw == int.class || raw == Integer.class) {
      long value = integral(tree, where);
      if (value != (int) value) {
        throw new JsonException(where + ": " + value + " is out of range for an int");
      }
      return (int) value;
    }
    if (raw == long.class || raw == Long.class) {
      return integral(tree, where);
    }
    if (raw == short.class || raw == Short.class) {
      return (short) integral(tree, where);
    }
    if (raw == double.class || raw == Double.class || raw == float.class || raw == Float.class) {
      if (!tree.isNumber()) {
        throw mismatch(where, "a number", tree);
      }
      return raw == float.class || raw == Float.class
          ? (Object) (float) tree.doubleValue()
          : (Object) tree.doubleValue();
    }
    if (raw == BigInteger.class || raw == BigDecimal.class) {
      if (!(tree instanceof JsonNumber number)) {
        throw mismatch(where, "a number", tree);
      }
      return raw == BigInteger.class ? number.bigIntegerValue() : number.decimalValue();
    }
    if (raw == Optional.class) {
      return Optional.ofNullable(fromTree(tree, typeArgument(type, 0), where));
    }
    if (raw.isEnum()) {
      return enumConstant(raw, tree, where);
    }
    if (raw == Path.class) {
      return Path.of(text(tree, where));
    }
    if (raw == Duration.class || raw == Instant.class) {
      try {
        return raw == Duration.class
            ? Duration.parse(text(tree, where))
            : Instant.parse(text(tree, where));
      } catch (RuntimeException e) {
        throw new JsonException(where + ": " + e.getMessage(), e);
      }
    }
    if (raw.isRecord()) {
      if (!(tree instanceof JsonObject object)) {
        throw mismatch(where, "an object", tree);
      }
      return shape(raw).read(object, where);
    }
    if (raw.isArray()) {
      List<Object> elements = elements(tree, arrayComponent(type), where);
      Object array = Array.newInstance(raw.getComponentType(), elements.size());
      for (int i = 0; i < elements.size(); i++) {
        Array.set(array, i, elements.get(i));
      }
      return array;
    }
    if (raw == List.class || raw == Collection.class || raw == Iterable.class) {
      return Collections.unmodifiableList(elements(tree, typeArgument(type, 0), where));
    }
    if (raw == Set.class) {
      return Collections.unmodifiableSet(
          new LinkedHashSet<>(elements(tree, typeArgument(type, 0), where)));
    }
    if (raw == Map.class) {
      if (!(tree instanceof JsonObject object)) {
        throw mismatch(where, "an object", tree);
      }
      Type valueType = typeArgument(type, 1);
      Map<String, Object> map = new LinkedHashMap<>();
      for (Map.Entry<String, JsonValue> member : object.properties()) {
        map.put(
            member.getKey(), fromTree(member.getValue(), valueType, where + "." + member.getKey()));
      }
      return Collections.unmodifiableMap(map);
    }
    throw new JsonException(where + ": cannot read JSON into a " + raw.getName());
  }

  private List<Object> elements(JsonValue tree, Type elementType, String where)
      throws JsonException {
    if (!(tree instanceof JsonArray array)) {
      throw mismatch(where, "an array", tree);
    }
    List<Object> out = new ArrayList<>(array.size());
    int index = 0;
    for (JsonValue element : array) {
      out.add(fromTree(element, elementType, where + "[" + index++ + "]"));
    }
    return out;
  }

  private static long integral(JsonValue tree, String where) throws JsonException {
    if (tree instanceof JsonNumber number && number.canConvertToLong()) {
      return number.longValue();
    }
    if (tree.isTextual()) {
      try {
        return Long.parseLong(tree.asText());
      } catch (NumberFormatException e) {
        // falls through to the message below
      }
    }
    throw mismatch(where, "a whole number within 64 bits", tree);
  }

  private static long unsigned(JsonValue tree, String where) throws JsonException {
    if (tree instanceof JsonNumber number && number.isIntegralNumber()) {
      BigInteger value = number.bigIntegerValue();
      if (value.signum() >= 0 && value.bitLength() <= 64) {
        return value.longValue();
      }
      if (number.canConvertToLong()) {
        return number.longValue(); // -1 and the like: the same bits
      }
    }
    throw mismatch(where, "a number from 0 to 18446744073709551615", tree);
  }

  private static String text(JsonValue tree, String where) throws JsonException {
    if (!tree.isTextual()) {
      throw mismatch(where, "a string", tree);
    }
    return tree.asText();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object enumConstant(Class<?> type, JsonValue tree, String where)
      throws JsonException {
    String name = text(tree, where);
    try {
      return Enum.valueOf((Class) type, name);
    } catch (IllegalArgumentException e) {
      throw new JsonException(where + ": \"" + name + "\" is not a " + type.getSimpleName());
    }
  }

  private static JsonException mismatch(String where, String wanted, JsonValue found) {
    String kind =
        switch (found) {
          case JsonObject o -> "an object";
          case JsonArray a -> "an array";
          case JsonString s -> "a string";
          case JsonNumber n -> "the number " + n.literal();
          case JsonBoolean b -> b.asText();
          case JsonNull n -> "null";
          case JsonMissing m -> "nothing";
        };
    return new JsonException(where + ": expected " + wanted + ", found " + kind);
  }

  private static Object primitiveZero(Class<?> type) {
    if (type == boolean.class) {
      return false;
    }
    if (type == double.class) {
      return 0.0;
    }
    if (type == float.class) {
      return 0.0f;
    }
    if (type == long.class) {
      return 0L;
    }
    if (type == short.class) {
      return (short) 0;
    }
    if (type == byte.class) {
      return (byte) 0;
    }
    if (type == char.class) {
      return (char) 0;
    }
    return 0;
  }

  private static Class<?> rawClass(Type type) {
    return switch (type) {
      case Class<?> c -> c;
      case ParameterizedType p -> rawClass(p.getRawType());
      case GenericArrayType a ->
          Array.newInstance(rawClass(a.getGenericComponentType()), 0).getClass();
      case WildcardType w -> rawClass(w.getUpperBounds()[0]);
      default -> Object.class;
    };
  }

  private static Type typeArgument(Type type, int index) {
    return type instanceof ParameterizedType p && p.getActualTypeArguments().length > index
        ? p.getActualTypeArguments()[index]
        : Object.class;
  }

  private static Type arrayComponent(Type type) {
    return type instanceof GenericArrayType a
        ? a.getGenericComponentType()
        : rawClass(type).getComponentType();
  }

  private Shape shape(Class<?> type) {
    return shapes.computeIfAbsent(type, Shape::new);
  }

  /** A record type's components, their JSON names and how they are written. */
  private final class Shape {
    private final Class<?> type;
    private final Component[] components;
    private final Constructor<?> constructor;
    private final boolean refuseUnknown;

    Shape(Class<?> type) {
      this.type = type;
      this.refuseUnknown = type.isAnnotationPresent(RefuseUnknown.class);
      RecordComponent[] declared = type.getRecordComponents();
      boolean omitEmpty = type.isAnnotationPresent(OmitEmpty.class);
      components = new Component[declared.length];
      Class<?>[] parameterTypes = new Class<?>[declared.length];
      for (int i = 0; i < declared.length; i++) {
        RecordComponent c = declared[i];
        JsonName name = c.getAnnotation(JsonName.class);
        Method accessor = c.getAccessor();
        accessor.setAccessible(true);
        components[i] =
            new Component(
                name == null ? c.getName() : name.value(),
                accessor,
                c.getGenericType(),
                omitEmpty || c.isAnnotationPresent(OmitEmpty.class),
                c.isAnnotationPresent(Unsigned.class));
        parameterTypes[i] = c.getType();
      }
      try {
        constructor = type.getDeclaredConstructor(parameterTypes);
        constructor.setAccessible(true);
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException(type + " has no canonical constructor", e);
      }
    }

    JsonObject write(Record record) {
      JsonObject object = new JsonObject();
      for (Component c : components) {
        Object value;
        try {
          value = c.accessor.invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
          throw new IllegalStateException("cannot read " + type.getSimpleName() + "." + c.name, e);
        }
        if (value == null || (c.omitEmpty && isEmpty(value))) {
          continue;
        }
        object.set(
            c.name, c.unsigned && value instanceof Long n ? JsonNumber.unsigned(n) : toTree(value));
      }
      return object;
    }

    Object read(JsonObject object, String where) throws JsonException {
      if (refuseUnknown) {
        for (String name : object.asMap().keySet()) {
          if (Arrays.stream(components).noneMatch(c -> c.name.equals(name))) {
            throw new JsonException(where + ": unknown field \"" + name + "\"");
          }
        }
      }
      Object[] arguments = new Object[components.length];
      for (int i = 0; i < components.length; i++) {
        Component c = components[i];
        JsonValue member = object.get(c.name);
        String memberWhere = where + "." + c.name;
        arguments[i] =
            c.unsigned && member != null && !member.isNull()
                ? (Object) unsigned(member, memberWhere)
                : fromTree(member, c.type, memberWhere);
      }
      try {
        return constructor.newInstance(arguments);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        throw new JsonException(where + ": " + cause.getMessage(), cause);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot make a " + type.getSimpleName(), e);
      }
    }

    private static boolean isEmpty(Object value) {
      return switch (value) {
        case String s -> s.isEmpty();
        case Collection<?> c -> c.isEmpty();
        case Map<?, ?> m -> m.isEmpty();
        case Optional<?> o -> o.isEmpty();
        default -> value.getClass().isArray() && Array.getLength(value) == 0;
      };
    }
  }

  private record Component(
      String name, Method accessor, Type type, boolean omitEmpty, boolean unsigned) {}
}
