package io.caisson;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.DaemonFlags.What;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DaemonFlagsTest {

  @Test
  void flagsBecomeConfigKeysInBothSpellings() throws Exception {
    DaemonFlags flags =
        DaemonFlags.parse(
            "--socket",
            "/run/c.sock",
            "--log-level=debug",
            "--cni-bin-dir",
            "/a",
            "--cni-bin-dir=/b",
            "--cdi-spec-dir=/cdi",
            "--pinned-image=busybox",
            "--pinned-image",
            "quay.io/*",
            "--default-ulimit=nofile=1024:4096",
            "--default-sysctl",
            "net.ipv4.ping_group_range=0 2147483647",
            "--default-capability=CHOWN");
    assertThat(flags.what()).isEqualTo(What.SERVE);
    assertThat(flags.configFile()).isEqualTo(DaemonFlags.DEFAULT_CONFIG);
    assertThat(flags.configGiven()).isFalse();
    assertThat(flags.overrides())
        .containsEntry("socket", "/run/c.sock")
        .containsEntry("log_level", "debug")
        .containsEntry("cni.bin_dirs", List.of("/a", "/b"))
        .containsEntry("cdi_spec_dirs", List.of("/cdi"))
        .containsEntry("pinned_images", List.of("busybox", "quay.io/*"))
        .containsEntry("default_ulimits", List.of("nofile=1024:4096"))
        .containsEntry("default_sysctls", List.of("net.ipv4.ping_group_range=0 2147483647"))
        .containsEntry("default_capabilities", List.of("CHOWN"))
        .hasSize(8);
  }

  @Test
  void anExplicitConfigFileAndTheConfigSubcommand() throws Exception {
    DaemonFlags flags = DaemonFlags.parse("--config", "/etc/x.toml", "config", "--root=/r");
    assertThat(flags.what()).isEqualTo(What.PRINT_CONFIG);
    assertThat(flags.configFile()).isEqualTo(Path.of("/etc/x.toml"));
    assertThat(flags.configGiven()).isTrue();
    assertThat(flags.overrides()).containsEntry("root", "/r");
    assertThat(DaemonFlags.parse("--metrics-address=").overrides())
        .containsEntry("metrics.address", "");
  }

  @Test
  void theCheckSubcommandTakesTheFlagsItChecks() throws Exception {
    DaemonFlags flags = DaemonFlags.parse("check", "--root=/r");
    assertThat(flags.what()).isEqualTo(What.CHECK);
    assertThat(flags.overrides()).containsEntry("root", "/r");
    assertThat(DaemonFlags.parse("check", "--help").what()).isEqualTo(What.HELP);
    assertThat(DaemonFlags.usage()).contains("check");
  }

  @Test
  void helpWinsOverVersion() throws Exception {
    assertThat(DaemonFlags.parse("-V").what()).isEqualTo(What.VERSION);
    assertThat(DaemonFlags.parse("--version", "--help").what()).isEqualTo(What.HELP);
    assertThat(DaemonFlags.usage()).contains("--cni-bin-dir=DIR").contains("config");
  }

  @Test
  void badCommandLinesNameWhatIsWrong() {
    assertThatThrownBy(() -> DaemonFlags.parse("--sockett", "/x"))
        .isInstanceOf(DaemonFlags.UsageException.class)
        .hasMessage("unknown option: --sockett");
    assertThatThrownBy(() -> DaemonFlags.parse("--root"))
        .hasMessage("missing value for --root (DIR)");
    assertThatThrownBy(() -> DaemonFlags.parse("serve")).hasMessage("unexpected argument: serve");
    assertThatThrownBy(() -> DaemonFlags.parse("config", "config"))
        .hasMessage("unexpected argument: config");
    assertThatThrownBy(() -> DaemonFlags.parse("config", "check"))
        .hasMessage("unexpected argument: check");
  }
}
