package io.caisson.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.json.JsonException;
import io.caisson.json.JsonValue;
import org.junit.jupiter.api.Test;

class YamlReaderTest {
  @Test
  void readsMappingsSequencesAndScalarsIntoTheJsonTree() throws Exception {
    JsonValue doc =
        YamlReader.read(
            """
            cdiVersion: "0.6.0"
            kind: vendor.com/gpu
            devices:
              - name: gpu0
                containerEdits:
                  deviceNodes:
                    - path: /dev/gpu0
                      major: 195
                      fileMode: 0666
                  env: [A=1, B=2]
            flag: true
            nothing: ~
            """);
    assertThat(doc.path("cdiVersion").textValue()).isEqualTo("0.6.0");
    assertThat(doc.at("/devices/0/name").asText()).isEqualTo("gpu0");
    assertThat(doc.at("/devices/0/containerEdits/deviceNodes/0/major").asInt()).isEqualTo(195);
    assertThat(doc.at("/devices/0/containerEdits/deviceNodes/0/fileMode").asInt()).isEqualTo(0666);
    assertThat(doc.at("/devices/0/containerEdits/env").size()).isEqualTo(2);
    assertThat(doc.path("flag").booleanValue()).isTrue();
    assertThat(doc.path("nothing").isNull()).isTrue();
  }

  @Test
  void anEmptyDocumentIsNull() throws Exception {
    assertThat(YamlReader.read("").isNull()).isTrue();
    assertThat(YamlReader.read("# only a comment\n").isNull()).isTrue();
  }

  @Test
  void refusesDuplicateKeysTagsForClassesAndBrokenSyntax() {
    assertThatThrownBy(() -> YamlReader.read("a: 1\na: 2\n")).isInstanceOf(JsonException.class);
    assertThatThrownBy(() -> YamlReader.read("a: !!java.io.File /etc\n"))
        .isInstanceOf(JsonException.class);
    assertThatThrownBy(() -> YamlReader.read("a: [1, 2\n")).isInstanceOf(JsonException.class);
  }

  @Test
  void boundsAliasesSoABillionLaughsIsRefused() {
    StringBuilder yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (char c = 'b'; c <= 'j'; c++) {
      char prev = (char) (c - 1);
      yaml.append(c).append(": &").append(c).append(" [");
      for (int i = 0; i < 10; i++) {
        yaml.append(i == 0 ? "" : ", ").append('*').append(prev);
      }
      yaml.append("]\n");
    }
    assertThatThrownBy(() -> YamlReader.read(yaml.toString())).isInstanceOf(JsonException.class);
  }
}
