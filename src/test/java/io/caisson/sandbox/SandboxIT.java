package io.caisson.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.cri.v1.DNSConfig;
import io.caisson.cri.v1.LinuxPodSandboxConfig;
import io.caisson.cri.v1.LinuxSandboxSecurityContext;
import io.caisson.cri.v1.ListPodSandboxRequest;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.cri.v1.NamespaceOption;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxFilter;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.cri.v1.PodSandboxState;
import io.caisson.cri.v1.PodSandboxStateValue;
import io.caisson.cri.v1.PodSandboxStatus;
import io.caisson.cri.v1.PodSandboxStatusRequest;
import io.caisson.cri.v1.RemovePodSandboxRequest;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.StopPodSandboxRequest;
import io.caisson.testing.DaemonProcess;
import io.caisson.testing.LeakCheck;
import io.caisson.testing.TestNetwork;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pod sandboxes through the real daemon: pinned namespaces, real CNI, pod files, shm. */
class SandboxIT {
  @TempDir Path dir;
  private TestNetwork network;
  private DaemonProcess daemon;
  private LeakCheck leaks;

  @BeforeEach
  void start() throws Exception {
    leaks = LeakCheck.snapshot(dir);
    network = new TestNetwork(dir);
    daemon = DaemonProcess.start(dir.resolve("daemon"), network.daemonArgs());
  }

  @AfterEach
  void stop() throws Exception {
    daemon.close();
    network.assertNothingAttached();
    network.close();
    leaks.assertNothingLeaked();
  }

