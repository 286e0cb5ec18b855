package io.caisson.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.json.Json;
import io.caisson.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What each plugin reads on stdin, and how its error output becomes a message. */
class CniRunnerStdinTest {

  private static final CniConfig NETWORK = config();

  private static CniConfig config() {
    try {
      return CniConfig.parse(
          """
          {"cniVersion":"1.0.0","name":"podnet","plugins":[
            {"type":"bridge","name":"ignored","cniVersion":"0.1.0","bridge":"br7"},
            {"type":"portmap","capabilities":{"portMappings":true,"bandwidth":false},
             "runtimeConfig":{"keep":1}},
            {"type":"bandwidth","capabilities":{"bandwidth":true}}]}
          """
              .getBytes(StandardCharsets.UTF_8));
    } catch (InvalidCniConfigException e) {
      throw new AssertionError(e);
    }
  }

  private static JsonObject capabilityArgs() {
    PodNetworkRequest request =
        new PodNetworkRequest(
            "abc123",
            "web",
            "default",
            "uid-1",
            Path.of("/run/netns/x"),
            List.of(
                new PortMapping(PortMapping.Protocol.TCP, 80, 8080, ""),
                new PortMapping(PortMapping.Protocol.UDP, 53, 5353, "127.0.0.1"),
                new PortMapping(PortMapping.Protocol.SCTP, 9, 0, "")),
            Optional.of(new Bandwidth(1000, 2000, 0, 0)),
            java.util.Map.of(),
            Optional.empty());
    return PodNetwork.capabilityArgs(request);
  }

  @Test
  void theListNameAndVersionWinAndNoRuntimeConfigWithoutCapabilities() throws Exception {
    JsonObject stdin =
        CniRunner.pluginStdin(NETWORK, NETWORK.plugins().get(0), null, capabilityArgs());
    assertThat(stdin.get("name").asText()).isEqualTo("podnet");
    assertThat(stdin.get("cniVersion").asText()).isEqualTo("1.0.0");
    assertThat(stdin.get("bridge").asText()).isEqualTo("br7");
    assertThat(stdin.has("runtimeConfig")).isFalse();
    assertThat(stdin.has("prevResult")).isFalse();
  }

  @Test
  void declaredCapabilitiesGetTheirArgumentsAndThePreviousResult() throws Exception {
    JsonObject previous = (JsonObject) Json.parse("{\"cniVersion\":\"1.0.0\",\"ips\":[]}");
    JsonObject stdin =
        CniRunner.pluginStdin(NETWORK, NETWORK.plugins().get(1), previous, capabilityArgs());
    assertThat(stdin.get("prevResult")).isEqualTo(previous);
    assertThat(stdin.at("/runtimeConfig/keep").asInt()).isEqualTo(1);
    assertThat(stdin.at("/runtimeConfig/bandwidth").isMissingNode()).isTrue();
    assertThat(CniConfig.toJson(stdin.at("/runtimeConfig/portMappings")))
        .isEqualTo(
            "[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"},"
                + "{\"hostPort\":5353,\"containerPort\":53,\"protocol\":\"udp\",\"hostIP\":\"127.0.0.1\"}]");

