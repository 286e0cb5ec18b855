package io.caisson.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pod networking with the real plugins from /usr/lib/cni: bridge + host-local + portmap, and
 * loopback. Everything is private to this test: a temp conf dir, host-local data dir and cache, a
 * bridge and subnet of its own, so it cannot collide with the node's real setup.
 */
class PodNetworkIT {
  private static final List<Path> BIN = List.of(Path.of("/usr/lib/cni"));
  // Unique per run: rules are told apart by the network name in their comments, and another copy
  // of this test (or the daemon's) may be networking pods on this node at the same time.
  private static final String NETWORK =
      "caisson-it-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 24);
  private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");
  private static final Path IP6_FORWARD = Path.of("/proc/sys/net/ipv6/conf/all/forwarding");

  private static Path root;
  private static String bridge;
  private static String subnetPrefix;
  private static String dualSubnetPrefix;
  private static Path ipamDir;
  private static Path stateDir;
  private static Path confDir;
  private static String ipForward;
  private static String ip6Forward;
  private static boolean portmapChainsBefore;

  private final List<Path> pinned = new ArrayList<>();
  private final List<ServerSocket> servers = new ArrayList<>();
  private final List<String> podIds = new ArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    root = Files.createTempDirectory("caisson-netit");
    // The bridge plugin turns forwarding on for gateways; put it back as found.
    ipForward = Files.readString(IP_FORWARD).strip();
    ip6Forward = Files.readString(IP6_FORWARD).strip();
    portmapChainsBefore = NetnsHost.portmapChainsExist();
    byte[] random = new byte[3];
    ThreadLocalRandom.current().nextBytes(random);
    bridge = "cit" + HexFormat.of().formatHex(random);
    subnetPrefix = "10.%d.%d.".formatted(200 + (random[0] & 0x1f), random[1] & 0xff);
    // A subnet of its own: two bridges routing one subnet would steal each other's traffic.
    dualSubnetPrefix = "10.%d.%d.".formatted(200 + (random[0] & 0x1f), (random[1] ^ 0x80) & 0xff);
    ipamDir = root.resolve("ipam");
    stateDir = root.resolve("state");
    confDir = root.resolve("net.d");
    Files.createDirectories(confDir);
    Files.writeString(
        confDir.resolve("10-it.conflist"),
        conflist(NETWORK, "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}"));
  }

  /** A bridge network of this test, with the given plugins chained after the bridge. */
  private static String conflist(String name, String... chained) {
    return conflistOfVersion("1.0.0", name, chained);
  }

  private static String conflistOfVersion(String version, String name, String... chained) {
    String bridgePlugin =
        """
        {"type":"bridge","bridge":"%s","isGateway":true,"ipMasq":true,"hairpinMode":true,
         "ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"%s0/24"}]],
                 "routes":[{"dst":"0.0.0.0/0"}]}}
        """
            .formatted(bridge, ipamDir, subnetPrefix);
    return "{\"cniVersion\":\"%s\",\"name\":\"%s\",\"plugins\":[%s]}"
        .formatted(
            version,
            name,
            String.join(",", Stream.concat(Stream.of(bridgePlugin), Stream.of(chained)).toList()));
  }

  @AfterEach
  void releaseNamespaces() throws IOException {
    for (ServerSocket server : servers) {
      server.close();
    }
    // A failed test may have left a pod attached: detach before the netns goes.
    PodNetwork cleanup = network(confDir);
    for (String podId : podIds) {
      cleanup.detach(podId);
    }
    pinned.forEach(NetnsHost::release);
  }

  @AfterAll
  static void tearDown() throws IOException {
    Files.writeString(IP_FORWARD, ipForward);
    Files.writeString(IP6_FORWARD, ip6Forward);
    if (!portmapChainsBefore) {
      NetnsHost.removeUnusedPortmapChains();
    }
    for (String name : List.of(bridge, dualStackBridge())) {
      try {
        NetnsHost.run("ip", "link", "del", name);
      } catch (IllegalStateException e) {
        // The bridge was never created.
      }
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static PodNetwork network(Path conf) {
    return PodNetwork.create(conf, BIN, stateDir, Duration.ofSeconds(30));
  }

  private Path netns(String podId) throws IOException {
    podIds.add(podId);
    Path path = root.resolve("netns").resolve(podId);
    NetnsHost.pin(path);
    pinned.add(path);
    return path;
  }

  private static PodNetworkRequest request(String podId, Path netns, List<PortMapping> ports) {
    return new PodNetworkRequest(podId, "pod-" + podId, "it-ns", "uid-" + podId, netns, ports);
  }

  private static List<String> allocatedIps() throws IOException {
    Path dir = ipamDir.resolve(NETWORK);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(subnetPrefix))
          .toList();
    }
  }

  private static List<String> bridgePorts() {
    try {
      return NetnsHost.run("ip", "-o", "link", "show", "master", bridge).lines().toList();
    } catch (IllegalStateException e) {
      return List.of(); // no bridge yet
    }
  }

  private static String nodeAddress() {
    // A non-loopback address of this node, to reach a host port the way other nodes would.
    return NetnsHost.run("hostname", "-I").strip().split("\\s+")[0];
  }

  @Test
  void attachGivesAReachablePodWithLoopbackUpAndHostPortsAndDetachRemovesEverything()
      throws Exception {
    String podId = "it" + Long.toHexString(System.nanoTime());
    Path netns = netns(podId);
    int hostPort = NetnsHost.freePort();
    PodNetwork network = network(confDir);
    assertThat(network.notReadyReason()).isEmpty();

    NetworkStatus status =
        network.attach(
            request(
                podId,
                netns,
                List.of(new PortMapping(PortMapping.Protocol.TCP, 8080, hostPort, ""))));

    assertThat(status.network()).isEqualTo(NETWORK);
    assertThat(status.ip()).startsWith(subnetPrefix);
    assertThat(status.additionalIps()).isEmpty();
    assertThat(allocatedIps()).containsExactly(status.ip());
    assertThat(bridgePorts()).hasSize(1);
    assertThat(NetnsHost.ipIn(netns, "ip", "-o", "-4", "addr", "show", "dev", "eth0"))
        .contains("inet " + status.ip() + "/24");
    String lo = NetnsHost.ipIn(netns, "ip", "-o", "link", "show", "dev", "lo");
    assertThat(lo).containsPattern("<[^>]*\\bUP\\b[^>]*>");
    assertThat(NetnsHost.ipIn(netns, "ip", "-o", "addr", "show", "dev", "lo"))
        .contains("127.0.0.1/8");
    NetnsHost.Footprint rules = NetnsHost.iptablesFootprint(List.of(podId), Set.of());
    assertThat(rules.chains()).hasSize(2);

    servers.add(NetnsHost.serveIn(netns, 8080));
    assertThat(NetnsHost.talk(status.ip(), 8080)).isEqualTo("pong");
    assertThat(NetnsHost.talk(nodeAddress(), hostPort)).isEqualTo("pong");
    assertThat(NetnsHost.talk("127.0.0.1", hostPort)).isEqualTo("pong");

    assertThat(network.status(podId))
        .hasValueSatisfying(s -> assertThat(s.ips()).isEqualTo(status.ips()));
    assertThatThrownBy(() -> network.attach(request(podId, netns, List.of())))
        .isInstanceOf(CaissonException.class)
        .satisfies(
            e ->
                assertThat(((CaissonException) e).kind())
                    .isEqualTo(CaissonException.Kind.ALREADY_EXISTS));

    // A restarted daemon whose config dir lost the network still detaches from its cache.
    Path emptyConf = Files.createDirectories(root.resolve("empty.d"));
    PodNetwork restarted = network(emptyConf);
    assertThat(restarted.notReadyReason()).isPresent();
    assertThat(restarted.status(podId)).isPresent();
    restarted.detach(podId);

    assertThat(bridgePorts()).isEmpty();
    assertThat(allocatedIps()).isEmpty();
    assertThat(NetnsHost.iptablesFootprint(List.of(podId), rules.chains()).lines()).isEmpty();
    assertThat(NetnsHost.ipIn(netns, "ip", "-o", "link", "show")).doesNotContain("eth0");
    assertThatThrownBy(() -> NetnsHost.talk("127.0.0.1", hostPort)).isInstanceOf(IOException.class);
    assertThat(restarted.status(podId)).isEmpty();
    assertThat(stateDir.resolve(podId)).doesNotExist();

    // Idempotent: again, and for a pod never seen.
    restarted.detach(podId);
    network.detach("never-attached");
    assertThatThrownBy(() -> network.check(podId))
        .satisfies(
            e ->
                assertThat(((CaissonException) e).kind())
                    .isEqualTo(CaissonException.Kind.NOT_FOUND));
  }

  @Test
  void checkReportsANetworkThatWasTamperedWith() throws Exception {
    String podId = "ck" + Long.toHexString(System.nanoTime());
    Path netns = netns(podId);
    // Bridge only: portmap 1.1.1's CHECK fails whenever ip6tables exists and the pod has no
    // IPv6 address ("could not check ipv6 dnat"), a plugin bug CHECK faithfully reports.
    Path conf = Files.createDirectories(root.resolve("check.d"));
    Files.writeString(conf.resolve("10-check.conflist"), conflist(NETWORK));
    PodNetwork network = network(conf);
    NetworkStatus status = network.attach(request(podId, netns, List.of()));
    try {
      assertThat(network.check(podId)).isTrue();
      // Take the route away, not the address: the bridge plugin finds the masquerade rules to
      // remove on DEL through the addresses still on eth0.
      NetnsHost.ipIn(netns, "ip", "route", "del", "default");
      assertThatThrownBy(() -> network.check(podId))
          .hasMessageContaining("CNI plugin bridge failed on CHECK");
    } finally {
      network.detach(podId);
    }
    assertThat(allocatedIps()).isEmpty();
    assertThat(bridgePorts()).isEmpty();
    assertThat(NetnsHost.iptablesFootprint(List.of(podId), Set.of()).lines()).isEmpty();
  }

  @Test
  void aMissingPluginFailsAttachAndLeavesNothingBehind() throws Exception {
    Path conf = Files.createDirectories(root.resolve("missing.d"));
    Files.writeString(
        conf.resolve("10-missing.conflist"), conflist(NETWORK, "{\"type\":\"nosuchplugin\"}"));
    String podId = "mp" + Long.toHexString(System.nanoTime());
    Path netns = netns(podId);
    PodNetwork network = network(conf);
    assertThat(network.notReadyReason())
        .hasValueSatisfying(r -> assertThat(r).contains("nosuchplugin"));

    assertThatThrownBy(
            () ->
                network.attach(
                    request(
                        podId,
                        netns,
                        List.of(
                            new PortMapping(
                                PortMapping.Protocol.TCP, 80, NetnsHost.freePort(), "")))))
        .isInstanceOf(CaissonException.class)
        .hasMessageContaining("CNI plugin \"nosuchplugin\" not found in [/usr/lib/cni]");

    assertNothingLeft(podId, netns);
  }

  @Test
  void aPluginErrorInTheMiddleOfTheChainFailsAttachWithItsMessageAndIsUndone() throws Exception {
    Path conf = Files.createDirectories(root.resolve("tuning.d"));
    Files.writeString(
        conf.resolve("10-tuning.conflist"),
        conflist(
            NETWORK,
            "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}",
            "{\"type\":\"tuning\",\"sysctl\":{\"net.ipv4.conf.eth0.no_such_knob\":\"1\"}}"));
    String podId = "pe" + Long.toHexString(System.nanoTime());
    Path netns = netns(podId);
    PodNetwork network = network(conf);
    assertThat(network.notReadyReason()).isEmpty();

    assertThatThrownBy(
            () ->
                network.attach(
                    request(
                        podId,
                        netns,
                        List.of(
                            new PortMapping(
                                PortMapping.Protocol.TCP, 80, NetnsHost.freePort(), "")))))
        .isInstanceOf(CaissonException.class)
        .hasMessageContaining("CNI plugin tuning failed on ADD")
        .hasMessageContaining("no_such_knob");

    assertNothingLeft(podId, netns);
  }

  private void assertNothingLeft(String podId, Path netns) throws IOException {
    assertThat(bridgePorts()).isEmpty();
    assertThat(allocatedIps()).isEmpty();
    assertThat(NetnsHost.iptablesFootprint(List.of(podId), Set.of()).lines()).isEmpty();
    assertThat(NetnsHost.ipIn(netns, "ip", "-o", "link", "show")).doesNotContain("eth0");
    assertThat(stateDir.resolve(podId)).doesNotExist();
  }

  @Test
  void twentyAttachDetachCyclesLeaveNothingBehind() throws Exception {
    PodNetwork network = network(confDir);
    List<String> markers = List.of(NETWORK, subnetPrefix, bridge);
    List<String> rulesBefore = NetnsHost.iptablesFootprint(markers, Set.of()).lines();
    List<String> ips = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String podId = "cy" + i + "x" + Long.toHexString(System.nanoTime());
      Path netns = netns(podId);
      NetworkStatus status =
          network.attach(
              request(
                  podId,
                  netns,
                  List.of(
                      new PortMapping(PortMapping.Protocol.TCP, 80, NetnsHost.freePort(), ""))));
      ips.add(status.ip());
      assertThat(bridgePorts()).hasSize(1);
      NetnsHost.Footprint attached = NetnsHost.iptablesFootprint(List.of(podId), Set.of());
      // bridge's masquerade chain and portmap's DNAT chain, both private to the pod.
      assertThat(attached.chains()).hasSize(2);
      network.detach(podId);
      NetnsHost.release(netns);
      pinned.remove(netns);
      assertThat(NetnsHost.iptablesFootprint(List.of(podId), attached.chains()).lines())
          .as("iptables lines of pod %d after detach", i)
          .isEmpty();
    }
    assertThat(ips).allMatch(ip -> ip.startsWith(subnetPrefix));
    assertThat(bridgePorts()).isEmpty();
    assertThat(allocatedIps()).isEmpty();
    assertThat(NetnsHost.iptablesFootprint(markers, Set.of()).lines()).isEqualTo(rulesBefore);
    try (Stream<Path> left = Files.list(stateDir)) {
      assertThat(left.toList()).isEmpty();
    }
  }

  @Test
  void anAttachInterruptedByACrashIsUndoneByTheNextAttachOrDetach() throws Exception {
    String podId = "cr" + Long.toHexString(System.nanoTime());
    Path netns = netns(podId);
    PodNetwork network = network(confDir);
    List<PortMapping> ports =
        List.of(new PortMapping(PortMapping.Protocol.TCP, 80, NetnsHost.freePort(), ""));
    network.attach(request(podId, netns, ports));
    forgetResult(podId);
    assertThat(network.status(podId)).isEmpty();

    // A new attach first DELs what the interrupted one did (its IP, veth and rules).
    NetworkStatus again = network.attach(request(podId, netns, ports));
    assertThat(allocatedIps()).containsExactly(again.ip());
    assertThat(bridgePorts()).hasSize(1);
    assertThat(NetnsHost.natRulesMentioning(podId)).hasSize(4);

    // A result a machine crash tore counts as none: the intent still has DEL undo everything.
    tearResult(podId);
    assertThat(network.status(podId)).isEmpty();
    network.detach(podId);
    assertNothingLeft(podId, netns);
  }

  /**
   * Makes the cache look like the daemon died after the plugins ran, before it saved the result.
   */
  private static void forgetResult(String podId) throws IOException {
    Path dir = stateDir.resolve(podId);
    assertThat(dir.resolve(PodNetwork.POD_INTERFACE + ".json")).exists();
    Files.delete(dir.resolve(PodNetwork.POD_INTERFACE + ".json.result"));
  }

  /** Makes the cache look like a machine crash tore the result, written without a flush. */
  private static void tearResult(String podId) throws IOException {
    Path result = stateDir.resolve(podId).resolve(PodNetwork.POD_INTERFACE + ".json.result");
    String whole = Files.readString(result);
    Files.writeString(result, whole.substring(0, whole.length() / 2));
  }

  @Test
  void aHangingPluginIsKilledAtTheTimeoutAndTheAttachUndone() throws Exception {
    Path bin = Files.createDirectories(root.resolve("bin-hang"));
    for (String type : List.of("bridge", "host-local", "loopback")) {
      Files.createSymbolicLink(bin.resolve(type), Path.of("/usr/lib/cni", type));
    }
    Path hang = bin.resolve("hang");
    Files.writeString(
        hang, "#!/bin/sh\nif [ \"$CNI_COMMAND\" = ADD ]; then sleep 59.777; fi\nexit 0\n");
    Files.setPosixFilePermissions(
        hang, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Path conf = Files.createDirectories(root.resolve("hang.d"));
    Files.writeString(conf.resolve("10-hang.conflist"), conflist(NETWORK, "{\"type\":\"hang\"}"));
    String podId = "hg" + Long.toHexString(System.nanoTime());
    Path netns = netns(podId);
    PodNetwork network = PodNetwork.create(conf, List.of(bin), stateDir, Duration.ofSeconds(2));

    long start = System.nanoTime();
    assertThatThrownBy(() -> network.attach(request(podId, netns, List.of())))
        .isInstanceOf(CaissonException.class)
        .hasMessageContaining("CNI plugin hang did not finish ADD within PT2S")
        .satisfies(
            e ->
                assertThat(((CaissonException) e).kind())
                    .isEqualTo(CaissonException.Kind.DEADLINE_EXCEEDED));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    assertNothingLeft(podId, netns);
    assertThat(NetnsHost.run("ps", "-eo", "args")).doesNotContain("sleep 59.777");
  }

  @Test
  void olderSpecVersionsAttachAndDetach() throws Exception {
    for (String version : List.of("0.3.1", "0.4.0")) {
      Path conf = Files.createDirectories(root.resolve("v" + version + ".d"));
      Files.writeString(
          conf.resolve("10-old.conflist"),
          conflistOfVersion(
              version, NETWORK, "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}"));
      String podId = "v" + version.replace(".", "") + "x" + Long.toHexString(System.nanoTime());
      Path netns = netns(podId);
      int hostPort = NetnsHost.freePort();
      PodNetwork network = network(conf);
      NetworkStatus status =
          network.attach(
              request(
                  podId,
                  netns,
                  List.of(new PortMapping(PortMapping.Protocol.TCP, 8080, hostPort, ""))));
      assertThat(status.result().cniVersion()).isEqualTo(version);
      assertThat(status.ip()).startsWith(subnetPrefix);
      ServerSocket server = NetnsHost.serveIn(netns, 8080);
      servers.add(server);
      assertThat(NetnsHost.talk("127.0.0.1", hostPort)).isEqualTo("pong");
      server.close();
      network.detach(podId);
      assertNothingLeft(podId, netns);
    }
  }

  private static String dualStackBridge() {
    return bridge + "6";
  }

  @Test
  void aDualStackPodGetsItsIpv4AddressFirstAndDetachFreesBoth() throws Exception {
    // The IPv6 subnet takes the random bytes of the IPv4 one, so parallel runs do not collide;
    // each group gets a leading 1 so none is zero, which the address's canonical form would drop.
    String v6Prefix =
        Arrays.stream(dualSubnetPrefix.substring(3, dualSubnetPrefix.length() - 1).split("\\."))
            .map(octet -> "1" + octet)
            .collect(Collectors.joining(":", "fd0c:", "::"));
    Path conf = Files.createDirectories(root.resolve("dual.d"));
    Path dualIpam = root.resolve("ipam-dual");
    Files.writeString(
        conf.resolve("10-dual.conflist"),
        """
        {"cniVersion":"1.0.0","name":"%s","plugins":[
          {"type":"bridge","bridge":"%s","isGateway":true,"ipMasq":true,
           "ipam":{"type":"host-local","dataDir":"%s",
                   "ranges":[[{"subnet":"%s/64"}],[{"subnet":"%s0/24"}]],
                   "routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0"}]}},
          {"type":"portmap","capabilities":{"portMappings":true}}]}
        """
            .formatted(NETWORK, dualStackBridge(), dualIpam, v6Prefix, dualSubnetPrefix));
    String podId = "ds" + Long.toHexString(System.nanoTime());
    Path netns = netns(podId);
    PodNetwork network = network(conf);

    // The IPv6 range is listed first: the pod IP must still be the IPv4 address.
    NetworkStatus status = network.attach(request(podId, netns, List.of()));
    NetnsHost.Footprint rules = NetnsHost.iptablesFootprint(List.of(podId), Set.of());
    assertThat(status.ip()).startsWith(dualSubnetPrefix);
    assertThat(status.additionalIps()).singleElement().asString().startsWith(v6Prefix);
    String eth0 = NetnsHost.ipIn(netns, "ip", "-o", "addr", "show", "dev", "eth0");
    assertThat(eth0)
        .contains("inet " + status.ip() + "/24")
        .contains("inet6 " + status.additionalIps().getFirst() + "/64");
    assertThat(rules.lines()).anyMatch(l -> l.startsWith("v6 nat"));
    try (Stream<Path> held = Files.list(dualIpam.resolve(NETWORK))) {
      assertThat(held.map(p -> p.getFileName().toString()))
          .contains(status.ip(), status.additionalIps().getFirst());
    }

    network.detach(podId);
    try (Stream<Path> held = Files.list(dualIpam.resolve(NETWORK))) {
      assertThat(held.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.startsWith(dualSubnetPrefix) || n.startsWith(v6Prefix));
    }
    assertThat(NetnsHost.iptablesFootprint(List.of(podId), rules.chains()).lines()).isEmpty();
    assertThat(NetnsHost.run("ip", "-o", "link", "show", "master", dualStackBridge())).isBlank();
    NetnsHost.run("ip", "link", "del", dualStackBridge());
  }

  @Test
  void podsAttachedAndDetachedConcurrentlyAreEachReachableAndLeaveNothingBehind() throws Exception {
    int pods = 8;
    PodNetwork network = network(confDir);
    List<String> ids = new ArrayList<>();
    List<Path> namespaces = new ArrayList<>();
    List<Integer> hostPorts = new ArrayList<>();
    for (int i = 0; i < pods; i++) {
      String podId = "cc" + i + "x" + Long.toHexString(System.nanoTime());
      ids.add(podId);
      namespaces.add(netns(podId));
      // Ports the kernel hands out one after another may repeat once closed; two pods on one host
      // port would each answer for the other.
      int port = NetnsHost.freePort();
      while (hostPorts.contains(port)) {
        port = NetnsHost.freePort();
      }
      hostPorts.add(port);
    }
    List<NetworkStatus> statuses = new ArrayList<>();
    try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      List<java.util.concurrent.Future<NetworkStatus>> attached = new ArrayList<>();
      for (int i = 0; i < pods; i++) {
        int n = i;
        attached.add(
            executor.submit(
                () ->
                    network.attach(
                        request(
                            ids.get(n),
                            namespaces.get(n),
                            List.of(
                                new PortMapping(
                                    PortMapping.Protocol.TCP, 8080, hostPorts.get(n), ""))))));
      }
      for (var future : attached) {
        statuses.add(future.get());
      }
    }
    assertThat(statuses.stream().map(NetworkStatus::ip).distinct()).hasSize(pods);
    assertThat(allocatedIps()).hasSize(pods);
    assertThat(bridgePorts()).hasSize(pods);
    for (int i = 0; i < pods; i++) {
      ServerSocket server = NetnsHost.serveIn(namespaces.get(i), 8080);
      servers.add(server);
      assertThat(NetnsHost.talk(statuses.get(i).ip(), 8080)).isEqualTo("pong");
      assertThat(NetnsHost.talk("127.0.0.1", hostPorts.get(i))).isEqualTo("pong");
      server.close();
    }

    List<NetnsHost.Footprint> rules = new ArrayList<>();
    for (String podId : ids) {
      rules.add(NetnsHost.iptablesFootprint(List.of(podId), Set.of()));
    }
    try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      List<java.util.concurrent.Future<?>> detached = new ArrayList<>();
      for (String podId : ids) {
        detached.add(executor.submit(() -> network.detach(podId)));
      }
      for (var future : detached) {
        future.get();
      }
    }
    assertThat(allocatedIps()).isEmpty();
    assertThat(bridgePorts()).isEmpty();
    for (int i = 0; i < pods; i++) {
      assertThat(NetnsHost.iptablesFootprint(List.of(ids.get(i)), rules.get(i).chains()).lines())
          .isEmpty();
      assertThat(stateDir.resolve(ids.get(i))).doesNotExist();
    }
  }

  @Test
  void udpAndHostIpBoundPortsAreForwardedOnlyWhereAsked() throws Exception {
    String podId = "ud" + Long.toHexString(System.nanoTime());
    Path netns = netns(podId);
    int udpPort = NetnsHost.freePort();
    int boundPort = NetnsHost.freePort();
    String node = nodeAddress();
    PodNetwork network = network(confDir);
    NetworkStatus status =
        network.attach(
            request(
                podId,
                netns,
                List.of(
                    new PortMapping(PortMapping.Protocol.UDP, 5353, udpPort, ""),
                    new PortMapping(PortMapping.Protocol.TCP, 8080, boundPort, node))));
    NetnsHost.Footprint rules = NetnsHost.iptablesFootprint(List.of(podId), Set.of());
    servers.add(NetnsHost.serveIn(netns, 8080));
    try (var udp = NetnsHost.serveUdpIn(netns, 5353)) {
      assertThat(NetnsHost.udpTalk(status.ip(), 5353)).isEqualTo("pong");
      assertThat(NetnsHost.udpTalk(node, udpPort)).isEqualTo("pong");
      assertThat(NetnsHost.talk(node, boundPort)).isEqualTo("pong");
      // Bound to the node address only: not forwarded on loopback.
      assertThatThrownBy(() -> NetnsHost.talk("127.0.0.1", boundPort))
          .isInstanceOf(IOException.class);
    }
    network.detach(podId);
    assertThat(NetnsHost.iptablesFootprint(List.of(podId), rules.chains()).lines()).isEmpty();
    assertThat(allocatedIps()).isEmpty();
  }
}
