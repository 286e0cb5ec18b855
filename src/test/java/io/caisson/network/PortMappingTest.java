package io.caisson.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import org.junit.jupiter.api.Test;

class PortMappingTest {
  private static PortMapping onHostIp(String hostIp) {
    return new PortMapping(PortMapping.Protocol.TCP, 80, 8080, hostIp);
  }

  @Test
  void hostIpsThePluginReadsAreTaken() {
    for (String ip :
        new String[] {"", "0.0.0.0", "10.0.0.1", "255.255.255.255", "::", "fd00:143::2", "::1"}) {
      assertThat(onHostIp(ip).hostIp()).isEqualTo(ip);
    }
  }

  /**
   * Forms Java reads as an address but the portmap plugin does not: it would skip the mapping and
   * the pod would run with its host port unpublished.
   */
  @Test
  void hostIpsThePluginCannotReadAreRefused() {
    for (String ip :
        new String[] {
          "1.2.3", "16909060", "010.0.0.1", "10.0.0.01", "256.0.0.1", "fe80::1%1", "1.2.3.4 ", "x"
        }) {
      assertThatThrownBy(() -> onHostIp(ip))
          .as(ip)
          .isInstanceOf(CaissonException.class)
          .hasMessageContaining("host IP \"" + ip + "\"");
    }
  }
}