    JsonObject shaping =
        CniRunner.pluginStdin(NETWORK, NETWORK.plugins().get(2), previous, capabilityArgs());
    assertThat(CniConfig.toJson(shaping.get("runtimeConfig")))
        .isEqualTo(
            "{\"bandwidth\":{\"ingressRate\":1000,\"ingressBurst\":2000,\"egressRate\":0,\"egressBurst\":0}}");
  }

  /** As containerd passes them, to plugins that declare them (AWS's VPC CNI reads annotations). */
  @Test
  void podAnnotationsAndDnsGoToPluginsThatDeclareThem() throws Exception {
    CniConfig network =
        CniConfig.parse(
            """
            {"cniVersion":"1.0.0","name":"podnet","plugins":[
              {"type":"aws-cni","capabilities":{"io.kubernetes.cri.pod-annotations":true,"dns":true}},
              {"type":"portmap","capabilities":{"portMappings":true}}]}
            """
                .getBytes(StandardCharsets.UTF_8));
    PodNetworkRequest request =
        new PodNetworkRequest(
            "abc123",
            "web",
            "default",
            "uid-1",
            Path.of("/run/netns/x"),
            List.of(),
            Optional.empty(),
            java.util.Map.of("vpc.amazonaws.com/pod-eni", "[]"),
            Optional.of(
                new PodNetworkRequest.Dns(
                    List.of("10.96.0.10"),
                    List.of("default.svc.cluster.local"),
                    List.of("ndots:5"))));
    JsonObject args = PodNetwork.capabilityArgs(request);
    JsonObject declaring = CniRunner.pluginStdin(network, network.plugins().get(0), null, args);
    assertThat(CniConfig.toJson(declaring.get("runtimeConfig")))
        .isEqualTo(
            "{\"io.kubernetes.cri.pod-annotations\":{\"vpc.amazonaws.com/pod-eni\":\"[]\"},"
                + "\"dns\":{\"servers\":[\"10.96.0.10\"],\"searches\":[\"default.svc.cluster.local\"],"
                + "\"options\":[\"ndots:5\"]}}");
    JsonObject other = CniRunner.pluginStdin(network, network.plugins().get(1), null, args);
    assertThat(other.has("runtimeConfig")).isFalse();
  }

  @Test
  void cniArgsCarryThePodIdentity() {
    PodNetworkRequest request =
        new PodNetworkRequest("abc123", "web", "default", "uid-1", Path.of("/n"), List.of());
    assertThat(request.cniArgs())
        .isEqualTo(
            "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;"
                + "K8S_POD_INFRA_CONTAINER_ID=abc123;K8S_POD_UID=uid-1");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new PodNetworkRequest("abc", "web;X=1", "default", "u", Path.of("/n"), List.of()))
        .hasMessageContaining("CNI_ARGS");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new PodNetworkRequest("../x", "web", "default", "u", Path.of("/n"), List.of()))
        .hasMessageContaining("container id");
  }

  @Test
  void pluginErrorsBecomeTheirMessage() {
    byte[] error =
        "{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"failed to allocate\",\"details\":\"range full\"}"
            .getBytes(StandardCharsets.UTF_8);
    assertThat(CniExec.errorText(error, new byte[0], 1))
        .isEqualTo("failed to allocate: range full (code 7)");
    assertThat(CniExec.errorText(new byte[0], "panic: boom\n".getBytes(StandardCharsets.UTF_8), 2))
        .isEqualTo("panic: boom");
    assertThat(CniExec.errorText(new byte[0], new byte[0], 3)).isEqualTo("exit status 3");
  }

  @Test
  void bandwidthAnnotationsAreQuantities() {
    assertThat(Bandwidth.bitsPerSecond("k", "10M")).isEqualTo(10_000_000L);
    assertThat(Bandwidth.bitsPerSecond("k", "1Gi")).isEqualTo(1L << 30);
    assertThat(Bandwidth.bitsPerSecond("k", "1.5k")).isEqualTo(1500L);
    // The rest of Kubernetes' grammar, which kubelet passes on as the user wrote it.
    assertThat(Bandwidth.bitsPerSecond("k", "1e6")).isEqualTo(1_000_000L);
    assertThat(Bandwidth.bitsPerSecond("k", "2.5E+3")).isEqualTo(2500L);
    assertThat(Bandwidth.bitsPerSecond("k", "+10M")).isEqualTo(10_000_000L);
    assertThat(Bandwidth.bitsPerSecond("k", ".5Ki")).isEqualTo(512L);
    assertThat(Bandwidth.bitsPerSecond("k", "1500500m")).isEqualTo(1501L); // rounded up
    assertThat(Bandwidth.bitsPerSecond("k", "1.0000001k")).isEqualTo(1001L);
    for (String bad : new String[] {"1ki", "1K", "1e", "1e999999999", "10E", "1Ei0", ""}) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Bandwidth.bitsPerSecond("k", bad))
          .as(bad)
          .isInstanceOf(io.caisson.common.CaissonException.class);
    }
    assertThat(Bandwidth.fromAnnotations(java.util.Map.of())).isEmpty();
    Bandwidth b =
        Bandwidth.fromAnnotations(java.util.Map.of(Bandwidth.EGRESS_ANNOTATION, "1M"))
            .orElseThrow();
    assertThat(b.egressRate()).isEqualTo(1_000_000L);
    assertThat(b.egressBurst()).isPositive();
    assertThat(b.ingressRate()).isZero();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Bandwidth.fromAnnotations(java.util.Map.of(Bandwidth.INGRESS_ANNOTATION, "fast")))
        .hasMessageContaining("not a quantity");
  }
}
