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

  /** Either form sysctl.d(5) reads; a dot inside a part (a VLAN interface) is a slash in dots. */
  @Test
  void namesWithSlashesAreTheSameSysctlsAsWithDots() {
    assertThat(io.caisson.linux.NamespacedSysctls.canonical("net/ipv4/conf/eno2.100/rp_filter"))
        .isEqualTo("net.ipv4.conf.eno2/100.rp_filter");
    assertThat(io.caisson.linux.NamespacedSysctls.canonical("net.ipv4.conf.eno2/100.rp_filter"))
        .isEqualTo("net.ipv4.conf.eno2/100.rp_filter");
    assertThat(io.caisson.linux.NamespacedSysctls.procFile("net.ipv4.conf.eno2/100.rp_filter"))
        .isEqualTo(java.nio.file.Path.of("/proc/sys/net/ipv4/conf/eno2.100/rp_filter"));
    assertThat(
            PodSysctls.effective(
                DEFAULTS, Map.of("net/ipv4/ip_unprivileged_port_start", "80"), false, false))
        .containsOnly(
            Map.entry("net.ipv4.ip_unprivileged_port_start", "80"),
            Map.entry("kernel.shm_rmid_forced", "1"));
    PodSysctls.validate(Map.of("net/ipv4/ip_forward", "1"), false, false);
    assertThat(
            PodSysctls.of(
                PodSysctls.effective(DEFAULTS, Map.of(), false, false),
                io.caisson.linux.Namespaces.Kind.IPC))
        .containsOnlyKeys("kernel.shm_rmid_forced");
  }
}
