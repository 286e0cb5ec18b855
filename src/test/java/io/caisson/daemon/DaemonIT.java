package io.caisson.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.cri.v1.CgroupDriver;
import io.caisson.cri.v1.ListPodSandboxRequest;
import io.caisson.cri.v1.NetworkConfig;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.RuntimeCondition;
import io.caisson.cri.v1.RuntimeConfigRequest;
import io.caisson.cri.v1.StatusRequest;
import io.caisson.cri.v1.StatusResponse;
import io.caisson.cri.v1.UpdateRuntimeConfigRequest;
import io.caisson.cri.v1.VersionRequest;
import io.caisson.cri.v1.VersionResponse;
import io.caisson.linux.DatagramReceiver;
import io.caisson.linux.FileMappings;
import io.caisson.linux.ProcFiles;
import io.caisson.testing.DaemonProcess;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real daemon on a real unix socket, driven by the generated gRPC client. */
class DaemonIT {
  @TempDir Path dir;

  @Test
  void answersVersionAsCaisson() throws Exception {
    try (DaemonProcess daemon = DaemonProcess.start(dir)) {
      VersionResponse version = daemon.runtime().version(VersionRequest.getDefaultInstance());
      assertThat(version.getRuntimeName()).isEqualTo("caisson");
      assertThat(version.getRuntimeApiVersion()).isEqualTo("v1");
      assertThat(version.getVersion()).isEqualTo("0.1.0");
      assertThat(version.getRuntimeVersion()).isNotBlank();
      // bin/caisson names the logging backend: the daemon's own lines, and nothing from SLF4J
      // about how it found one.
      assertThat(daemon.log())
          .contains("INFO  Daemon: caisson serving CRI on")
          .doesNotContain("SLF4J");
    }
  }

  @Test
  void theFilePagesStartUpTouchedAreGivenBack() throws Exception {
    try (DaemonProcess daemon = DaemonProcess.start(dir)) {
      Path status = Path.of("/proc", String.valueOf(daemon.process().pid()), "status");
      long atStart = FileMappings.residentFileBytes(ProcFiles.read(status));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!daemon.log().contains("after paging out") && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertThat(daemon.log()).contains("FilePageTrimmer: file pages resident");
      // The daemon still answers with the pages it needs read back from their files.
      assertThat(daemon.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName())
          .isEqualTo("caisson");
      assertThat(FileMappings.residentFileBytes(ProcFiles.read(status))).isLessThan(atStart);
    }
  }

