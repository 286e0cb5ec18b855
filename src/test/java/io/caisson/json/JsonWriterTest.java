package io.caisson.json;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonWriterTest {
  @Test
  void writesCompactTextThatReadsBackEqual() throws Exception {
    JsonObject doc = new JsonObject().put("s", "q\"\\\u0001\t\né").put("n", 1.5).put("b", false);
    doc.putNull("z");
    doc.putArray("a").add(1).add("x").addObject().put("k", 2L);
    String text = Json.write(doc);
    assertThat(text)
        .isEqualTo(
            "{\"s\":\"q\\\"\\\\\\u0001\\t\\né\",\"n\":1.5,\"b\":false,\"z\":null,"
                + "\"a\":[1,\"x\",{\"k\":2}]}");
    assertThat(Json.parse(text)).isEqualTo(doc);
  }

  @Test
  void prettyTextIndentsByTwoSpaces() {
    JsonObject doc = new JsonObject().put("a", 1);
    doc.putArray("b").add(true);
    doc.putObject("c");
    assertThat(Json.pretty(doc))
        .isEqualTo("{\n  \"a\": 1,\n  \"b\": [\n    true\n  ],\n  \"c\": {}\n}");
  }

  @Test
  void numbersCompareByValue() {
    assertThat(new JsonNumber("1.0"))
        .isEqualTo(new JsonNumber("1"))
        .hasSameHashCodeAs(new JsonNumber("1"));
    assertThat(new JsonNumber("1e2")).isEqualTo(JsonNumber.of(100));
    assertThat(JsonNumber.unsigned(-1).literal()).isEqualTo("18446744073709551615");
  }
}
