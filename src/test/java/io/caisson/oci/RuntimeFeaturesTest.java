package io.caisson.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RuntimeFeaturesTest {
  // The shape runc 1.1 prints, trimmed.
  private static final String RUNC_1_1 =
      """
      {"ociVersionMin": "1.0.0", "ociVersionMax": "1.0.2-dev",
       "hooks": ["prestart"], "mountOptions": ["bind", "ro", "rbind", "rro", "rrw"],
       "linux": {"namespaces": ["cgroup", "user"]}}
      """;

  @Test
  void recursiveReadOnlyNeedsTheOptionAndAKernelWithMountSetattr() throws IOException {
    assertThat(features(RUNC_1_1, "6.18.0-1-amd64").recursiveReadOnlyMounts()).isTrue();
    assertThat(features(RUNC_1_1, "5.12.0").recursiveReadOnlyMounts()).isTrue();
    assertThat(features(RUNC_1_1, "5.11.22").recursiveReadOnlyMounts()).isFalse();
    assertThat(features(RUNC_1_1, "4.19.0").recursiveReadOnlyMounts()).isFalse();
    assertThat(features(RUNC_1_1, "").recursiveReadOnlyMounts()).isFalse();
    assertThat(features("{\"mountOptions\": [\"ro\"]}", "6.1.0").recursiveReadOnlyMounts())
        .isFalse();
    assertThat(features("{}", "6.1.0").mountOptions()).isEmpty();
    assertThat(RuntimeFeatures.none("6.1.0").recursiveReadOnlyMounts()).isFalse();
  }

  @Test
  void userNamespacesNeedTheRuntimeToJoinOneAndOverlayfsToTakeIdmappedLayers() throws IOException {
    assertThat(features(RUNC_1_1, "6.18.0").userNamespaces()).isTrue();
    assertThat(features(RUNC_1_1, "5.19.0").userNamespaces()).isTrue();
    assertThat(features(RUNC_1_1, "5.15.0").userNamespaces()).isFalse();
    assertThat(features("{\"linux\": {\"namespaces\": [\"pid\"]}}", "6.18.0").userNamespaces())
        .isFalse();
    assertThat(RuntimeFeatures.none("6.18.0").userNamespaces()).isFalse();
  }

  @Test
  void somethingElseThanAnObjectIsRefused() {
    assertThatThrownBy(() -> features("[\"rro\"]", "6.1.0")).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> features("runc: unknown command", "6.1.0"))
        .isInstanceOf(IOException.class);
  }

  private static RuntimeFeatures features(String json, String kernel) throws IOException {
    return RuntimeFeatures.parse(json.getBytes(StandardCharsets.UTF_8), kernel);
  }
}
