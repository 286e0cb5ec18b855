package io.caisson.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonReaderTest {
  @Test
  void readsEveryKindOfValue() throws Exception {
    JsonValue doc =
        Json.parse(
            " {\"s\":\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\",\"n\":-12.5e3,\"i\":42,"
                + "\"t\":true,\"f\":false,\"z\":null,\"a\":[1,[],{}],\"o\":{\"k\":\"v\"}}\n");
    assertThat(doc.path("s").textValue()).isEqualTo("a\"b\\c/\né😀");
    assertThat(doc.path("n").doubleValue()).isEqualTo(-12500.0);
    assertThat(doc.path("n").isIntegralNumber()).isFalse();
    assertThat(doc.path("i").canConvertToLong()).isTrue();
    assertThat(doc.path("i").asInt()).isEqualTo(42);
    assertThat(doc.path("t").asBoolean()).isTrue();
    assertThat(doc.path("f").isBoolean()).isTrue();
    assertThat(doc.path("z").isNull()).isTrue();
    assertThat(doc.path("a").size()).isEqualTo(3);
    assertThat(doc.path("o").path("k").asText()).isEqualTo("v");
    assertThat(doc.at("/a/0").asLong()).isEqualTo(1);
    assertThat(doc.at("/o/k").asText()).isEqualTo("v");
    assertThat(doc.path("nothing").isMissingNode()).isTrue();
    assertThat(doc.path("nothing").path("deeper").asText("fallback")).isEqualTo("fallback");
    assertThat(doc.get("nothing")).isNull();
  }

  @Test
  void keepsMembersInDocumentOrderAndTheLastOfADuplicate() throws Exception {
    JsonValue doc = Json.parse("{\"b\":1,\"a\":2,\"b\":3}");
    assertThat(doc.properties()).extracting(e -> e.getKey()).containsExactly("b", "a");
    assertThat(doc.path("b").asInt()).isEqualTo(3);
  }

  @Test
  void theStrictReaderRefusesADuplicatedMember() {
    assertThatThrownBy(() -> JsonReader.strict().read("{\"a\":1,\"a\":2}"))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("duplicated member \"a\"");
  }

  @Test
  void keepsNumbersBeyondALongAsWritten() throws Exception {
    JsonValue doc = Json.parse("[18446744073709551615,1e400,0.1]");
    assertThat(doc.get(0).canConvertToLong()).isFalse();
    assertThat(Json.write(doc)).isEqualTo("[18446744073709551615,1e400,0.1]");
  }

  @Test
  void refusesWhatIsNotJsonSayingWhere() {
    for (String bad :
        new String[] {
          "",
          "{",
          "{\"a\":1,}",
          "[1,]",
          "01",
          "1.",
          "-",
          "+1",
          "NaN",
          "{'a':1}",
          "[1] x",
          "\"a\nb\"",
          "\"\\x\"",
          "\"\\u12\"",
          "// c\n1",
          "tru",
          "{\"a\" 1}",
          "[1 2]"
        }) {
      assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(JsonException.class);
    }
    assertThatThrownBy(() -> Json.parse("{\n  \"a\": tru\n}"))
        .hasMessageContaining("line 2, column 8");
  }

  @Test
  void refusesBytesThatAreNotUtf8() {
    assertThatThrownBy(() -> Json.parse(new byte[] {'"', (byte) 0xc3, '"'}))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("not UTF-8");
  }

  @Test
  void refusesNestingBeyondItsBound() throws Exception {
    String deep = "[".repeat(JsonReader.MAX_DEPTH + 1) + "]".repeat(JsonReader.MAX_DEPTH + 1);
    assertThatThrownBy(() -> Json.parse(deep)).hasMessageContaining("nests deeper");
    String fine = "[".repeat(JsonReader.MAX_DEPTH) + "]".repeat(JsonReader.MAX_DEPTH);
    assertThat(Json.parse(fine).isArray()).isTrue();
  }

  @Test
  void aStreamGivesEachValueAsItsClosingBracketArrives() throws Exception {
    var in =
        new ByteArrayInputStream(
            "{\"Width\":80,\"Height\":24}\n{\"Width\":1,\"s\":\"}\"} [2]"
                .getBytes(StandardCharsets.UTF_8));
    JsonStream stream = new JsonStream(in, JsonReader.standard());
    assertThat(stream.next().path("Width").asInt()).isEqualTo(80);
    assertThat(stream.next().path("s").asText()).isEqualTo("}");
    assertThat(stream.next().get(0).asInt()).isEqualTo(2);
    assertThat(stream.next()).isNull();
  }
}
