package io.caisson.cri;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import io.caisson.json.JsonArray;
import io.caisson.json.JsonBoolean;
import io.caisson.json.JsonNumber;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonString;
import io.caisson.json.JsonValue;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A CRI message in protobuf's JSON mapping, as {@code crictl inspect} prints configs:
 * lowerCamelCase names, fields at their default value left out, 64-bit integers as strings, enums
 * by name, bytes in base64, maps as objects. The CRI API uses none of protobuf's well-known types,
 * so this is the whole mapping it needs; it saves the daemon protobuf-java-util and Gson (some 250
 * classes loaded at every start) for a call only operators make.
 */
final class ProtoJson {
  private ProtoJson() {}

  static JsonObject tree(MessageOrBuilder message) {
    JsonObject object = new JsonObject();
    // Only the fields that are set: for proto3 scalars, those not at their default; for repeated
    // fields and maps, the non-empty ones. Ordered by field number, as protobuf prints them.
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      FieldDescriptor descriptor = field.getKey();
      String name = descriptor.getJsonName();
      if (descriptor.isMapField()) {
        object.set(name, map(descriptor, (List<?>) field.getValue()));
      } else if (descriptor.isRepeated()) {
        JsonArray array = object.putArray(name);
        for (Object element : (List<?>) field.getValue()) {
          array.add(value(descriptor, element));
        }
      } else {
        object.set(name, value(descriptor, field.getValue()));
      }
    }
    return object;
  }

  private static JsonObject map(FieldDescriptor descriptor, List<?> entries) {
    FieldDescriptor keyField = descriptor.getMessageType().findFieldByNumber(1);
    FieldDescriptor valueField = descriptor.getMessageType().findFieldByNumber(2);
    JsonObject object = new JsonObject();
    for (Object entry : entries) {
      MessageOrBuilder pair = (MessageOrBuilder) entry;
      // Keys are strings in JSON whatever their type (the CRI's maps all have string keys).
      String key = String.valueOf(pair.getField(keyField));
      object.set(key, value(valueField, pair.getField(valueField)));
    }
    return object;
  }

  private static JsonValue value(FieldDescriptor descriptor, Object value) {
    return switch (descriptor.getJavaType()) {
      case MESSAGE -> tree((MessageOrBuilder) value);
      case ENUM -> enumValue((EnumValueDescriptor) value);
      case STRING -> new JsonString((String) value);
      case BOOLEAN -> JsonBoolean.of((Boolean) value);
      case BYTE_STRING ->
          new JsonString(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
      case INT -> unsigned32(descriptor) ? unsigned((Integer) value) : JsonNumber.of((int) value);
      // 64-bit integers as strings: JavaScript's numbers lose precision above 2^53.
      case LONG ->
          new JsonString(
              unsigned64(descriptor)
                  ? Long.toUnsignedString((Long) value)
                  : Long.toString((Long) value));
      case FLOAT -> floating((Float) value);
      case DOUBLE -> floating((Double) value);
    };
  }

  private static JsonValue enumValue(EnumValueDescriptor value) {
    // A number the descriptor does not know (from a newer client) has no name: its number, then.
    return value.getType().findValueByNumber(value.getNumber()) == null
        ? JsonNumber.of(value.getNumber())
        : new JsonString(value.getName());
  }

  private static boolean unsigned32(FieldDescriptor descriptor) {
    return descriptor.getType() == FieldDescriptor.Type.UINT32
        || descriptor.getType() == FieldDescriptor.Type.FIXED32;
  }

  private static boolean unsigned64(FieldDescriptor descriptor) {
    return descriptor.getType() == FieldDescriptor.Type.UINT64
        || descriptor.getType() == FieldDescriptor.Type.FIXED64;
  }

  private static JsonValue unsigned(int value) {
    return JsonNumber.of(Integer.toUnsignedLong(value));
  }

  private static JsonValue floating(double value) {
    // JSON has no NaN or infinities: protobuf spells them as strings.
    if (Double.isNaN(value)) {
      return new JsonString("NaN");
    }
    if (Double.isInfinite(value)) {
      return new JsonString(value > 0 ? "Infinity" : "-Infinity");
    }
    return JsonNumber.of(value);
  }

  private static JsonValue floating(float value) {
    return Float.isFinite(value) ? JsonNumber.of(value) : floating((double) value);
  }
}
