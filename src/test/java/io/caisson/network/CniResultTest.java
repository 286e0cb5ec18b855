package io.caisson.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.json.Json;
import org.junit.jupiter.api.Test;

class CniResultTest {

  private static CniResult parse(String json) throws Exception {
    return CniResult.parse(Json.parse(json));
  }

  @Test
  void parsesA031ResultWithVersionedIps() throws Exception {
    CniResult result =
        parse(
            """
            {"cniVersion":"0.3.1",
             "interfaces":[{"name":"cni0","mac":"aa:bb:cc:dd:ee:01"},
                           {"name":"veth1","mac":"aa:bb:cc:dd:ee:02"},
                           {"name":"eth0","mac":"aa:bb:cc:dd:ee:03","sandbox":"/run/netns/x"}],
             "ips":[{"version":"6","interface":2,"address":"fd00:10::5/64","gateway":"fd00:10::1"},
                    {"version":"4","interface":2,"address":"10.88.0.5/16","gateway":"10.88.0.1"}],
             "routes":[{"dst":"0.0.0.0/0"}],"dns":{}}
            """);
    assertThat(result.cniVersion()).isEqualTo("0.3.1");
    assertThat(result.interfaces()).hasSize(3);
    assertThat(result.interfaces().get(2).inSandbox()).isTrue();
    assertThat(result.interfaces().get(0).inSandbox()).isFalse();
    assertThat(result.ips().get(1).prefixLength()).isEqualTo(16);
    assertThat(result.ips().get(1).gateway()).isEqualTo("10.88.0.1");
    // IPv4 first, as kubelet takes the first one as the pod IP; IPv6 text kept as printed.
    assertThat(result.podIps()).containsExactly("10.88.0.5", "fd00:10::5");
  }

  @Test
  void parsesA100ResultWithoutIpVersions() throws Exception {
    CniResult result =
        parse(
            """
            {"cniVersion":"1.0.0",
             "interfaces":[{"name":"eth0","sandbox":"/var/run/netns/p"}],
             "ips":[{"interface":0,"address":"10.1.2.3/24"},{"interface":0,"address":"2001:db8::3/64"},
                    {"interface":0,"address":"10.1.2.4/24"}]}
            """);
    assertThat(result.ips().getFirst().ipv4()).isTrue();
    assertThat(result.ips().get(1).ipv4()).isFalse();
    assertThat(result.podIps()).containsExactly("10.1.2.3", "10.1.2.4", "2001:db8::3");
  }

  @Test
  void parses040AndLeavesOutHostSideAddresses() throws Exception {
    CniResult result =
        parse(
            """
            {"cniVersion":"0.4.0",
             "interfaces":[{"name":"host0"},{"name":"eth0","sandbox":"/p"}],
             "ips":[{"version":"4","interface":0,"address":"192.168.9.1/24"},
                    {"version":"4","interface":1,"address":"192.168.9.2/24"},
                    {"version":"4","address":"192.168.9.3/24"},
                    {"version":"4","interface":1,"address":"192.168.9.2/24"}]}
            """);
    assertThat(result.podIps()).containsExactly("192.168.9.2", "192.168.9.3");
  }

  /** Older Terway releases name the pod's interface but leave out its sandbox. */
  @Test
  void thePodsInterfaceCountsWithoutASandboxField() throws Exception {
    CniResult result =
        parse(
            """
            {"cniVersion":"0.4.0",
             "interfaces":[{"name":"host0"},{"name":"eth0"}],
             "ips":[{"version":"4","interface":0,"address":"192.168.9.1/24"},
                    {"version":"4","interface":1,"address":"192.168.9.7/24"}]}
            """);
    assertThat(result.podIps()).containsExactly("192.168.9.7");
  }

  @Test
  void aResultWithoutIpsHasNoPodIp() throws Exception {
    CniResult result = parse("{\"cniVersion\":\"1.0.0\"}");
    assertThat(result.podIps()).isEmpty();
    NetworkStatus status = new NetworkStatus("n", result.podIps(), result);
    assertThat(status.ip()).isEmpty();
    assertThat(status.additionalIps()).isEmpty();
  }

  @Test
  void networkStatusSplitsPrimaryAndAdditional() {
    NetworkStatus status = new NetworkStatus("n", java.util.List.of("10.0.0.2", "fd00::2"), null);
    assertThat(status.ip()).isEqualTo("10.0.0.2");
    assertThat(status.additionalIps()).containsExactly("fd00::2");
  }

  @Test
  void refusesMalformedResults() {
    assertThatThrownBy(() -> parse("[]")).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> parse("{\"ip4\":{\"ip\":\"10.0.0.2/8\"}}"))
        .hasMessageContaining("pre-0.3.0");
    assertThatThrownBy(() -> parse("{\"ips\":[{\"address\":\"10.0.0.2\"}]}"))
        .hasMessageContaining("no prefix length");
    assertThatThrownBy(() -> parse("{\"ips\":[{\"address\":\"10.0.0.2/33\"}]}"))
        .hasMessageContaining("bad prefix");
    assertThatThrownBy(() -> parse("{\"ips\":[{\"address\":\"nonsense/8\"}]}"))
        .hasMessageContaining("not an IP address");
    assertThatThrownBy(() -> parse("{\"ips\":[{\"address\":\"10.0.0.2/8\",\"interface\":3}]}"))
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> parse("{\"interfaces\":[{\"mac\":\"x\"}]}"))
        .hasMessageContaining("no name");
  }
}
