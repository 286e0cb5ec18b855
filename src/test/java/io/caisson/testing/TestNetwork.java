package io.caisson.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A CNI network of the test's own: a conf dir with a bridge + host-local + portmap conflist on a
 * bridge name and subnet nobody else uses, and the IPAM data dir, so daemon tests can run pods with
 * real CNI without touching the node's own network. {@link #close()} deletes the bridge.
 */
public final class TestNetwork implements AutoCloseable {
  private final Path confDir;
  private final Path ipamDir;
  private final String bridge;
  private final String name;
  private final String subnetPrefix;

  public TestNetwork(Path dir) throws IOException {
    byte[] random = new byte[3];
    ThreadLocalRandom.current().nextBytes(random);
    this.bridge = "cdt" + HexFormat.of().formatHex(random);
    // The network's name is in every NAT rule's comment: checks match on it, so rules another
    // test left for the same (random) subnet never count against this one.
    this.name = "caisson-test-" + HexFormat.of().formatHex(random);
    this.subnetPrefix = "10.%d.%d.".formatted(232 + (random[0] & 0x0f), random[1] & 0xff);
    this.confDir = Files.createDirectories(dir.resolve("net.d"));
    this.ipamDir = dir.resolve("ipam");
    Files.writeString(
        confDir.resolve("10-test.conflist"),
        """
        {"cniVersion": "1.0.0", "name": "%s", "plugins": [
          {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": true, "hairpinMode": true,
           "ipam": {"type": "host-local", "dataDir": "%s",
                    "ranges": [[{"subnet": "%s0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
          {"type": "portmap", "capabilities": {"portMappings": true}}
        ]}
        """
            .formatted(name, bridge, ipamDir, subnetPrefix));
  }

  /** Daemon flags that point it at this network. */
  public String[] daemonArgs() {
    return new String[] {"--cni-conf-dir", confDir.toString()};
  }

  public Path confDir() {
    return confDir;
  }

  public String subnetPrefix() {
    return subnetPrefix;
  }

  /** Addresses host-local still holds for this network. */
  public long allocatedIps() throws IOException {
    Path dir = ipamDir.resolve(name);
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (var files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith(subnetPrefix)).count();
    }
  }

  /** Fails unless no pod is attached: no port on the bridge, no address held, no NAT rule. */
  public void assertNothingAttached() throws Exception {
    org.assertj.core.api.Assertions.assertThat(run("ip", "-o", "link", "show", "master", bridge))
        .as("veths left on the test bridge")
        .isBlank();
    org.assertj.core.api.Assertions.assertThat(allocatedIps())
        .as("addresses left allocated")
        .isZero();
    org.assertj.core.api.Assertions.assertThat(
            run("iptables-save", "-t", "nat")
                .lines()
                .filter(l -> l.contains("name: \\\"" + name + "\\\""))
                .toList())
        .as("NAT rules left for the test subnet")
        .isEmpty();
  }

  /**
   * What a reboot does to this network's NAT rules: they are gone (the bridge plugin's DEL finds
   * the addresses to clean up inside the pod's namespace, which a reboot took too).
   */
  public void dropNatRulesAsARebootWould() throws Exception {
    String marker = "name: \"" + name + "\"";
    List<String> chains = new ArrayList<>();
    List<Integer> postrouting = new ArrayList<>();
    for (String line :
        run("iptables", "-t", "nat", "-L", "POSTROUTING", "-n", "--line-numbers")
            .lines()
            .toList()) {
      if (line.contains(marker)) {
        String[] fields = line.trim().split("\\s+");
        postrouting.add(Integer.parseInt(fields[0]));
        chains.add(fields[1]);
      }
    }
    for (int number : postrouting.reversed()) {
      run("iptables", "-t", "nat", "-D", "POSTROUTING", Integer.toString(number));
    }
    for (String chain : chains) {
      run("iptables", "-t", "nat", "-F", chain);
      run("iptables", "-t", "nat", "-X", chain);
    }
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes());
    process.waitFor();
    return out.contains("does not exist") ? "" : out;
  }

  @Override
  public void close() throws Exception {
    new ProcessBuilder("ip", "link", "del", bridge)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor();
  }
}
