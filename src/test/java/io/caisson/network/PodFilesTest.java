package io.caisson.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodFilesTest {
  @TempDir Path tmp;
  private PodFiles files;
  private Path pod;

  @BeforeEach
  void setUp() throws Exception {
    Files.writeString(
        tmp.resolve("host-resolv.conf"), "nameserver 192.0.2.53\nsearch node.example\n");
    Files.writeString(tmp.resolve("host-hosts"), "127.0.0.1 localhost\n192.0.2.2 node1\n");
    files = new PodFiles(tmp.resolve("host-resolv.conf"), tmp.resolve("host-hosts"));
    pod = tmp.resolve("pods/p1");
  }

  @Test
  void writesTheDnsConfigHostnameAndHosts() throws Exception {
    DnsConfig dns =
        new DnsConfig(
            List.of("10.96.0.10", "fd00::10"),
            List.of("default.svc.cluster.local", "svc.cluster.local", "cluster.local"),
            List.of("ndots:5", "edns0"));
    files.write(
        pod, new PodFiles.Spec("web-0", Optional.of(dns), List.of("fd00::5", "10.88.0.5"), false));

    assertThat(Files.readString(pod.resolve("hostname"))).isEqualTo("web-0\n");
    assertThat(Files.readString(pod.resolve("resolv.conf")))
        .isEqualTo(
            """
            search default.svc.cluster.local svc.cluster.local cluster.local
            nameserver 10.96.0.10
            nameserver fd00::10
            options ndots:5 edns0
            """);
    String hosts = Files.readString(pod.resolve("hosts"));
    assertThat(hosts)
        .startsWith("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    assertThat(hosts).endsWith("10.88.0.5\tweb-0\nfd00::5\tweb-0\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pod.resolve("hosts"))))
        .isEqualTo("rw-r--r--");
  }

  @Test
  void withoutDnsConfigTheHostsResolverIsCopied() throws Exception {
    files.write(pod, new PodFiles.Spec("p", Optional.empty(), List.of(), false));
    assertThat(Files.readString(pod.resolve("resolv.conf")))
        .isEqualTo("nameserver 192.0.2.53\nsearch node.example\n");
    files.write(
        pod,
        new PodFiles.Spec("p", Optional.of(new DnsConfig(null, null, null)), List.of(), false));
    assertThat(Files.readString(pod.resolve("resolv.conf"))).contains("192.0.2.53");
    assertThat(Files.readString(pod.resolve("hosts"))).doesNotContain("\tp\n");
  }

  @Test
  void hostNetworkPodsGetTheNodesHostsFile() throws Exception {
    files.write(pod, new PodFiles.Spec("node1", Optional.empty(), List.of(), true));
    assertThat(Files.readString(pod.resolve("hosts")))
        .isEqualTo("127.0.0.1 localhost\n192.0.2.2 node1\n");
    assertThat(Files.readString(pod.resolve("hostname"))).isEqualTo("node1\n");
  }

  @Test
  void refusesValuesThatWouldInjectLines() {
    assertThatThrownBy(() -> new DnsConfig(List.of("10.0.0.1\nnameserver 6.6.6.6"), null, null))
        .hasMessageContaining("not an IP address");
    assertThatThrownBy(() -> new DnsConfig(List.of("dns.example"), null, null))
        .hasMessageContaining("not an IP address");
    assertThatThrownBy(() -> new DnsConfig(null, List.of("a.example\noptions debug"), null))
        .hasMessageContaining("not a domain name");
    assertThatThrownBy(() -> new DnsConfig(null, List.of("a b"), null))
        .hasMessageContaining("not a domain name");
    assertThatThrownBy(() -> new DnsConfig(null, null, List.of("ndots:5 debug")))
        .hasMessageContaining("single resolver option");
    assertThatThrownBy(() -> new DnsConfig(null, Collections.nCopies(33, "a.example"), null))
        .hasMessageContaining("more than 32");
    assertThatThrownBy(
            () ->
                new DnsConfig(
                    null, Collections.nCopies(20, "x".repeat(63) + "." + "y".repeat(63)), null))
        .hasMessageContaining("characters long");
    assertThatThrownBy(() -> new PodFiles.Spec("bad\nhost", Optional.empty(), List.of(), false))
        .hasMessageContaining("not a valid hostname");
    assertThatThrownBy(() -> new PodFiles.Spec("x".repeat(65), Optional.empty(), List.of(), false))
        .hasMessageContaining("not a valid hostname");
    // A node named outside RFC 1123 still runs its host-network pods; a pod may not ask for one.
    assertThat(new PodFiles.Spec("my_host", Optional.empty(), List.of(), true).hostname())
        .isEqualTo("my_host");
    assertThat(PodFiles.isHostName("my_host")).isFalse();
    assertThat(PodFiles.isHostName("foo-")).isFalse();
    assertThat(PodFiles.isHostName("a..b")).isFalse();
    assertThat(PodFiles.isHostName("web-0.db")).isTrue();
    assertThatThrownBy(
            () -> new PodFiles.Spec("ok", Optional.empty(), List.of("10.0.0.1 evil"), false))
        .hasMessageContaining("not an IP address");
  }

  @Test
  void acceptsCommonResolverValues() {
    DnsConfig dns =
        new DnsConfig(
            List.of("8.8.8.8"),
            List.of("ns1.svc.cluster.local.", "_srv.example", "."),
            List.of("timeout:2", "single-request-reopen", "use-vc", "trust-ad"));
    assertThat(dns.resolvConf()).contains("search ns1.svc.cluster.local. _srv.example .\n");
  }
}