  @Test
  void socketIsRestrictedAndRemovedOnSigterm() throws Exception {
    DaemonProcess daemon = DaemonProcess.start(dir);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket())))
        .isEqualTo("rw-rw----");
    assertThat(daemon.stop()).isZero();
    assertThat(daemon.socket()).doesNotExist();
  }

  @Test
  void aServiceManagerIsToldWhenTheSocketAnswersAndWhenTheDaemonStops() throws Throwable {
    String notifySocket = dir.resolve("notify").toString();
    try (DatagramReceiver manager = DatagramReceiver.bind(notifySocket)) {
      DaemonProcess daemon = DaemonProcess.start(dir, Map.of("NOTIFY_SOCKET", notifySocket));
      String ready = manager.receive(Duration.ofSeconds(30)).orElseThrow();
      // bin/caisson execs the JVM: the pid the manager started is the one that serves.
      assertThat(ready)
          .startsWith("READY=1\nMAINPID=" + daemon.process().pid() + "\n")
          .contains("STATUS=serving CRI on " + daemon.socket());
      assertThat(daemon.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName())
          .isEqualTo("caisson");
      assertThat(daemon.stop()).isZero();
      assertThat(manager.receive(Duration.ofSeconds(5)).orElseThrow()).startsWith("STOPPING=1\n");
    }
  }

  @Test
  void networkReadyFollowsTheCniConfDir() throws Exception {
    Path confDir = Files.createDirectories(dir.resolve("net.d"));
    try (DaemonProcess daemon = DaemonProcess.start(dir, "--cni-conf-dir", confDir.toString())) {
      RuntimeCondition network = condition(daemon, "NetworkReady");
      assertThat(network.getStatus()).isFalse();
      assertThat(network.getReason()).isEqualTo("NetworkPluginNotReady");
      assertThat(network.getMessage()).contains(confDir.toString());

      Files.writeString(
          confDir.resolve("10-test.conflist"),
          """
          {"cniVersion": "1.0.0", "name": "t", "plugins": [{"type": "loopback"}]}
          """);
      assertThat(condition(daemon, "NetworkReady").getStatus()).isTrue();
    }
  }

  @Test
  void verboseStatusCarriesTheEffectiveConfig() throws Exception {
    try (DaemonProcess daemon = DaemonProcess.start(dir, "--pause-image", "example.com/p:1")) {
      StatusResponse status =
          daemon.runtime().status(StatusRequest.newBuilder().setVerbose(true).build());
      assertThat(status.getInfoMap().get("config")).contains("\"pause_image\":\"example.com/p:1\"");
      assertThat(status.getRuntimeHandlersList())
          .extracting(handler -> handler.getName())
          .contains("runc", "");
      StatusResponse quiet = daemon.runtime().status(StatusRequest.getDefaultInstance());
      assertThat(quiet.getInfoMap()).isEmpty();
    }
  }

  @Test
  void runtimeConfigReportsTheCgroupDriver() throws Exception {
    try (DaemonProcess daemon = DaemonProcess.start(dir)) {
      assertThat(
              daemon
                  .runtime()
                  .runtimeConfig(RuntimeConfigRequest.getDefaultInstance())
                  .getLinux()
                  .getCgroupDriver())
          .isEqualTo(CgroupDriver.CGROUPFS);
    }
  }

  @Test
  void podCidrIsStoredAndSurvivesRestart() throws Exception {
    try (DaemonProcess daemon = DaemonProcess.start(dir)) {
      daemon
          .runtime()
          .updateRuntimeConfig(
              UpdateRuntimeConfigRequest.newBuilder()
                  .setRuntimeConfig(
                      io.caisson.cri.v1.RuntimeConfig.newBuilder()
                          .setNetworkConfig(NetworkConfig.newBuilder().setPodCidr("10.244.0.0/24")))
                  .build());
      assertThatThrownBy(
              () ->
                  daemon
                      .runtime()
                      .updateRuntimeConfig(
                          UpdateRuntimeConfigRequest.newBuilder()
                              .setRuntimeConfig(
                                  io.caisson.cri.v1.RuntimeConfig.newBuilder()
                                      .setNetworkConfig(
                                          NetworkConfig.newBuilder().setPodCidr("not a cidr")))
                              .build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    try (DaemonProcess daemon = DaemonProcess.start(dir)) {
      StatusResponse status =
          daemon.runtime().status(StatusRequest.newBuilder().setVerbose(true).build());
      // Info values are JSON, as the CRI asks.
      assertThat(status.getInfoMap()).containsEntry("podCIDR", "\"10.244.0.0/24\"");
    }
  }

  @Test
  void aLiveSocketIsNeverTakenOver() throws Exception {
    try (DaemonProcess first = DaemonProcess.start(dir)) {
      Path log = dir.resolve("second.log");
      Process second = DaemonProcess.launch(dir.resolve("second"), first.socket(), log);
      assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(second.exitValue()).isNotZero();
      assertThat(Files.readString(log)).contains("another process is serving on");
      assertThat(first.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName())
          .isEqualTo("caisson");
    }
  }

  @Test
  void aStaleSocketIsReplaced() throws Exception {
    Path socket = dir.resolve("caisson.sock");
    try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      crashed.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).exists();
    try (DaemonProcess daemon = DaemonProcess.start(dir)) {
      assertThat(daemon.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName())
          .isEqualTo("caisson");
    }
  }

  @Test
  void sighupTakesUpTheLiveKeysOfTheConfigAndLeavesTheRestForARestart() throws Exception {
    try (DaemonProcess daemon = DaemonProcess.start(dir)) {
      // DaemonProcess's config file is dir/caisson.toml: its drop-ins are dir/caisson.d/*.toml.
      Path dropIns = Files.createDirectories(dir.resolve("caisson.d"));
      Files.writeString(
          dropIns.resolve("50-reload.toml"),
          """
          pinned_images = ["reloaded.example.com/*"]
          default_env = ["RELOADED=yes"]
          decryption_keys_path = "/etc/caisson/reloaded-keys"
          pause_image = "example.com/other-pause:1"
          """);
      hangUp(daemon);
      awaitLog(
          daemon,
          "configuration reloaded: taken up [decryption_keys_path, default_env, pinned_images];"
              + " changed, applied at the next start [pause_image]");
      String config =
          daemon
              .runtime()
              .status(StatusRequest.newBuilder().setVerbose(true).build())
              .getInfoMap()
              .get("config");
      assertThat(config)
          .contains("\"pinned_images\":[\"reloaded.example.com/*\"]")
          .contains("\"default_env\":[\"RELOADED=yes\"]")
          .contains("\"decryption_keys_path\":\"/etc/caisson/reloaded-keys\"")
          .contains("\"pause_image\":\"registry.k8s.io/pause:3.10\"");

      // A drop-in that does not load changes nothing, and the daemon goes on serving.
      Files.writeString(dropIns.resolve("60-typo.toml"), "pined_images = []\n");
      hangUp(daemon);
      awaitLog(daemon, "configuration not reloaded, the running one stays:");
      assertThat(daemon.log()).contains("60-typo.toml").contains("pined_images");
      assertThat(
              daemon
                  .runtime()
                  .status(StatusRequest.newBuilder().setVerbose(true).build())
                  .getInfoMap()
                  .get("config"))
          .isEqualTo(config);
      assertThat(daemon.process().isAlive()).isTrue();
    }
  }

  @Test
  void aHandlerWhoseRuntimeIsNotInstalledIsNamedAndItsPodsRefused() throws Exception {
    Files.writeString(
        Files.createDirectories(dir.resolve("caisson.d")).resolve("50-kata.toml"),
        """
        [runtimes.kata]
        path = "/usr/bin/kata-runtime"
        """);
    try (DaemonProcess daemon = DaemonProcess.start(dir)) {
      var status = daemon.runtime().status(StatusRequest.getDefaultInstance());
      assertThat(status.getRuntimeHandlersList())
          .extracting(handler -> handler.getName())
          .contains("runc", "", "kata");
      // The node runs the default handler's pods on: only the RuntimeClass is unusable.
      assertThat(status.getStatus().getConditionsList())
          .filteredOn(condition -> condition.getType().equals("RuntimeReady"))
          .singleElement()
          .satisfies(condition -> assertThat(condition.getStatus()).isTrue());
      assertThat(daemon.log())
          .contains(
              "runtime handler kata: /usr/bin/kata-runtime is not an executable file: its pods are"
                  + " refused");
      assertThatThrownBy(
              () ->
                  daemon
                      .runtime()
                      .runPodSandbox(
                          RunPodSandboxRequest.newBuilder()
                              .setRuntimeHandler("kata")
                              .setConfig(
                                  PodSandboxConfig.newBuilder()
                                      .setMetadata(
                                          PodSandboxMetadata.newBuilder()
                                              .setName("sandboxed")
                                              .setNamespace("it")
                                              .setUid("kata-1")))
                              .build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(e.getStatus().getDescription())
                    .contains("runtime handler 'kata': /usr/bin/kata-runtime is not an executable");
              });
      assertThat(
              daemon
                  .runtime()
                  .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                  .getItemsList())
          .isEmpty();
    }
  }

  /** SIGHUP, as `systemctl reload caisson` sends it. */
  /**
   * Under nohup (SIGHUP ignored from the start, which the JVM would keep and Signal.handle would
   * silently accept) a SIGHUP still reloads the configuration, as Go's daemons take it over.
   */
  @Test
  void aDaemonStartedWithSighupIgnoredStillReloadsOnIt() throws Exception {
    try (DaemonProcess daemon = DaemonProcess.startUnder(List.of("nohup"), dir)) {
      awaitLog(daemon, "signal 1 was ignored when the daemon started: taken over");
      Path dropIns = Files.createDirectories(dir.resolve("caisson.d"));
      Files.writeString(dropIns.resolve("50-reload.toml"), "default_env = [\"UNDER_NOHUP=yes\"]\n");
      hangUp(daemon);
      awaitLog(daemon, "configuration reloaded: taken up [default_env]");
    }
  }

  private static void hangUp(DaemonProcess daemon) throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-HUP", Long.toString(daemon.process().pid())).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  private static void awaitLog(DaemonProcess daemon, String expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!daemon.log().contains(expected) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(daemon.log()).contains(expected);
  }

  /**
   * The systemd driver would fail every container at runc (a cgroupsPath of slice:prefix:name) and
   * Caisson reads cgroups at cgroupfs paths: refused at start rather than at each pod.
   */
  @Test
  void theSystemdCgroupDriverIsRefusedAtStartSayingWhy() throws Exception {
    Path config = dir.resolve("systemd.toml");
    Files.writeString(config, "cgroup_driver = \"systemd\"\n");
    assertThat(startFails(config)).contains("cgroup_driver").contains("cgroupfs driver only");
  }

  @Test
  void anInvalidConfigStopsStartUpNamingTheKey() throws Exception {
    Path config = dir.resolve("bad.toml");
    Files.writeString(config, "cgroup_driver = \"cgroupv3\"\n");
    assertThat(startFails(config)).contains("cgroup_driver").contains("cgroupv3");
  }

  /**
   * A start-up that fails part way (here the metrics port is taken) ends the process, non-zero,
   * with its socket gone: the threads it had started must not keep it alive and deaf to SIGTERM.
   */
  @Test
  void aStartUpThatFailsPartWayEndsTheProcess() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Path socket = dir.resolve("half.sock");
      Process process =
          DaemonProcess.launch(
              dir.resolve("half"),
              socket,
              dir.resolve("half.log"),
              "--metrics-address",
              "127.0.0.1:" + taken.getLocalPort());
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the daemon ended").isTrue();
      assertThat(process.exitValue()).isNotZero();
      assertThat(socket).doesNotExist();
    }
  }

  /** Starts a daemon with {@code config}, which must stop it before it serves; its output. */
  private String startFails(Path config) throws Exception {
    Path log = dir.resolve("bad.log");
    Process process =
        new ProcessBuilder(
                DaemonProcess.launcher().toString(),
                "--config",
                config.toString(),
                "--socket",
                dir.resolve("bad.sock").toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isNotZero();
    assertThat(dir.resolve("bad.sock")).doesNotExist();
    return Files.readString(log);
  }

  private static RuntimeCondition condition(DaemonProcess daemon, String type) {
    return daemon
        .runtime()
        .status(StatusRequest.getDefaultInstance())
        .getStatus()
        .getConditionsList()
        .stream()
        .filter(condition -> condition.getType().equals(type))
        .findFirst()
        .orElseThrow();
  }
}
