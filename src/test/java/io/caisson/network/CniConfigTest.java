package io.caisson.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CniConfigTest {

  private static CniConfig parse(String json) throws InvalidCniConfigException {
    return CniConfig.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsAList() throws Exception {
    CniConfig config =
        parse(
            """
            {"cniVersion":"0.4.0","name":"net1","disableCheck":true,
             "plugins":[{"type":"bridge","bridge":"br9"},{"type":"portmap","capabilities":{"portMappings":true}}]}
            """);
    assertThat(config.name()).isEqualTo("net1");
    assertThat(config.cniVersion()).isEqualTo("0.4.0");
    assertThat(config.disableCheck()).isTrue();
    assertThat(config.pluginTypes()).containsExactly("bridge", "portmap");
    assertThat(config.plugins().getFirst().get("bridge").asText()).isEqualTo("br9");
    assertThat(config.supportsCheck()).isTrue();
  }

  @Test
  void wrapsASinglePluginConfig() throws Exception {
    CniConfig config =
        parse(
            """
            {"cniVersion":"0.3.1","name":"single","type":"bridge","ipam":{"type":"host-local"}}
            """);
    assertThat(config.name()).isEqualTo("single");
    assertThat(config.pluginTypes()).containsExactly("bridge");
    assertThat(config.plugins().getFirst().get("ipam").get("type").asText())
        .isEqualTo("host-local");
    assertThat(config.json().get("plugins").size()).isEqualTo(1);
    assertThat(config.supportsCheck()).isFalse();
    assertThat(config.disableCheck()).isFalse();
  }

  @Test
  void refusesWhatCannotBeUsed() {
    assertThatThrownBy(() -> parse("not json")).hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> parse("[]")).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> parse("{\"cniVersion\":\"1.0.0\",\"plugins\":[{\"type\":\"x\"}]}"))
        .hasMessageContaining("\"name\"");
    assertThatThrownBy(() -> parse("{\"name\":\"n\",\"plugins\":[{\"type\":\"x\"}]}"))
        .hasMessageContaining("\"cniVersion\"");
    assertThatThrownBy(
            () -> parse("{\"name\":\"n\",\"cniVersion\":\"0.2.0\",\"plugins\":[{\"type\":\"x\"}]}"))
        .hasMessageContaining("0.2.0")
        .hasMessageContaining("not supported");
    assertThatThrownBy(() -> parse("{\"name\":\"n\",\"cniVersion\":\"1.0.0\",\"plugins\":[]}"))
        .hasMessageContaining("non-empty array");
    assertThatThrownBy(() -> parse("{\"name\":\"n\",\"cniVersion\":\"1.0.0\",\"plugins\":[{}]}"))
        .hasMessageContaining("\"type\" is missing");
    assertThatThrownBy(
            () ->
                parse(
                    "{\"name\":\"n\",\"cniVersion\":\"1.0.0\",\"plugins\":[{\"type\":\"../../bin/sh\"}]}"))
        .hasMessageContaining("not a plain binary name");
    assertThatThrownBy(
            () -> parse("{\"name\":\"bad name\",\"cniVersion\":\"1.0.0\",\"type\":\"bridge\"}"))
        .hasMessageContaining("characters");
    assertThatThrownBy(() -> parse("{\"name\":\"n\",\"cniVersion\":\"1.0.0\"}"))
        .hasMessageContaining("\"type\" is missing");
  }

  @Test
  void theShippedDefaultIsValid() throws Exception {
    try (var in = getClass().getResourceAsStream("/cni/10-caisson-bridge.conflist")) {
      CniConfig config = CniConfig.parse(in.readAllBytes());
      assertThat(config.pluginTypes()).containsExactly("bridge", "portmap");
      assertThat(config.plugins().getFirst().get("bridge").asText()).isEqualTo("cni0");
      assertThat(config.plugins().getFirst().at("/ipam/ranges/0/0/subnet").asText())
          .isEqualTo("10.88.0.0/16");
      assertThat(config.plugins().get(1).at("/capabilities/portMappings").asBoolean()).isTrue();
    }
  }
}