  @Test
  void runStatusStopRemove() throws Exception {
    PodSandboxConfig config =
        pod("web")
            .setHostname("web-host")
            .setDnsConfig(DNSConfig.newBuilder().addServers("10.0.0.10").addSearches("svc.local"))
            .putLabels("app", "web")
            .putAnnotations("note", "kept")
            .build();
    String id = run(config);

    PodSandboxStatus status = status(id);
    assertThat(status.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
    assertThat(status.getNetwork().getIp()).startsWith(network.subnetPrefix());
    assertThat(status.getLabelsMap()).containsEntry("app", "web");
    assertThat(status.getAnnotationsMap()).containsEntry("note", "kept");
    assertThat(status.getMetadata()).isEqualTo(config.getMetadata());
    assertThat(status.getCreatedAt()).isPositive();

    Path podDir = daemon.dir().resolve("state/sandboxes").resolve(id);
    assertThat(Files.readString(podDir.resolve("resolv.conf")))
        .contains("nameserver 10.0.0.10")
        .contains("search svc.local");
    assertThat(Files.readString(podDir.resolve("hostname")).strip()).isEqualTo("web-host");
    assertThat(Files.readString(podDir.resolve("hosts"))).contains("web-host");
    assertThat(mounts()).contains(podDir.resolve("ns/net").toString());
    // Set up inside the new namespaces: the hostname in the pod's UTS one, lo up in its network.
    assertThat(nsenter("--uts=" + podDir.resolve("ns/uts"), "uname", "-n")).isEqualTo("web-host");
    assertThat(nsenter("--net=" + podDir.resolve("ns/net"), "ip", "-o", "link", "show", "lo"))
        .containsPattern("<[^>]*\\bUP\\b[^>]*>");
    assertThat(mounts()).contains(podDir.resolve("shm").toString());
    assertThat(network.allocatedIps()).isEqualTo(1);

    daemon.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    assertThat(status(id).getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
    assertThat(network.allocatedIps()).isZero();
    // Stop is idempotent.
    daemon.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());

    daemon
        .runtime()
        .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    assertThat(mounts()).doesNotContain(podDir.toString());
    assertThat(podDir).doesNotExist();
    assertNotFound(() -> status(id));
    daemon
        .runtime()
        .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    daemon
        .runtime()
        .stopPodSandbox(
            StopPodSandboxRequest.newBuilder().setPodSandboxId("abcdef0123456789").build());
  }

  @Test
  void theSameMetadataCannotRunTwice() throws Exception {
    PodSandboxConfig config = pod("twice").build();
    String first = run(config);
    assertThatThrownBy(() -> run(config))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
              assertThat(e.getStatus().getDescription()).contains(first);
            });
    remove(first);
    remove(run(config));
  }

  @Test
  void badInputIsRefusedAndLeavesNothing() throws Exception {
    assertInvalid(
        RunPodSandboxRequest.newBuilder()
            .setConfig(PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder()))
            .build());
    assertInvalid(
        RunPodSandboxRequest.newBuilder().setConfig(pod("h")).setRuntimeHandler("kata").build());
    assertInvalid(
        RunPodSandboxRequest.newBuilder()
            .setConfig(
                pod("sysctl")
                    .setLinux(LinuxPodSandboxConfig.newBuilder().putSysctls("vm.swappiness", "1")))
            .build());
    assertNotFound(() -> status("abcdef"));
    assertThatThrownBy(() -> status("../etc"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThat(mounts()).doesNotContain(daemon.dir().toString());
  }

  @Test
  void aCniFailureUndoesEverything() throws Exception {
    Files.writeString(
        network.confDir().resolve("00-broken.conflist"),
        """
        {"cniVersion": "1.0.0", "name": "broken", "plugins": [{"type": "no-such-plugin"}]}
        """);
    assertThatThrownBy(() -> run(pod("broken").build()))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("no-such-plugin");
    assertThat(mounts()).doesNotContain(daemon.dir().toString());
    try (var left = Files.list(daemon.dir().resolve("state/sandboxes"))) {
      assertThat(left).isEmpty();
    }
    Files.delete(network.confDir().resolve("00-broken.conflist"));
    // The name was released: the same pod runs now.
    remove(run(pod("broken").build()));
  }

  /**
   * A RunPodSandbox whose CNI ADD fails and whose undo (the DEL) fails too leaves no pod for
   * kubelet to stop: what the plugins hold for it must not wait for a daemon restart. kubelet
   * retries the run, and that retry takes the stranded attachment back first.
   */
  @Test
  void anAttachmentAFailedRunCouldNotTakeBackIsDetachedByTheNextRun() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("cni-bin"));
    Path held = Files.createDirectories(dir.resolve("held"));
    Path refuse = dir.resolve("refuse");
    Path plugin = bin.resolve("holder");
    // Holds a file per attachment from ADD until a DEL that succeeds; refuses both while told.
    Files.writeString(
        plugin,
        """
        #!/bin/sh
        in=$(cat)
        case "$CNI_COMMAND" in
          ADD) touch %1$s/$CNI_CONTAINERID
               if [ -e %2$s ]; then
                 echo '{"cniVersion":"1.0.0","code":11,"msg":"ADD refused by the test"}'; exit 1
               fi
               echo "$in" | jq -c .prevResult ;;
          DEL) if [ -e %2$s ]; then
                 echo '{"cniVersion":"1.0.0","code":11,"msg":"DEL refused by the test"}'; exit 1
               fi
               rm -f %1$s/$CNI_CONTAINERID ;;
        esac
        """
            .formatted(held, refuse));
    Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path conf = network.confDir().resolve("10-test.conflist");
    Files.writeString(
        conf,
        Files.readString(conf)
            .replace(
                "{\"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}}",
                "{\"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}},"
                    + " {\"type\": \"holder\"}"));
    assertThat(Files.readString(conf)).contains("holder");
    daemon.close();
    List<String> args = new ArrayList<>(List.of(network.daemonArgs()));
    args.addAll(List.of("--cni-bin-dir", "/usr/lib/cni", "--cni-bin-dir", bin.toString()));
    daemon = DaemonProcess.start(dir.resolve("daemon"), args.toArray(String[]::new));

    Files.createFile(refuse);
    assertThatThrownBy(() -> run(pod("stranded").build()))
        .hasMessageContaining("ADD refused by the test");
    List<Path> stranded;
    try (var files = Files.list(held)) {
      stranded = files.toList();
    }
    assertThat(stranded).hasSize(1);

    Files.delete(refuse);
    String id = run(pod("stranded").build());
    try (var files = Files.list(held)) {
      assertThat(files).containsExactly(held.resolve(id));
    }
    remove(id);
    try (var files = Files.list(held)) {
      assertThat(files).isEmpty();
    }
    try (var left = Files.list(daemon.dir().resolve("root/cni"))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aSysctlTheKernelRefusesUndoesEverythingWithTheNetworksIntent() throws Exception {
    // Valid by name, refused by the kernel inside the new namespace: the namespaces fail after
    // the CNI attach was prepared (its intent flushed), so the undo must drop that intent too.
    assertThatThrownBy(
            () ->
                run(
                    pod("refused-sysctl")
                        .setLinux(
                            LinuxPodSandboxConfig.newBuilder()
                                .putSysctls("net.ipv4.ip_unprivileged_port_start", "many"))
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .contains("net.ipv4.ip_unprivileged_port_start");
            });
    assertThat(mounts()).doesNotContain(daemon.dir().toString());
    try (var left = Files.list(daemon.dir().resolve("state/sandboxes"))) {
      assertThat(left).isEmpty();
    }
    Path cniCache = daemon.dir().resolve("root/cni");
    if (Files.isDirectory(cniCache)) {
      try (var left = Files.list(cniCache)) {
        assertThat(left).isEmpty();
      }
    }
    // The name was released and nothing stands in the way of the same pod with a good value.
    remove(
        run(
            pod("refused-sysctl")
                .setLinux(
                    LinuxPodSandboxConfig.newBuilder()
                        .putSysctls("net.ipv4.ip_unprivileged_port_start", "80"))
                .build()));
  }

  @Test
  void sysctlsApplyInsideThePod() throws Exception {
    String id =
        run(
            pod("sysctl")
                .setLinux(
                    LinuxPodSandboxConfig.newBuilder()
                        .putSysctls("net.ipv4.ip_unprivileged_port_start", "80")
                        // The pod's interface is there only once the CNI plugins ran.
                        .putSysctls("net.ipv4.conf.eth0.arp_ignore", "1")
                        // As sysctl.d(5) writes it.
                        .putSysctls("net/ipv4/tcp_syncookies", "0")
                        .putSysctls("kernel.shm_rmid_forced", "1"))
                .build());
    Path podDir = daemon.dir().resolve("state/sandboxes").resolve(id);
    assertThat(
            nsenter(
                "--net=" + podDir.resolve("ns/net"),
                "cat",
                "/proc/sys/net/ipv4/conf/eth0/arp_ignore"))
        .isEqualTo("1");
    assertThat(
            nsenter(
                "--net=" + podDir.resolve("ns/net"), "cat", "/proc/sys/net/ipv4/tcp_syncookies"))
        .isEqualTo("0");
    assertThat(
            nsenter(
                "--net=" + podDir.resolve("ns/net"),
                "cat",
                "/proc/sys/net/ipv4/ip_unprivileged_port_start"))
        .isEqualTo("80");
    assertThat(
            nsenter("--ipc=" + podDir.resolve("ns/ipc"), "cat", "/proc/sys/kernel/shm_rmid_forced"))
        .isEqualTo("1");
    remove(id);
  }

  @Test
  void theNodesDefaultSysctlsApplyUnderThePodsOwn() throws Exception {
    daemon.stop();
    daemon =
        DaemonProcess.start(
            dir.resolve("daemon"),
            "--cni-conf-dir",
            network.confDir().toString(),
            "--default-sysctl",
            "net.ipv4.ip_unprivileged_port_start=1000",
            "--default-sysctl",
            "net.ipv4.ping_group_range=0 2147483647",
            "--default-sysctl",
            "kernel.shm_rmid_forced=1");
    String hostPorts = Files.readString(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start"));
    String id =
        run(
            pod("defaults")
                .setLinux(
                    LinuxPodSandboxConfig.newBuilder()
                        .putSysctls("net.ipv4.ip_unprivileged_port_start", "80"))
                .build());
    Path netns = daemon.dir().resolve("state/sandboxes").resolve(id).resolve("ns/net");
    assertThat(nsenter("--net=" + netns, "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"))
        .isEqualTo("80");
    assertThat(nsenter("--net=" + netns, "cat", "/proc/sys/net/ipv4/ping_group_range"))
        .isEqualTo("0\t2147483647");
    Path ipcns = daemon.dir().resolve("state/sandboxes").resolve(id).resolve("ns/ipc");
    assertThat(nsenter("--ipc=" + ipcns, "cat", "/proc/sys/kernel/shm_rmid_forced")).isEqualTo("1");
    // A host-network pod keeps the node's own net.* values: the defaults are not for the node.
    String hostNetwork =
        run(
            pod("defaults-hostnet")
                .setLinux(
                    LinuxPodSandboxConfig.newBuilder()
                        .setSecurityContext(
                            LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(
                                    NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))
                .build());
    assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")))
        .isEqualTo(hostPorts);
    remove(hostNetwork);
    remove(id);
  }

  @Test
  void hostNetworkPodsGetNoNamespaceOrAddress() throws Exception {
    String id =
        run(
            pod("hostnet")
                .setLinux(
                    LinuxPodSandboxConfig.newBuilder()
                        .setSecurityContext(
                            LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(
                                    NamespaceOption.newBuilder()
                                        .setNetwork(NamespaceMode.NODE)
                                        .setIpc(NamespaceMode.NODE))))
                .build());
    PodSandboxStatus status = status(id);
    assertThat(status.getNetwork().getIp()).isEmpty();
    assertThat(status.getLinux().getNamespaces().getOptions().getNetwork())
        .isEqualTo(NamespaceMode.NODE);
    assertThat(network.allocatedIps()).isZero();
    remove(id);
  }

  @Test
  void listFiltersByIdPrefixStateAndLabels() throws Exception {
    String a = run(pod("a").putLabels("tier", "front").build());
    String b = run(pod("b").putLabels("tier", "back").build());
    daemon.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(b).build());

    assertThat(list(PodSandboxFilter.getDefaultInstance())).hasSize(2);
    assertThat(list(PodSandboxFilter.newBuilder().setId(a.substring(0, 12)).build()))
        .containsExactly(a);
    assertThat(
            list(
                PodSandboxFilter.newBuilder()
                    .setState(
                        PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_READY))
                    .build()))
        .containsExactly(a);
    assertThat(list(PodSandboxFilter.newBuilder().putLabelSelector("tier", "back").build()))
        .containsExactly(b);
    remove(a);
    remove(b);
  }

  @Test
  void sandboxesSurviveADaemonRestart() throws Exception {
    String id = run(pod("durable").build());
    String ip = status(id).getNetwork().getIp();
    daemon.stop();
    daemon = DaemonProcess.start(dir.resolve("daemon"), network.daemonArgs());
    PodSandboxStatus status = status(id);
    assertThat(status.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
    assertThat(status.getNetwork().getIp()).isEqualTo(ip);
    assertThatThrownBy(() -> run(pod("durable").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
    remove(id);
    assertThat(network.allocatedIps()).isZero();
  }

  @Test
  void fiftyPodsCreatedAndRemovedLeaveNothingBehind() throws Exception {
    java.util.List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add(run(pod("many-" + i).build()));
    }
    assertThat(network.allocatedIps()).isEqualTo(50);
    for (String id : ids) {
      remove(id);
    }
    assertThat(network.allocatedIps()).isZero();
    assertThat(list(PodSandboxFilter.getDefaultInstance())).isEmpty();
    try (var left = Files.list(daemon.dir().resolve("state/sandboxes"))) {
      assertThat(left).isEmpty();
    }
    // The leak check after each test covers mounts, links and NAT rules.
  }

  private static PodSandboxConfig.Builder pod(String name) {
    return PodSandboxConfig.newBuilder()
        .setMetadata(
            PodSandboxMetadata.newBuilder()
                .setName(name)
                .setNamespace("it")
                .setUid(UUID.nameUUIDFromBytes(name.getBytes()).toString()));
  }

  private String run(PodSandboxConfig config) {
    return daemon
        .runtime()
        .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
        .getPodSandboxId();
  }

  private void remove(String id) {
    daemon
        .runtime()
        .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
  }

  private PodSandboxStatus status(String id) {
    return daemon
        .runtime()
        .podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
        .getStatus();
  }

  private java.util.List<String> list(PodSandboxFilter filter) {
    return daemon
        .runtime()
        .listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(filter).build())
        .getItemsList()
        .stream()
        .map(item -> item.getId())
        .toList();
  }

  private void assertInvalid(RunPodSandboxRequest request) {
    assertThatThrownBy(() -> daemon.runtime().runPodSandbox(request))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  private static void assertNotFound(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  private static String mounts() throws Exception {
    return Files.readString(Path.of("/proc/self/mountinfo"));
  }

  /** A command's trimmed output, run in the namespaces the options name. */
  private static String nsenter(String namespace, String... command) throws Exception {
    List<String> argv = new ArrayList<>(List.of("nsenter", namespace, "--"));
    argv.addAll(List.of(command));
    Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes()).strip();
    assertThat(process.waitFor()).as("%s: %s", argv, out).isZero();
    return out;
  }
}
