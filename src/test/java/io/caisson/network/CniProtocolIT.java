package io.caisson.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.cri.v1.Protocol;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import io.caisson.sandbox.SandboxNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What plugins actually receive across the process boundary, seen by recording plugins (shell + jq)
 * chained after nothing but themselves: the CNI_* environment, the stdin config with name, version,
 * prevResult and runtimeConfig, the order of ADD / CHECK / DEL, and DEL from the cache after a
 * restart. The real loopback plugin runs first in a real pinned netns.
 */
class CniProtocolIT {
  private static final String RESULT =
      """
      {"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"%s"}],
       "ips":[{"address":"fd00:db8::5/64","interface":0},{"address":"192.0.2.5/24","interface":0}]}
      """;

  private Path root;
  private Path bin;
  private Path log;
  private Path conf;
  private Path netns;
  private Path state;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createTempDirectory("caisson-cniproto");
    bin = Files.createDirectories(root.resolve("bin"));
    log = Files.createDirectories(root.resolve("log"));
    conf = Files.createDirectories(root.resolve("net.d"));
    state = root.resolve("state");
    Files.createSymbolicLink(bin.resolve("loopback"), Path.of("/usr/lib/cni/loopback"));
    // Records its environment and stdin as <seq>-<command>-<type>.{env,stdin}. The first plugin
    // of a chain invents a dual-stack result; a chained one passes its prevResult on.
    executable(
        bin.resolve("recorder"),
        """
        #!/bin/sh
        in=$(cat)
        n=$(ls %1$s | grep -c stdin)
        f=%1$s/$(printf %%02d $n)-$CNI_COMMAND-$(echo "$in" | jq -r .type)
        echo "$in" > $f.stdin
        env | grep ^CNI_ | sort > $f.env
        [ "$CNI_COMMAND" = ADD ] || exit 0
        if echo "$in" | jq -e .prevResult > /dev/null; then
          echo "$in" | jq -c .prevResult
        else
          printf '%2$s' "$CNI_NETNS"
        fi
        """
            .formatted(log, RESULT.replace("\n", "")));
    for (String type : List.of("rec-a", "rec-b")) {
      Files.createSymbolicLink(bin.resolve(type), bin.resolve("recorder"));
    }
    executable(
        bin.resolve("refuse"),
        """
        #!/bin/sh
        cat > /dev/null
        [ "$CNI_COMMAND" = ADD ] || exit 0
        echo '{"cniVersion":"1.0.0","code":11,"msg":"no luck today","details":"try later"}'
        exit 1
        """);
    netns = root.resolve("netns");
    NetnsHost.pin(netns);
  }

  private static void executable(Path file, String text) throws IOException {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterEach
  void tearDown() throws IOException {
    NetnsHost.release(netns);
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private PodNetwork network(Path confDir) {
    return PodNetwork.create(confDir, List.of(bin), state, Duration.ofSeconds(20));
  }

  private void writeConf(String plugins) throws IOException {
    Files.writeString(
        conf.resolve("10-rec.conflist"),
        "{\"cniVersion\":\"1.0.0\",\"name\":\"recnet\",\"plugins\":[" + plugins + "]}");
  }

  /** The recorded calls, oldest first, as "ADD-rec-a" etc. */
  private List<String> calls() throws IOException {
    try (Stream<Path> files = Files.list(log)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".stdin"))
          .sorted()
          .map(n -> n.substring(3, n.length() - ".stdin".length()))
          .toList();
    }
  }

  private JsonValue stdin(int index) throws IOException {
    return Json.parse(recorded(index, ".stdin"));
  }

  private Map<String, String> env(int index) throws IOException {
    return Files.readString(recorded(index, ".env"))
        .lines()
        .map(l -> l.split("=", 2))
        .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
  }

  private Path recorded(int index, String suffix) throws IOException {
    try (Stream<Path> files = Files.list(log)) {
      String prefix = "%02d-".formatted(index);
      return files
          .filter(p -> p.getFileName().toString().startsWith(prefix))
          .filter(p -> p.getFileName().toString().endsWith(suffix))
          .findFirst()
          .orElseThrow();
    }
  }

  @Test
  void pluginsGetTheSpecifiedEnvironmentAndConfigAndDelRunsInReverseFromTheCache()
      throws Exception {
    writeConf(
        """
        {"type":"rec-a","mine":{"kept":true}},
        {"type":"rec-b","capabilities":{"portMappings":true,"bandwidth":true,"unknownCap":true}}
        """);
    String podId = "proto" + Long.toHexString(System.nanoTime());
    PodSandboxConfig config =
        PodSandboxConfig.newBuilder()
            .setMetadata(
                PodSandboxMetadata.newBuilder().setName("web").setNamespace("shop").setUid("u-1"))
            .addPortMappings(
                io.caisson.cri.v1.PortMapping.newBuilder()
                    .setProtocol(Protocol.UDP)
                    .setContainerPort(53)
                    .setHostPort(5353)
                    .setHostIp("127.0.0.1"))
            .addPortMappings(
                // Declared but not published: not handed to CNI.
                io.caisson.cri.v1.PortMapping.newBuilder().setContainerPort(80))
            .putAnnotations(Bandwidth.INGRESS_ANNOTATION, "10M")
            .build();
    CniSandboxNetwork sandboxNetwork = new CniSandboxNetwork(network(conf), new PodFiles());

    SandboxNetwork.PodIps ips = sandboxNetwork.prepare(podId, config, netns).attach();

    assertThat(ips).isEqualTo(new SandboxNetwork.PodIps("192.0.2.5", List.of("fd00:db8::5")));
    assertThat(calls()).containsExactly("ADD-rec-a", "ADD-rec-b");
    assertThat(NetnsHost.ipIn(netns, "ip", "-o", "link", "show", "dev", "lo"))
        .containsPattern("<[^>]*\\bUP\\b[^>]*>");
    for (int i = 0; i < 2; i++) {
      assertThat(env(i))
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  "CNI_COMMAND",
                  "ADD",
                  "CNI_CONTAINERID",
                  podId,
                  "CNI_NETNS",
                  netns.toString(),
                  "CNI_IFNAME",
                  "eth0",
                  "CNI_PATH",
                  bin.toString(),
                  "CNI_ARGS",
                  "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web;"
                      + "K8S_POD_INFRA_CONTAINER_ID="
                      + podId
                      + ";K8S_POD_UID=u-1"));
    }
    JsonValue first = stdin(0);
    assertThat(first.get("name").asText()).isEqualTo("recnet");
    assertThat(first.get("cniVersion").asText()).isEqualTo("1.0.0");
    assertThat(first.at("/mine/kept").asBoolean()).isTrue();
    assertThat(first.has("prevResult")).isFalse();
    assertThat(first.has("runtimeConfig")).isFalse();
    JsonValue second = stdin(1);
    JsonValue result = Json.parse(RESULT.formatted(netns));
    assertThat(second.get("prevResult")).isEqualTo(result);
    assertThat(CniConfig.toJson(second.get("runtimeConfig")))
        .isEqualTo(
            "{\"portMappings\":[{\"hostPort\":5353,\"containerPort\":53,\"protocol\":\"udp\","
                + "\"hostIP\":\"127.0.0.1\"}],\"bandwidth\":{\"ingressRate\":10000000,"
                + "\"ingressBurst\":4294967295,\"egressRate\":0,\"egressBurst\":0}}");

    PodNetwork network = network(conf);
    assertThat(network.check(podId)).isTrue();
    assertThat(calls()).containsExactly("ADD-rec-a", "ADD-rec-b", "CHECK-rec-a", "CHECK-rec-b");
    assertThat(stdin(2).get("prevResult")).isEqualTo(result);
    assertThat(stdin(3).get("prevResult")).isEqualTo(result);

    // A restarted daemon with no network config left: DEL comes from the cache, in reverse.
    Files.delete(conf.resolve("10-rec.conflist"));
    PodNetwork restarted = network(conf);
    assertThat(restarted.notReadyReason()).isPresent();
    restarted.detach(podId);
    assertThat(calls())
        .containsExactly(
            "ADD-rec-a", "ADD-rec-b", "CHECK-rec-a", "CHECK-rec-b", "DEL-rec-b", "DEL-rec-a");
    for (int i = 4; i < 6; i++) {
      assertThat(stdin(i).get("prevResult")).isEqualTo(result);
      assertThat(env(i)).containsEntry("CNI_COMMAND", "DEL").containsEntry("CNI_IFNAME", "eth0");
    }
    assertThat(stdin(4).get("runtimeConfig")).isEqualTo(second.get("runtimeConfig"));

    restarted.detach(podId);
    assertThat(calls()).hasSize(6);
    assertThat(state.resolve(podId)).doesNotExist();
  }

  @Test
  void aPluginsErrorObjectFailsTheAttachWithItsWordsAndTheChainIsDeletedInReverse()
      throws Exception {
    writeConf("{\"type\":\"rec-a\"},{\"type\":\"rec-b\"},{\"type\":\"refuse\"}");
    String podId = "refused" + Long.toHexString(System.nanoTime());
    PodNetwork network = network(conf);

    assertThatThrownBy(
            () ->
                network.attach(
                    new PodNetworkRequest(podId, "web", "shop", "u-2", netns, List.of())))
        .isInstanceOf(CaissonException.class)
        .hasMessage(
            "network \"recnet\": CNI plugin refuse failed on ADD: no luck today: try later (code"
                + " 11)");

    // The undo gives no prevResult: the chain never finished, so there is no result to trust.
    assertThat(calls()).containsExactly("ADD-rec-a", "ADD-rec-b", "DEL-rec-b", "DEL-rec-a");
    assertThat(stdin(2).has("prevResult")).isFalse();
    assertThat(network.status(podId)).isEmpty();
    assertThat(state.resolve(podId)).doesNotExist();
    network.detach(podId);
    assertThat(calls()).hasSize(4);
  }

  @Test
  void aPreparedAttachRunsNoPluginAndADaemonThatDiedBeforeThePluginsIsUndoneInFull()
      throws Exception {
    writeConf("{\"type\":\"rec-a\"},{\"type\":\"rec-b\"}");
    String podId = "prepared" + Long.toHexString(System.nanoTime());
    PodSandboxConfig config =
        PodSandboxConfig.newBuilder()
            .setMetadata(
                PodSandboxMetadata.newBuilder().setName("web").setNamespace("shop").setUid("u-3"))
            .build();
    CniSandboxNetwork sandboxNetwork = new CniSandboxNetwork(network(conf), new PodFiles());

    // Prepared before its namespace exists: the intent is on disk and no plugin ran; abandoned,
    // nothing is left and still no plugin ran.
    SandboxNetwork.PendingAttach pending =
        sandboxNetwork.prepare(podId, config, root.resolve("netns-not-yet"));
    assertThat(calls()).isEmpty();
    assertThat(state.resolve(podId)).isDirectory();
    pending.abandon();
    assertThat(calls()).isEmpty();
    assertThat(state.resolve(podId)).doesNotExist();
    assertThatThrownBy(pending::attach).isInstanceOf(IllegalStateException.class);

    // A daemon that died between the prepare and the plugins: as it cannot tell how far the
    // plugins got, the next attach DELs the whole chain first.
    PodNetworkRequest request =
        new PodNetworkRequest(podId, "web", "shop", "u-3", netns, List.of());
    network(conf).prepare(request);
    PodNetwork restarted = network(conf);
    assertThat(restarted.attach(request).ips()).isNotEmpty();
    assertThat(calls()).containsExactly("DEL-rec-b", "DEL-rec-a", "ADD-rec-a", "ADD-rec-b");
    restarted.detach(podId);
    assertThat(state.resolve(podId)).doesNotExist();
  }

  @Test
  void aResultThatCannotBeSavedFailsTheAttachAfterTheChainIsDeleted() throws Exception {
    // The last plugin makes the pod's cache dir immutable, as a failing disk would refuse the
    // write: the chain has run and its result cannot be saved.
    Path probe = Files.createDirectories(root.resolve("probe"));
    assumeTrue(chattr("+i", probe), "chattr +i works on " + root);
    chattr("-i", probe);
    executable(
        bin.resolve("freeze"),
        """
        #!/bin/sh
        in=$(cat)
        [ "$CNI_COMMAND" = ADD ] || exit 0
        chattr +i %s/$CNI_CONTAINERID || exit 1
        echo "$in" | jq -c .prevResult
        """
            .formatted(state));
    writeConf("{\"type\":\"rec-a\"},{\"type\":\"freeze\"}");
    String podId = "unsaved" + Long.toHexString(System.nanoTime());
    PodNetwork network = network(conf);
    PodNetworkRequest request =
        new PodNetworkRequest(podId, "web", "shop", "u-4", netns, List.of());
    try {
      assertThatThrownBy(() -> network.attach(request))
          .isInstanceOf(CaissonException.class)
          .hasMessageContaining("cannot write CNI cache");
      assertThat(calls()).containsExactly("ADD-rec-a", "DEL-rec-a");
      assertThat(network.status(podId)).isEmpty();
    } finally {
      chattr("-i", state.resolve(podId));
    }
    // The intent the undo could not remove makes a later DEL run the chain once more.
    network.detach(podId);
    assertThat(calls()).containsExactly("ADD-rec-a", "DEL-rec-a", "DEL-rec-a");
    assertThat(state.resolve(podId)).doesNotExist();
  }

  private static boolean chattr(String flag, Path dir) throws Exception {
    return new ProcessBuilder("chattr", flag, dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start()
            .waitFor()
        == 0;
  }
}
