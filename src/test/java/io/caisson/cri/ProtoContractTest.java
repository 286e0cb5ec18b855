package io.caisson.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.caisson.cri.ProtoShape.EnumType;
import io.caisson.cri.ProtoShape.Field;
import io.caisson.cri.ProtoShape.Rpc;
import io.caisson.cri.v1.CriApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Our api.proto must stay wire-identical to the upstream CRI contract: kubelet speaks the upstream
 * one. Checked against the compiled descriptor, so it covers what protoc actually generated.
 */
class ProtoContractTest {

  /** Exercises every construct the parser knows, in the styles the CRI file uses. */
  private static final String SNIPPET =
      """
      /* licence header */
      syntax = "proto3";
      package demo.v1;
      option go_package = "example.com/demo";
      import "github.com/gogo/protobuf/gogoproto/gogo.proto";
      option (gogoproto.marshaler_all) = true;

      // Service comment.
      service Demo {
          rpc Get(GetRequest) returns (Item) {}
          rpc Watch(GetRequest) returns (stream Item);
          rpc Upload(stream Item.Part) returns (Item) { option deprecated = true; }
      }

      message GetRequest {
          reserved 4, 6 to 8;
          reserved "old_name";
          string id = 1 [deprecated=true, (gogoproto.nullable) = false];
          Item.Kind kind = 2;
          map<string, Item> by_name = 3;
          oneof selector {
              string name = 5;
              int64 index = 9;
          }
      }

      message Item {
          option (gogoproto.goproto_stringer) = false;
          enum Kind {
              KIND_UNSPECIFIED = 0;
              BIG = 1 [deprecated=true];
          }
          message Part {
              repeated bytes data = 1;
              Kind kind = 2;
          }
          repeated Part parts = 1;
      }

      enum Color { RED = 0; GREEN = 1; }
      """;

  @Test
  void compiledApiProtoMatchesTheReference() throws Exception {
    Path reference =
        Path.of(
            System.getProperty(
                "caisson.reference.proto", "../shared/reference/runtime-v1-api.proto"));
    assumeTrue(
        Files.isRegularFile(reference), "no reference proto at " + reference.toAbsolutePath());

    ProtoShape expected = ProtoParser.parse(Files.readString(reference));
    List<String> differences =
        ProtoShapeDiff.between(expected, ProtoShape.of(CriApi.getDescriptor()));

    assertThat(differences)
        .withFailMessage(
            "%d difference(s) between %s and the compiled api.proto:%n  %s",
            differences.size(), reference, String.join("\n  ", differences))
        .isEmpty();
  }

  @Test
  void parserReadsNamesNumbersTypesAndScopes() {
    ProtoShape shape = ProtoParser.parse(SNIPPET);

    assertThat(shape.pkg()).isEqualTo("demo.v1");
    assertThat(shape.services().get("demo.v1.Demo").rpcs())
        .containsExactly(
            Map.entry("Get", new Rpc("Get", "demo.v1.GetRequest", "demo.v1.Item", false, false)),
            Map.entry("Watch", new Rpc("Watch", "demo.v1.GetRequest", "demo.v1.Item", false, true)),
            Map.entry(
                "Upload", new Rpc("Upload", "demo.v1.Item.Part", "demo.v1.Item", true, false)));
    assertThat(shape.messages().get("demo.v1.GetRequest").fields().values())
        .containsExactly(
            new Field("id", 1, "string", false, null, null, null),
            new Field("kind", 2, "demo.v1.Item.Kind", false, null, null, null),
            new Field("by_name", 3, "map", false, "string", "demo.v1.Item", null),
            new Field("name", 5, "string", false, null, null, "selector"),
            new Field("index", 9, "int64", false, null, null, "selector"));
    // "Kind" inside Item.Part resolves through the enclosing message.
    assertThat(shape.messages().get("demo.v1.Item.Part").fields().values())
        .containsExactly(
            new Field("data", 1, "bytes", true, null, null, null),
            new Field("kind", 2, "demo.v1.Item.Kind", false, null, null, null));
    assertThat(shape.enums())
        .containsOnlyKeys("demo.v1.Item.Kind", "demo.v1.Color")
        .containsEntry(
            "demo.v1.Color", new EnumType("demo.v1.Color", Map.of("RED", 0, "GREEN", 1)));
    assertThat(ProtoShapeDiff.between(shape, ProtoParser.parse(SNIPPET))).isEmpty();
  }

  @Test
  void differReportsEveryKindOfDrift() {
    String drifted =
        SNIPPET
            .replace("string id = 1 [", "string id = 10 [")
            .replace("int64 index = 9", "int32 index = 9")
            .replace("map<string, Item> by_name", "map<string, string> by_name")
            .replace("repeated bytes data", "bytes data")
            .replace("returns (stream Item)", "returns (Item)")
            .replace("GREEN = 1", "GREEN = 2")
            .replaceFirst("oneof selector \\{\\s*string name = 5;", "string name = 5; oneof x {")
            .replace("rpc Get(", "rpc Fetch(")
            .replace("enum Color", "message Extra {} enum Color");
    assertThat(drifted).contains("oneof x");

    assertThat(ProtoShapeDiff.between(ProtoParser.parse(SNIPPET), ProtoParser.parse(drifted)))
        .containsExactlyInAnyOrder(
            "service demo.v1.Demo rpc Fetch: not in the reference",
            "service demo.v1.Demo rpc Get: missing from ours",
            "service demo.v1.Demo rpc Watch server streaming: reference true, ours false",
            "message demo.v1.Extra: not in the reference",
            "message demo.v1.GetRequest field by_name map value: reference demo.v1.Item, ours string",
            "message demo.v1.GetRequest field id number: reference 1, ours 10",
            "message demo.v1.GetRequest field index oneof: reference selector, ours x",
            "message demo.v1.GetRequest field index type: reference int64, ours int32",
            "message demo.v1.GetRequest field name oneof: reference selector, ours none",
            "message demo.v1.Item.Part field data repeated: reference true, ours false",
            "enum demo.v1.Color value GREEN number: reference 1, ours 2");
  }

  @Test
  void aRenumberedFieldInTheCompiledDescriptorIsReported() throws Exception {
    FileDescriptorProto.Builder file = CriApi.getDescriptor().toProto().toBuilder();
    DescriptorProto.Builder mount =
        file.getMessageTypeBuilderList().stream()
            .filter(m -> m.getName().equals("Mount"))
            .findFirst()
            .orElseThrow();
    mount.getFieldBuilderList().stream()
        .filter(f -> f.getName().equals("readonly"))
        .findFirst()
        .orElseThrow()
        .setNumber(30);
    FileDescriptor drifted = FileDescriptor.buildFrom(file.build(), new FileDescriptor[0]);

    assertThat(
            ProtoShapeDiff.between(ProtoShape.of(CriApi.getDescriptor()), ProtoShape.of(drifted)))
        .containsExactly("message runtime.v1.Mount field readonly number: reference 3, ours 30");
  }

  @Test
  void parserNamesTheLineOfASyntaxError() {
    assertThatThrownBy(
            () -> ProtoParser.parse("syntax = \"proto3\";\nmessage A {\n  int32 x 1;\n}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("proto line 3: expected '=', found '1'");
    assertThatThrownBy(() -> ProtoParser.parse("syntax = \"proto3\";\nmessage A { B b = 1; }"))
        .hasMessage("unknown type B used in A");
  }
}
