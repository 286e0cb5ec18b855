package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.json.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {

  private static String canonical(String json) throws Exception {
    return new String(CanonicalJson.of(Json.parse(json)), StandardCharsets.UTF_8);
  }

  @Test
  void membersAreSortedByUtf16CodeUnitsAndWhitespaceDropped() throws Exception {
    assertThat(canonical("{ \"b\": [1, true, null], \"a\": {\"z\": \"x\", \"y\": -3} }"))
        .isEqualTo("{\"a\":{\"y\":-3,\"z\":\"x\"},\"b\":[1,true,null]}");
    // RFC 8785's own sorting example: by UTF-16 code units, so U+1F600 (a surrogate pair, D83D)
    // sorts before U+FB33 and after U+00E9... and "\r" before "1".
    assertThat(
            canonical(
                "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew\","
                    + "\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji\",\"\\u0080\":\"Control\","
                    + "\"\\u00f6\":\"Latin\"}"))
        .isEqualTo(
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"ö\":\"Latin\","
                + "\"€\":\"Euro Sign\",\"\ud83d\ude00\":\"Emoji\",\"\ufb33\":\"Hebrew\"}");
  }

  @Test
  void stringsCarryOnlyTheEscapesJsonRequires() throws Exception {
    assertThat(canonical("\"a\\\"b\\\\c\\/d\\u0001\\u001f\\b\\f\\n\\r\\t\\u00e9\\u2028\""))
        .isEqualTo("\"a\\\"b\\\\c/d\\u0001\\u001f\\b\\f\\n\\r\\té\u2028\"");
  }

  @Test
  void integersAreWrittenPlainAndAnythingElseIsRefused() throws Exception {
    assertThat(canonical("[0, -0, 1.0, 1e3, 9007199254740992]"))
        .isEqualTo("[0,0,1,1000,9007199254740992]");
    assertThatThrownBy(() -> canonical("[1.5]")).hasMessageContaining("not an integer");
    assertThatThrownBy(() -> canonical("[9007199254740993]")).hasMessageContaining("beyond 2^53");
    assertThatThrownBy(() -> canonical("[\"\\ud83d\"]")).hasMessageContaining("lone surrogate");
  }
}
