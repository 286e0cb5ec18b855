package io.caisson.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.ExecSyncResponse;
import io.caisson.cri.v1.IDMapping;
import io.caisson.cri.v1.Mount;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.cri.v1.NamespaceOption;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxState;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.StatusRequest;
import io.caisson.cri.v1.UserNamespace;
import io.caisson.testing.TestNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pod of its own user namespace on a real kernel: its root is an unprivileged host user, its
 * image layers and volumes are idmapped (files keep their owners on disk), and it survives a daemon
 * restart and goes without a trace.
 */
class UserNamespaceIT {
  private static final int HOST_ID = 200_000;
  private static final int IDS = 65_536;

  @TempDir static Path dir;
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    // The pod's root is an unprivileged host user that must reach its bundle through the daemon's
    // directories; JUnit makes temporary directories 0700 (a daemon then does not advertise it).
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    node = TestNode.start(dir);
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      try {
        node.cleanUpAndAssertNothingLeaked();
      } finally {
        node.close();
      }
    }
  }

  @Test
  void aPodOfItsOwnUserNamespaceRunsAsAnUnprivilegedHostUserOnIdmappedFiles() throws Exception {
    assertThat(
            node.daemon
                .runtime()
                .status(StatusRequest.getDefaultInstance())
                .getRuntimeHandlersList())
        .allSatisfy(h -> assertThat(h.getFeatures().getUserNamespaces()).isTrue());
    Path volume = Files.createDirectories(dir.resolve("volume"));
    Files.writeString(volume.resolve("from-host"), "hello\n"); // root's, 0644, in a 0755 dir

    NamespaceOption options = ownUserNamespace();
    PodSandboxConfig.Builder podConfig = node.pod("userns").toBuilder();
    podConfig.getLinuxBuilder().getSecurityContextBuilder().setNamespaceOptions(options);
    // Only the pod's own root may write its IPC sysctls (Linux 5.17 on); net.* ones too.
    podConfig
        .getLinuxBuilder()
        .putSysctls("kernel.shm_rmid_forced", "1")
        .putSysctls("net.ipv4.ip_unprivileged_port_start", "0");
    String pod =
        node.daemon
            .runtime()
            .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(podConfig).build())
            .getPodSandboxId();
    ContainerConfig.Builder config =
        node.container("app", "sleep", "3600")
            .addMounts(Mount.newBuilder().setHostPath(volume.toString()).setContainerPath("/data"));
    // The same volume with id mappings of its own instead of the pod's: root's files on disk are
    // the pod's uid 1000 there.
    IDMapping rootAs1000 =
        IDMapping.newBuilder().setContainerId(0).setHostId(HOST_ID + 1000).setLength(1).build();
    config.addMounts(
        Mount.newBuilder()
            .setHostPath(volume.toString())
            .setContainerPath("/mapped")
            .addUidMappings(rootAs1000)
            .addGidMappings(rootAs1000));
    // The container's own image again, as an image volume: its layers are idmapped too.
    config.addMounts(Mount.newBuilder().setContainerPath("/img").setImage(config.getImage()));
    config.getLinuxBuilder().getSecurityContextBuilder().setNamespaceOptions(options);
    String id = node.run(pod, "userns", config);
    assertThat(node.exec(id, "cat", "/proc/sys/kernel/shm_rmid_forced").getStdout().toStringUtf8())
        .isEqualTo("1\n");
    assertThat(
            node.exec(id, "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start")
                .getStdout()
                .toStringUtf8())
        .isEqualTo("0\n");

    assertThat(exec(id, "cat", "/proc/self/uid_map").trim().split("\\s+"))
        .containsExactly("0", Integer.toString(HOST_ID), Integer.toString(IDS));
    assertThat(exec(id, "id", "-u").trim()).isEqualTo("0");
    // The image's files and the volume's are root's inside, as they are on disk.
    for (String listed :
        exec(id, "ls", "-ln", "/bin/busybox", "/data/from-host", "/img/bin/busybox").split("\n")) {
      String[] fields = listed.trim().split("\\s+");
      assertThat(fields[2] + ":" + fields[3]).as(listed).isEqualTo("0:0");
    }
    String[] mapped = exec(id, "ls", "-ln", "/mapped/from-host").trim().split("\\s+");
    assertThat(mapped[2] + ":" + mapped[3]).isEqualTo("1000:1000");
    exec(id, "sh", "-c", "echo x > /etc/written && echo y > /data/written && mkdir -p /root/made");

    // The volume is seen through an idmapped clone: what the pod's root writes there is root's on
    // disk, as if no user namespace were involved.
    assertThat(owner(volume.resolve("written"))).isZero();
    assertThat(owner(volume.resolve("from-host"))).isZero();
    // The container's writable layer is its own: there its files have their host ids, the pod's
    // root being an unprivileged host user, as its processes are.
    Path upper = node.daemonRoot().resolve("containers-storage").resolve(id).resolve("upper");
    assertThat(owner(upper.resolve("etc/written"))).isEqualTo(HOST_ID);
    assertThat(owner(upper.resolve("root/made"))).isEqualTo(HOST_ID);
    long pid = hostPid(id);
    assertThat(Files.readString(Path.of("/proc", Long.toString(pid), "status")))
        .containsPattern("Uid:\\s+" + HOST_ID + "\\s");

    // A daemon restart finds the pod and its container as they were.
    node.daemon.close();
    node.startDaemon();
    assertThat(node.podState(pod)).isEqualTo(PodSandboxState.SANDBOX_READY);
    assertThat(exec(id, "cat", "/data/written")).isEqualTo("y\n");

    // A create that fails after its volumes were cloned takes the clones away again.
    ContainerConfig.Builder refused =
        node.container("refused", "sleep", "3600")
            .addMounts(
                Mount.newBuilder()
                    .setHostPath(volume.toString())
                    .setContainerPath("/data")
                    .setRecursiveReadOnly(true));
    refused.getLinuxBuilder().getSecurityContextBuilder().setNamespaceOptions(options);
    assertThatThrownBy(() -> node.create(pod, "userns", refused))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    // A device under another name: runc binds it from its container path in a user namespace,
    // which on the host is another node or none, so it is refused up front.
    ContainerConfig.Builder renamedDevice =
        node.container("renamed-device", "sleep", "3600")
            .addDevices(
                io.caisson.cri.v1.Device.newBuilder()
                    .setHostPath("/dev/null")
                    .setContainerPath("/dev/other-null")
                    .setPermissions("rw"));
    renamedDevice.getLinuxBuilder().getSecurityContextBuilder().setNamespaceOptions(options);
    assertThatThrownBy(() -> node.create(pod, "userns", renamedDevice))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("/dev/other-null");
            });
    // A volume on a filesystem that cannot be idmapped (sysfs) is refused, naming the reason.
    ContainerConfig.Builder unmappable =
        node.container("unmappable", "sleep", "3600")
            .addMounts(Mount.newBuilder().setHostPath("/sys/kernel").setContainerPath("/k"));
    unmappable.getLinuxBuilder().getSecurityContextBuilder().setNamespaceOptions(options);
    assertThatThrownBy(() -> node.create(pod, "userns", unmappable))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription()).contains("idmapped", "/sys/kernel");
            });
    assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")))
        .as("idmapped clones still mounted")
        .noneMatch(line -> line.split(" ")[4].contains("/idmapped/"));

    node.removePod(pod);
    // The idmapped clones lived only while the container was being created.
    Path staging = node.daemonState().resolve("idmapped");
    if (Files.isDirectory(staging)) {
      try (var left = Files.list(staging)) {
        assertThat(left.toList()).isEmpty();
      }
    }
  }

  private static NamespaceOption ownUserNamespace() {
    IDMapping mapping =
        IDMapping.newBuilder().setContainerId(0).setHostId(HOST_ID).setLength(IDS).build();
    return NamespaceOption.newBuilder()
        .setUsernsOptions(
            UserNamespace.newBuilder()
                .setMode(NamespaceMode.POD)
                .addAllUids(List.of(mapping))
                .addAllGids(List.of(mapping)))
        .build();
  }

  private static String exec(String id, String... argv) {
    ExecSyncResponse r = node.exec(id, argv);
    assertThat(r.getExitCode())
        .as(String.join(" ", argv) + ": " + r.getStderr().toStringUtf8())
        .isZero();
    return r.getStdout().toStringUtf8();
  }

  private static int owner(Path path) throws Exception {
    return (int) Files.getAttribute(path, "unix:uid");
  }

  private static long hostPid(String id) {
    String info =
        node.daemon
            .runtime()
            .containerStatus(
                ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(true).build())
            .getInfoOrThrow("info");
    Matcher m = Pattern.compile("\"pid\"\\s*:\\s*(\\d+)").matcher(info);
    assertThat(m.find()).as(info).isTrue();
    return Long.parseLong(m.group(1));
  }
}
