package io.caisson.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigChangeTest {
  private final ConfigLoader loader = new ConfigLoader();

  private CaissonConfig load(Map<String, Object> flags) throws Exception {
    return loader.load(Path.of("/nonexistent/caisson.toml"), false, flags);
  }

  @Test
  void anUnchangedConfigChangesNothing() throws Exception {
    CaissonConfig config = load(Map.of("pinned_images", List.of("a*"), "default_env", List.of()));
    ConfigChange change =
        ConfigChange.between(config, load(Map.of("pinned_images", List.of("a*"))));
    assertThat(change.applied()).isEmpty();
    assertThat(change.needRestart()).isEmpty();
    // What the daemon runs with is read back from its written form: exactly what it was.
    assertThat(change.running()).isEqualTo(config);
  }

  @Test
  void liveKeysAreTakenUpAndTheOthersWaitForARestart() throws Exception {
    CaissonConfig before = load(Map.of());
    CaissonConfig after =
        load(
            Map.of(
                "pinned_images", List.of("registry.example.com/*"),
                "default_env", List.of("NO_PROXY=.cluster.local"),
                "log_level", "debug",
                "socket", "/run/other/caisson.sock",
                "cni.conf_dir", "/etc/other/net.d"));

    ConfigChange change = ConfigChange.between(before, after);

    assertThat(change.applied()).containsExactly("default_env", "log_level", "pinned_images");
    assertThat(change.needRestart()).containsExactly("cni", "socket");
    CaissonConfig running = change.running();
    assertThat(running.pinnedImages()).containsExactly("registry.example.com/*");
    assertThat(running.defaultEnv()).containsExactly("NO_PROXY=.cluster.local");
    assertThat(running.logLevel()).isEqualTo("debug");
    assertThat(running.socket()).isEqualTo(before.socket());
    assertThat(running.cni()).isEqualTo(before.cni());
  }

  @Test
  void aLiveKeyEmptiedIsTakenUpEmpty() throws Exception {
    CaissonConfig before = load(Map.of("signature_policy", "/etc/containers/policy.json"));
    CaissonConfig after = load(Map.of("signature_policy", ""));
    ConfigChange change = ConfigChange.between(before, after);
    assertThat(change.applied()).containsExactly("signature_policy");
    assertThat(change.running().signaturePolicy()).isNull();
  }
}
