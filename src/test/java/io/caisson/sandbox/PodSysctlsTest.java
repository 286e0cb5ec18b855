package io.caisson.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PodSysctlsTest {
  private static final Map<String, String> DEFAULTS =
      Map.of(
          "net.ipv4.ip_unprivileged_port_start", "1000",
          "kernel.shm_rmid_forced", "1");

  @Test
  void thePodsOwnSysctlsWinOverTheNodesDefaults() {
    assertThat(
            PodSysctls.effective(
                DEFAULTS, Map.of("net.ipv4.ip_unprivileged_port_start", "80"), false, false))
        .containsOnly(
            Map.entry("net.ipv4.ip_unprivileged_port_start", "80"),
            Map.entry("kernel.shm_rmid_forced", "1"));
  }

  @Test
  void defaultsSkipTheNamespacesAPodSharesWithTheNode() {
    assertThat(PodSysctls.effective(DEFAULTS, Map.of(), true, false))
        .containsOnly(Map.entry("kernel.shm_rmid_forced", "1"));
    assertThat(PodSysctls.effective(DEFAULTS, Map.of(), false, true))
        .containsOnly(Map.entry("net.ipv4.ip_unprivileged_port_start", "1000"));
    assertThat(PodSysctls.effective(DEFAULTS, Map.of(), true, true)).isEmpty();
  }
}
