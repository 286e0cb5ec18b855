package io.caisson.cri;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What of a .proto file decides the wire format and the generated API: names, numbers and types.
 * Comments, options and declaration order are left out. Services, messages and enums are keyed by
 * full name (nested ones included); type references are full names or scalar keywords.
 */
record ProtoShape(
    String pkg,
    Map<String, Service> services,
    Map<String, Message> messages,
    Map<String, EnumType> enums) {

  record Service(String fullName, Map<String, Rpc> rpcs) {}

  record Rpc(
      String name, String input, String output, boolean clientStreaming, boolean serverStreaming) {}

  record Message(String fullName, Map<String, Field> fields) {}

  /**
   * One field. {@code type} is a scalar keyword ("int64"), the full name of a message or enum, or
   * "map", in which case {@code mapKey} and {@code mapValue} are set (null otherwise). {@code
   * oneof} is the enclosing oneof's name, or null.
   */
  record Field(
      String name,
      int number,
      String type,
      boolean repeated,
      String mapKey,
      String mapValue,
      String oneof) {}

  record EnumType(String fullName, Map<String, Integer> values) {}

  /** The shape of a compiled file, e.g. {@code CriApi.getDescriptor()}. */
  static ProtoShape of(FileDescriptor file) {
    var services = new TreeMap<String, Service>();
    for (var service : file.getServices()) {
      var rpcs = new LinkedHashMap<String, Rpc>();
      for (MethodDescriptor m : service.getMethods()) {
        rpcs.put(
            m.getName(),
            new Rpc(
                m.getName(),
                m.getInputType().getFullName(),
                m.getOutputType().getFullName(),
                m.isClientStreaming(),
                m.isServerStreaming()));
      }
      services.put(service.getFullName(), new Service(service.getFullName(), rpcs));
    }
    var messages = new TreeMap<String, Message>();
    var enums = new TreeMap<String, EnumType>();
    file.getEnumTypes().forEach(e -> enums.put(e.getFullName(), enumOf(e)));
    file.getMessageTypes().forEach(m -> addMessage(m, messages, enums));
    return new ProtoShape(file.getPackage(), services, messages, enums);
  }

  private static void addMessage(
      Descriptor message, Map<String, Message> messages, Map<String, EnumType> enums) {
    // protoc synthesizes a nested "XxxEntry" message per map<K,V> field; the source has none.
    if (message.getOptions().getMapEntry()) {
      return;
    }
    var fields = new LinkedHashMap<String, Field>();
    message.getFields().forEach(f -> fields.put(f.getName(), fieldOf(f)));
    messages.put(message.getFullName(), new Message(message.getFullName(), fields));
    message.getEnumTypes().forEach(e -> enums.put(e.getFullName(), enumOf(e)));
    message.getNestedTypes().forEach(n -> addMessage(n, messages, enums));
  }

  private static Field fieldOf(FieldDescriptor f) {
    // Real oneofs only: proto3 "optional" makes a synthetic one that the source does not declare.
    OneofDescriptor oneofDescriptor = f.getRealContainingOneof();
    String oneof = oneofDescriptor == null ? null : oneofDescriptor.getName();
    if (f.isMapField()) {
      Descriptor entry = f.getMessageType();
      return new Field(
          f.getName(),
          f.getNumber(),
          "map",
          false,
          typeOf(entry.findFieldByName("key")),
          typeOf(entry.findFieldByName("value")),
          oneof);
    }
    return new Field(f.getName(), f.getNumber(), typeOf(f), f.isRepeated(), null, null, oneof);
  }

  private static String typeOf(FieldDescriptor f) {
    return switch (f.getType()) {
      case MESSAGE, GROUP -> f.getMessageType().getFullName();
      case ENUM -> f.getEnumType().getFullName();
      // The remaining constants are the scalar keywords in upper case.
      default -> f.getType().name().toLowerCase(Locale.ROOT);
    };
  }

  private static EnumType enumOf(EnumDescriptor e) {
    var values = new LinkedHashMap<String, Integer>();
    e.getValues().forEach(v -> values.put(v.getName(), v.getNumber()));
    return new EnumType(e.getFullName(), values);
  }
}
