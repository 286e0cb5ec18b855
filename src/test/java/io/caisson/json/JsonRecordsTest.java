package io.caisson.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonRecordsTest {
  enum Color {
    RED,
    BLUE
  }

  record Inner(@JsonName("renamed") String name, @Unsigned long limit) {}

  record Outer(
      String text,
      int count,
      Long boxed,
      boolean flag,
      Color color,
      Path path,
      Duration pause,
      List<Inner> inners,
      Map<String, Integer> counts,
      @OmitEmpty List<String> tags,
      JsonValue raw) {}

  @OmitEmpty
  record Sets(List<String> a, List<String> b) {}

  @RefuseUnknown
  record Closed(String only) {}

  private static final JsonRecords RECORDS = JsonRecords.STANDARD;

  @Test
  void aRecordRoundTripsLeavingNullsOutAndEmptiesUnderOmitEmpty() throws Exception {
    Outer outer =
        new Outer(
            "t",
            3,
            null,
            true,
            Color.BLUE,
            Path.of("/a/b"),
            Duration.ofSeconds(90),
            List.of(new Inner("x", -1)),
            Map.of("k", 1),
            List.of(),
            Json.parse("{\"any\":[1]}"));
    String text = RECORDS.string(outer);
    assertThat(text)
        .isEqualTo(
            "{\"text\":\"t\",\"count\":3,\"flag\":true,\"color\":\"BLUE\",\"path\":\"/a/b\","
                + "\"pause\":\"PT1M30S\",\"inners\":[{\"renamed\":\"x\",\"limit\":18446744073709551615}],"
                + "\"counts\":{\"k\":1},\"raw\":{\"any\":[1]}}");
    Outer back = RECORDS.read(text.getBytes(), Outer.class);
    // The empty tags were left out, so they read back absent; everything else as it was.
    assertThat(back).usingRecursiveComparison().ignoringFields("tags").isEqualTo(outer);
    assertThat(back.tags()).isNull();
    assertThat(back.raw()).isEqualTo(outer.raw());
    assertThat(RECORDS.string(new Sets(List.of(), List.of("b")))).isEqualTo("{\"b\":[\"b\"]}");
  }

  @Test
  void readingIgnoresUnknownMembersUnlessTheRecordRefusesThem() throws Exception {
    assertThat(
            RECORDS.read("{\"name\":\"n\",\"renamed\":\"r\",\"limit\":5}".getBytes(), Inner.class))
        .isEqualTo(new Inner("r", 5));
    assertThatThrownBy(() -> RECORDS.read("{\"only\":\"a\",\"more\":1}".getBytes(), Closed.class))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("unknown field \"more\"");
  }

  @Test
  void aValueOfTheWrongKindIsNamedByItsPath() {
    assertThatThrownBy(
            () -> RECORDS.read("{\"inners\":[{\"limit\":\"x\"}]}".getBytes(), Outer.class))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("Outer.inners[0].limit");
    assertThatThrownBy(() -> RECORDS.read("{\"count\":4294967296}".getBytes(), Outer.class))
        .hasMessageContaining("out of range for an int");
    assertThatThrownBy(() -> RECORDS.read("{\"color\":\"GREEN\"}".getBytes(), Outer.class))
        .hasMessageContaining("\"GREEN\" is not a Color");
  }

  @Test
  void aCodecReplacesATypesStandardForm() throws Exception {
    JsonRecords minutes =
        JsonRecords.STANDARD.with(
            Duration.class,
            new JsonRecords.Codec<>(
                d -> new JsonString(d.toMinutes() + "m"),
                v -> Duration.ofMinutes(Long.parseLong(v.asText().replace("m", "")))));
    assertThat(minutes.string(Map.of("w", Duration.ofMinutes(2)))).isEqualTo("{\"w\":\"2m\"}");
    record Holder(Duration w) {}
    assertThat(minutes.read("{\"w\":\"3m\"}".getBytes(), Holder.class).w())
        .isEqualTo(Duration.ofMinutes(3));
  }
}
