package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.cri.v1.CDIDevice;
import io.caisson.cri.v1.Capability;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ContainerMetadata;
import io.caisson.cri.v1.ContainerState;
import io.caisson.cri.v1.ContainerStatus;
import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.CreateContainerRequest;
import io.caisson.cri.v1.Device;
import io.caisson.cri.v1.ExecSyncResponse;
import io.caisson.cri.v1.IDMapping;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.ImageStatusRequest;
import io.caisson.cri.v1.Int64Value;
import io.caisson.cri.v1.KeyValue;
import io.caisson.cri.v1.LinuxContainerConfig;
import io.caisson.cri.v1.LinuxContainerSecurityContext;
import io.caisson.cri.v1.LinuxPodSandboxConfig;
import io.caisson.cri.v1.LinuxSandboxSecurityContext;
import io.caisson.cri.v1.ListContainersRequest;
import io.caisson.cri.v1.Mount;
import io.caisson.cri.v1.MountPropagation;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.cri.v1.NamespaceOption;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.RemoveContainerRequest;
import io.caisson.cri.v1.RemoveImageRequest;
import io.caisson.cri.v1.RemovePodSandboxRequest;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.SecurityProfile;
import io.caisson.cri.v1.StartContainerRequest;
import io.caisson.cri.v1.StatusRequest;
import io.caisson.cri.v1.StopContainerRequest;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import io.caisson.linux.Syscalls;
import io.caisson.store.RecordStore;
import io.caisson.testing.DaemonProcess;
import io.caisson.testing.LeakCheck;
import io.caisson.testing.TestImages;
import io.caisson.testing.TestNetwork;
import io.caisson.testing.TestNode;
import io.caisson.testing.TestRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real containers: conmon + runc on an overlay of an image the test built and pushed. */
class ContainerIT {
  @TempDir static Path shared;
  private static TestRegistry registry;
  private static String image;
  private static String pause;

  @TempDir Path dir;
  private LeakCheck leaks;
  private TestNetwork network;
  private DaemonProcess daemon;
  private String pod;

  @BeforeAll
  static void pushImage() throws Exception {
    registry = TestRegistry.start(shared.resolve("registry"));
    image =
        TestImages.pushBusybox(
            registry,
            "it/busybox",
            "1",
            """
            {"Env": ["FROM_IMAGE=yes", "OVERRIDE=image"], "Cmd": ["sleep", "3600"],
             "User": "www-data", "WorkingDir": "/tmp"}
            """);
    pushPause();
  }

  private static void pushPause() throws Exception {
    pause =
        TestImages.pushBusybox(registry, "it/pause", "1", "{\"Cmd\": [\"sleep\", \"2147483647\"]}");
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    registry.close();
  }

  @BeforeEach
  void start() throws Exception {
    leaks = LeakCheck.snapshot(dir);
    network = new TestNetwork(dir);
    daemon = DaemonProcess.start(dir.resolve("daemon"), daemonArgs());
    daemon
        .images()
        .pullImage(
            PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
    pod = runPod("ctr-it", "");
  }

  /**
   * A privileged pod (so that its containers may be) logging under the test's directory, run with
   * {@code handler} ("" for the default).
   */
  private String runPod(String name, String handler) {
    return runPod(name, handler, true);
  }

  private String runPod(String name, String handler, boolean privileged) {
    return daemon
        .runtime()
        .runPodSandbox(
            RunPodSandboxRequest.newBuilder()
                .setRuntimeHandler(handler)
                .setConfig(
                    PodSandboxConfig.newBuilder()
                        .setMetadata(
                            PodSandboxMetadata.newBuilder()
                                .setName(name)
                                .setNamespace("it")
                                .setUid(UUID.randomUUID().toString()))
                        .setLogDirectory(dir.resolve("logs").toString())
                        .setLinux(
                            LinuxPodSandboxConfig.newBuilder()
                                .setSecurityContext(
                                    LinuxSandboxSecurityContext.newBuilder()
                                        .setPrivileged(privileged))))
                .build())
        .getPodSandboxId();
  }

  @AfterEach
  void stop() throws Exception {
    daemon
        .runtime()
        .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    daemon.close();
    network.assertNothingAttached();
    network.close();
    leaks.assertNothingLeaked();
  }

  @Test
  void runsWithTheImageConfigMergedAndLogsInCriFormat() throws Exception {
    String id =
        create(
            base("merge")
                .addAllCommand(
                    List.of(
                        "sh", "-c", "echo $FROM_IMAGE $OVERRIDE $NODE_ENV; id -u; pwd; sleep 3600"))
                .addEnvs(KeyValue.newBuilder().setKey("OVERRIDE").setValue("config")));
    start(id);
    assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    Path log = dir.resolve("logs/merge.log");
    String text = awaitLog(log, "/tmp");
    // The image's, the node's default_env (daemonArgs), the container's own: the later wins.
    assertThat(text).containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT\\S+ stdout F yes config node$");
    assertThat(text).contains("stdout F 33");
    ExecSyncResponse exec = exec(id, "sh", "-c", "echo out; echo err >&2; exit 3");
    assertThat(exec.getExitCode()).isEqualTo(3);
    assertThat(exec.getStdout().toStringUtf8()).isEqualTo("out\n");
    assertThat(exec.getStderr().toStringUtf8()).isEqualTo("err\n");

    daemon
        .runtime()
        .updateContainerResources(
            io.caisson.cri.v1.UpdateContainerResourcesRequest.newBuilder()
                .setContainerId(id)
                .setLinux(
                    io.caisson.cri.v1.LinuxContainerResources.newBuilder()
                        .setMemoryLimitInBytes(64 << 20))
                .build());
    assertThat(status(id).getResources().getLinux().getMemoryLimitInBytes()).isEqualTo(64 << 20);
    Path limit = Path.of("/sys/fs/cgroup/memory/caisson", id, "memory.limit_in_bytes");
    if (Files.exists(limit)) {
      assertThat(io.caisson.linux.ProcFiles.read(limit)).isEqualTo(Long.toString(64 << 20));
    }

    // crictl inspect / inspectp: the keys containerd and CRI-O give, which operators' scripts read.
    JsonValue info =
        Json.parse(
            daemon
                .runtime()
                .containerStatus(
                    ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(true).build())
                .getInfoOrThrow("info"));
    assertThat(info.path("sandboxID").asText()).isEqualTo(pod);
    assertThat(info.path("pid").asLong()).isPositive();
    assertThat(info.path("config").path("metadata").path("name").asText()).isEqualTo("merge");
    assertThat(info.at("/config/linux/resources/memoryLimitInBytes").asText())
        .isEqualTo(Long.toString(64 << 20));
    assertThat(info.at("/runtimeSpec/process/args/0").asText()).isEqualTo("sh");
    assertThat(info.at("/runtimeSpec/linux/cgroupsPath").asText()).contains(id);
    // containerd's spec annotations, which OCI hooks and node agents read.
    assertThat(info.at("/runtimeSpec/annotations/io.kubernetes.cri.sandbox-id").asText())
        .isEqualTo(pod);
    assertThat(info.at("/runtimeSpec/annotations/io.kubernetes.cri.container-name").asText())
        .isEqualTo("merge");
    // The bundle's spec follows the update (checkpoints archive it), and keeps the device rules.
    assertThat(info.at("/runtimeSpec/linux/resources/memory/limit").asLong()).isEqualTo(64 << 20);
    assertThat(info.at("/runtimeSpec/linux/resources/devices").size()).isPositive();
    JsonValue podInfo =
        Json.parse(
            daemon
                .runtime()
                .podSandboxStatus(
                    io.caisson.cri.v1.PodSandboxStatusRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setVerbose(true)
                        .build())
                .getInfoOrThrow("info"));
    assertThat(podInfo.at("/config/metadata/name").asText()).isEqualTo("ctr-it");
    assertThat(podInfo.path("netns").asText()).isNotEmpty();

    daemon
        .runtime()
        .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(5).build());
    ContainerStatus stopped = status(id);
    assertThat(stopped.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(stopped.getFinishedAt()).isGreaterThan(stopped.getStartedAt());
    remove(id);
  }

  @Test
  void seLinuxOptionsOnANodeWithoutSeLinuxAreNoError() throws Exception {
    // kubelet copies a pod's seLinuxOptions into every container; charts set them.
    ContainerConfig.Builder labelled = base("labelled").addAllCommand(List.of("sleep", "3600"));
    labelled
        .getLinuxBuilder()
        .getSecurityContextBuilder()
        .setSelinuxOptions(
            io.caisson.cri.v1.SELinuxOption.newBuilder().setType("spc_t").setLevel("s0:c1,c2"));
    String id = create(labelled);
    start(id);
    assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    remove(id);
  }

  @Test
  void aProcessIgnoringSigtermIsKilledAfterTheGracePeriod() throws Exception {
    String id =
        create(
            base("stubborn")
                .addAllCommand(List.of("sh", "-c", "trap '' TERM; while true; do sleep 1; done")));
    start(id);
    daemon
        .runtime()
        .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(2).build());
    ContainerStatus status = status(id);
    assertThat(status.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    // 128 + SIGKILL: the grace period ran out and the process was killed.
    assertThat(status.getExitCode()).isEqualTo(137);
    assertThat(status.getReason()).isEqualTo("Error");
    remove(id);
  }

  /**
   * kubelet's force delete: a second stop with a shorter timeout while the first waits out a long
   * grace period. The second kills at once, and both return, instead of the second queueing behind
   * the whole grace period.
   */
  @Test
  void aShorterStopEndsAContainerWhileALongerOneWaitsOutItsGracePeriod() throws Exception {
    String id = create(ownPidNamespace(base("graceful")).addAllCommand(trapTerm("")));
    start(id);
    var patient =
        java.util.concurrent.CompletableFuture.runAsync(
            () -> stopWithin(id, 600), Thread::startVirtualThread);
    // The first stop has signalled once the container's shell has run its (empty) TERM trap.
    Thread.sleep(500);
    assertThat(patient).isNotDone();

    daemon
        .runtime()
        .withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS)
        .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());

    assertThat(status(id).getExitCode()).as("killed, not ended by its trap").isEqualTo(137);
    patient.get(60, java.util.concurrent.TimeUnit.SECONDS);
    remove(id);
  }

  /**
   * kubectl debug --target: a container joins the PID namespace of a running container of its own
   * pod. Another pod's container, or an exited one (whose pid may be any process by now), is
   * refused.
   */
  @Test
  void aTargetPidNamespaceIsThatOfARunningContainerOfTheSamePod() throws Exception {
    String target = create(ownPidNamespace(base("target")).addAllCommand(List.of("sleep", "3601")));
    start(target);
    String debug =
        create(targetPidNamespace(base("debug"), target).addAllCommand(List.of("sleep", "3602")));
    start(debug);
    assertThat(exec(debug, "cat", "/proc/1/cmdline").getStdout().toStringUtf8())
        .as("the target's first process is PID 1 here")
        .isEqualTo("sleep\u00003601\u0000");

    assertRefusedInANewPod(true, targetPidNamespace(base("intruder"), target));
    stopWithin(target, 0);
    assertCode(
        Status.Code.FAILED_PRECONDITION,
        () -> create(targetPidNamespace(base("late"), target).addAllCommand(List.of("true"))));
    stopWithin(debug, 0);
    remove(debug);
    remove(target);
  }

  /** CreateContainer of {@code config} in a pod of its own is INVALID_ARGUMENT. */
  private void assertRefusedInANewPod(boolean privilegedPod, ContainerConfig.Builder config) {
    String other = runPod("other-pod", "", privilegedPod);
    try {
      assertCode(
          Status.Code.INVALID_ARGUMENT,
          () ->
              daemon
                  .runtime()
                  .createContainer(
                      CreateContainerRequest.newBuilder()
                          .setPodSandboxId(other)
                          .setConfig(config)
                          .build()));
    } finally {
      removePod(other);
    }
  }

  private static ContainerConfig.Builder targetPidNamespace(
      ContainerConfig.Builder config, String target) {
    return config.setLinux(
        security(
            LinuxContainerSecurityContext.newBuilder()
                .setNamespaceOptions(
                    NamespaceOption.newBuilder()
                        .setNetwork(NamespaceMode.POD)
                        .setIpc(NamespaceMode.POD)
                        .setPid(NamespaceMode.TARGET)
                        .setTargetId(target))));
  }

  @Test
  void aStopInAPidNamespaceOfItsOwnSignalsTheProcessAndFreesRuncsStateAtOnce() throws Exception {
    // kubelet's default: the container is PID 1 of a namespace of its own, so the daemon signals
    // it straight through a pidfd.
    String polite = create(ownPidNamespace(base("polite")).addAllCommand(trapTerm("exit 7")));
    String stubborn = create(ownPidNamespace(base("deaf")).addAllCommand(trapTerm("")));
    start(polite);
    start(stubborn);
    assertThat(Files.exists(runcState(polite))).isTrue();
    List<Path> cgroups =
        Stream.of(polite, stubborn)
            .flatMap(
                id ->
                    Stream.of(
                        Path.of("/sys/fs/cgroup/pids/caisson", id),
                        Path.of("/sys/fs/cgroup/caisson", id)))
            .filter(Files::isDirectory)
            .toList();
    assertThat(cgroups).as("the containers' cgroups (v1 pids or v2)").hasSize(2);

    stopWithin(polite, 10);
    stopWithin(stubborn, 1);

    ContainerStatus handled = status(polite);
    assertThat(handled.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(handled.getExitCode()).as("its TERM trap ran").isEqualTo(7);
    ContainerStatus killed = status(stubborn);
    assertThat(killed.getExitCode()).as("128 + SIGKILL after the grace period").isEqualTo(137);
    // runc's state and cgroups go with the stop, not with RemoveContainer much later.
    assertThat(cgroups).allSatisfy(cgroup -> assertThat(cgroup).doesNotExist());
    for (String id : List.of(polite, stubborn)) {
      assertThat(runcState(id)).doesNotExist();
      remove(id);
    }
  }

  @Test
  void aKillInThePodsPidNamespaceEndsEveryProcessOfTheContainer() throws Exception {
    // No namespace options: the pod's shared PID namespace, where killing the first process alone
    // would leave its children running. The whole group is killed (cgroup.kill, or runc).
    String id =
        create(
            base("shared")
                .addAllCommand(
                    List.of("sh", "-c", "trap '' TERM; sleep 3600 & sleep 3600 & wait")));
    start(id);
    Path group =
        Stream.of(
                Path.of("/sys/fs/cgroup/unified/caisson", id),
                Path.of("/sys/fs/cgroup/caisson", id),
                Path.of("/sys/fs/cgroup/pids/caisson", id))
            .filter(Files::isDirectory)
            .findFirst()
            .orElseThrow();
    List<Long> pids = List.of();
    for (int i = 0; i < 200 && pids.size() < 3; i++) {
      Thread.sleep(25);
      pids =
          Files.readAllLines(group.resolve("cgroup.procs")).stream().map(Long::parseLong).toList();
    }
    assertThat(pids).as("the shell and its two sleeps").hasSize(3);

    stopWithin(id, 0);

    assertThat(status(id).getExitCode()).isEqualTo(137);
    for (long pid : pids) {
      assertThat(io.caisson.linux.ProcessStamp.of(pid)).as("process %d", pid).isEmpty();
    }
    assertThat(group).doesNotExist();
    remove(id);
  }

  @Test
  void aContainerThatExitsOnItsOwnIsFreedFromRuncWithoutBeingRemoved() throws Exception {
    String id = create(base("done").addAllCommand(List.of("sh", "-c", "sleep 0.2; exit 3")));
    start(id);

    for (int i = 0; i < 200 && Files.exists(runcState(id)); i++) {
      Thread.sleep(25);
    }

    assertThat(runcState(id)).as("runc's state of an exited container").doesNotExist();
    ContainerStatus exited = status(id);
    assertThat(exited.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(exited.getExitCode()).isEqualTo(3);
    assertThat(exited.getReason()).isEqualTo("Error");
    remove(id);
    // Ended within a tick of the exit file's clock: still not finished before it started.
    for (int i = 0; i < 3; i++) {
      String quick = create(base("quick-" + i).addAllCommand(List.of("true")));
      start(quick);
      for (int j = 0; j < 200 && status(quick).getState() != ContainerState.CONTAINER_EXITED; j++) {
        Thread.sleep(10);
      }
      ContainerStatus ended = status(quick);
      assertThat(ended.getFinishedAt()).isGreaterThanOrEqualTo(ended.getStartedAt());
      remove(quick);
    }
  }

  @Test
  void capabilitiesAndReadOnlyRootfsAreEnforced() throws Exception {
    String id =
        create(
            base("secure")
                .addAllCommand(
                    List.of(
                        "sh",
                        "-c",
                        "cat /proc/self/limits > /dev/shm/secure-limits; exec sleep 3600"))
                .setLinux(
                    security(
                        LinuxContainerSecurityContext.newBuilder()
                            .setReadonlyRootfs(true)
                            .setCapabilities(
                                Capability.newBuilder()
                                    .addDropCapabilities("ALL")
                                    .addAddCapabilities("NET_ADMIN")))));
    start(id);
    String status = exec(id, "cat", "/proc/self/status").getStdout().toStringUtf8();
    // CAP_NET_ADMIN is bit 12: 0x1000, and nothing else.
    assertThat(status).containsPattern("CapBnd:\\s+0000000000001000");
    assertThat(exec(id, "touch", "/tmp/x").getExitCode()).isNotZero();
    // The node's default_ulimits (daemonArgs), for the first process and for an exec alike.
    String limits =
        exec(
                id,
                "sh",
                "-c",
                "while [ ! -s /dev/shm/secure-limits ]; do sleep 0.1; done; cat /dev/shm/secure-limits")
            .getStdout()
            .toStringUtf8();
    // runc 1.1.5 (built with Go 1.19, whose programs raise their own soft open-files limit to the
    // hard one at start-up; runc init is one) handed the process 8192 as its soft limit too in one
    // run of two here. The hard limit, below the daemon's own, shows the node's limit applied.
    assertThat(limits).containsPattern("Max open files\\s+(4096|8192)\\s+8192\\s");
    assertThat(limits).containsPattern("Max locked memory\\s+65536\\s+65536\\s");
    assertThat(exec(id, "cat", "/proc/self/limits").getStdout().toStringUtf8())
        .containsPattern("Max open files\\s+(4096|8192)\\s+8192\\s")
        .containsPattern("Max locked memory\\s+65536\\s+65536\\s");
    remove(id);
  }

  @Test
  void devicesAndAmbientCapabilitiesReachANonRootContainer() throws Exception {
    // A node of a local-use major no driver serves: the device cgroup decides before any driver
    // does, so a refused open is EPERM and an allowed one ENXIO.
    Path unbacked = dir.resolve("unbacked");
    Syscalls.mknod(unbacked, 0020000 | 0666, 240, 0);
    Files.setPosixFilePermissions(unbacked, PosixFilePermissions.fromString("rw-rw-rw-"));
    // The image runs as www-data (uid 33): only an ambient capability survives its execve.
    String id =
        create(
            base("devices")
                .addAllCommand(List.of("sleep", "3600"))
                .addDevices(grantedNull())
                .addDevices(
                    Device.newBuilder()
                        .setHostPath(unbacked.toString())
                        .setContainerPath("/dev/read-only")
                        .setPermissions("r"))
                .setLinux(
                    security(
                        LinuxContainerSecurityContext.newBuilder()
                            .setCapabilities(
                                Capability.newBuilder()
                                    .addDropCapabilities("ALL")
                                    .addAddAmbientCapabilities("NET_BIND_SERVICE")))));
    start(id);
    assertThat(exec(id, "sh", "-c", "echo x > /dev/granted-null").getExitCode()).isZero();
    // The node's additional_devices (daemonArgs) are every container's.
    assertThat(exec(id, "sh", "-c", "echo x > /dev/node-null").getExitCode()).isZero();
    assertThat(exec(id, "sh", "-c", "cat /dev/read-only").getStderr().toStringUtf8())
        .contains("No such device");
    assertThat(exec(id, "sh", "-c", "echo x > /dev/read-only").getStderr().toStringUtf8())
        .contains("not permitted");
    String status = exec(id, "cat", "/proc/self/status").getStdout().toStringUtf8();
    // CAP_NET_BIND_SERVICE is bit 10: 0x400, effective for uid 33 only through the ambient set.
    assertThat(status).containsPattern("CapAmb:\\s+0000000000000400");
    assertThat(status).containsPattern("CapEff:\\s+0000000000000400");
    ExecSyncResponse listen =
        exec(id, "busybox", "timeout", "1", "busybox", "nc", "-l", "-p", "80");
    assertThat(listen.getStderr().toStringUtf8()).doesNotContain("ermission denied");
    assertThat(listen.getExitCode()).as("killed by timeout while listening on :80").isNotEqualTo(1);
    // No run_as_user here (the image's USER): the node keeps its owner although the daemon runs
    // with device_ownership_from_security_context.
    assertThat(
            exec(id, "busybox", "stat", "-c", "%u:%g", "/dev/granted-null")
                .getStdout()
                .toStringUtf8())
        .isEqualTo("0:0\n");
    remove(id);

    // With run_as_user and run_as_group the node is theirs.
    String owned =
        create(
            base("owned-devices")
                .addAllCommand(List.of("sleep", "3600"))
                .addDevices(grantedNull())
                .setLinux(
                    security(
                        LinuxContainerSecurityContext.newBuilder()
                            .setRunAsUser(Int64Value.newBuilder().setValue(1234))
                            .setRunAsGroup(Int64Value.newBuilder().setValue(5678)))));
    start(owned);
    assertThat(
            exec(owned, "busybox", "stat", "-c", "%u:%g", "/dev/granted-null")
                .getStdout()
                .toStringUtf8())
        .isEqualTo("1234:5678\n");
    remove(owned);

    assertCode(
        Status.Code.INVALID_ARGUMENT,
        () ->
            create(
                base("no-such-device")
                    .addDevices(
                        Device.newBuilder()
                            .setHostPath(dir.resolve("missing").toString())
                            .setContainerPath("/dev/missing"))));
  }

  @Test
  void cdiDevicesReachANonRootContainerAsTheirSpecsSay() throws Exception {
    // Spec directories are read at each CreateContainer: this one is written after the start.
    Path specs = Files.createDirectories(dir.resolve("cdi-run"));
    Path unbacked = dir.resolve("cdi-unbacked");
    Syscalls.mknod(unbacked, 0020000 | 0666, 240, 1);
    Path libs = Files.createDirectories(dir.resolve("cdi-libs"));
    Files.writeString(libs.resolve("libvendor.so"), "vendor library\n");
    Path hookState = dir.resolve("cdi-hook-state.json");
    Path poststartState = dir.resolve("cdi-poststart-state.json");
    Files.writeString(
        specs.resolve("caisson-test.yaml"),
        """
        cdiVersion: "0.6.0"
        kind: caisson.test/dev
        containerEdits:
          env: ["CDI_VENDOR=caisson"]
          mounts:
            - hostPath: %s
              containerPath: /opt/vendor
              options: ["ro", "bind"]
          hooks:
            - hookName: createRuntime
              path: /bin/sh
              args: ["sh", "-c", "cat > %s"]
            - hookName: poststart
              path: /bin/sh
              args: ["sh", "-c", "cat > %s"]
        devices:
          - name: zero
            containerEdits:
              env: ["CDI_DEV=zero"]
              deviceNodes:
                - path: /dev/cdi-zero
                  hostPath: /dev/zero
                  permissions: rw
              additionalGids: [4242]
          - name: read-only
            containerEdits:
              deviceNodes:
                - path: /dev/cdi-read-only
                  hostPath: %s
                  permissions: r
        """
            .formatted(libs, hookState, poststartState, unbacked));

    // The image runs as www-data (uid 33).
    String id =
        create(
            base("cdi")
                .addAllCommand(List.of("sleep", "3600"))
                .addCDIDevices(CDIDevice.newBuilder().setName("caisson.test/dev=zero"))
                .putAnnotations("cdi.k8s.io/test", "caisson.test/dev=read-only"));
    start(id);
    assertThat(exec(id, "sh", "-c", "echo $CDI_VENDOR $CDI_DEV").getStdout().toStringUtf8())
        .isEqualTo("caisson zero\n");
    assertThat(exec(id, "sh", "-c", "head -c 3 /dev/cdi-zero | wc -c").getStdout().toStringUtf8())
        .isEqualTo("3\n");
    // Owned by the container's user, since the spec names no owner.
    assertThat(exec(id, "ls", "-ln", "/dev/cdi-zero").getStdout().toStringUtf8())
        .containsPattern("^c\\S+\\s+\\d+\\s+33\\s+33\\s");
    // Read access only: the device cgroup refuses the write before any driver is asked.
    assertThat(exec(id, "sh", "-c", "echo x > /dev/cdi-read-only").getStderr().toStringUtf8())
        .contains("not permitted");
    assertThat(exec(id, "cat", "/opt/vendor/libvendor.so").getStdout().toStringUtf8())
        .isEqualTo("vendor library\n");
    assertThat(exec(id, "touch", "/opt/vendor/x").getExitCode()).isNotZero();
    assertThat(exec(id, "id", "-G").getStdout().toStringUtf8()).contains("4242");
    // The hook ran in the runtime's namespace with the container's state on its stdin, once for
    // the spec although two of its devices were injected.
    assertThat(Files.readString(hookState)).contains(id);
    // Poststart hooks run whichever runc it is: runc 1.2 and later run them in runc start, which a
    // container with such hooks is started by (not through its exec FIFO).
    assertThat(Files.readString(poststartState)).contains(id);
    remove(id);

    int before =
        daemon
            .runtime()
            .listContainers(ListContainersRequest.getDefaultInstance())
            .getContainersCount();
    assertCode(
        Status.Code.NOT_FOUND,
        () ->
            create(
                base("cdi-unknown")
                    .addCDIDevices(CDIDevice.newBuilder().setName("caisson.test/dev=absent"))));
    assertCode(
        Status.Code.INVALID_ARGUMENT,
        () ->
            create(base("cdi-bad").addCDIDevices(CDIDevice.newBuilder().setName("not-qualified"))));
    assertThat(
            daemon
                .runtime()
                .listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersCount())
        .isEqualTo(before);
  }

  @Test
  void aBidirectionalMountReachesTheNodeBesideAHostToContainerOne() throws Exception {
    Path shared = Files.createDirectories(dir.resolve("shared"));
    run("mount", "-t", "tmpfs", "propagation-it", shared.toString());
    try {
      Files.createDirectories(shared.resolve("sub"));
      Mount bidirectional =
          Mount.newBuilder()
              .setContainerPath("/bidi")
              .setHostPath(shared.toString())
              .setPropagation(MountPropagation.PROPAGATION_BIDIRECTIONAL)
              .build();
      LinuxContainerConfig.Builder privileged =
          security(
              LinuxContainerSecurityContext.newBuilder()
                  .setPrivileged(true)
                  .setRunAsUser(Int64Value.newBuilder().setValue(0)));

      // On a private mount, what is mounted in the container would never reach the node.
      run("mount", "--make-private", shared.toString());
      assertThatThrownBy(() -> create(base("bidi-private").addMounts(bidirectional)))
          .hasMessageContaining("FAILED_PRECONDITION")
          .hasMessageContaining("Bidirectional propagation needs host path " + shared)
          .hasMessageContaining("is private");

      run("mount", "--make-shared", shared.toString());
      String id =
          create(
              base("bidi")
                  .addAllCommand(
                      List.of(
                          "sh",
                          "-c",
                          "busybox mount -t tmpfs from-the-container /bidi/inner"
                              + " && exec sleep 3600"))
                  .addMounts(bidirectional)
                  // After it: a HostToContainer mount must not make the root, and with it /bidi,
                  // a slave.
                  .addMounts(
                      Mount.newBuilder()
                          .setContainerPath("/h2c")
                          .setHostPath(shared.resolve("sub").toString())
                          .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER))
                  .setLinux(privileged));
      Files.createDirectories(shared.resolve("inner"));
      start(id);
      String needle = " " + shared.resolve("inner") + " ";
      for (int i = 0;
          i < 100 && !Files.readString(Path.of("/proc/self/mountinfo")).contains(needle);
          i++) {
        Thread.sleep(50);
      }
      assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
          .as("the container's mount under /bidi, seen on the node")
          .contains(needle + "rw");
      remove(id);
    } finally {
      run("umount", "-R", shared.toString());
    }
  }

  /**
   * A privileged container only in a privileged pod, and then with sysfs and cgroupfs writable as
   * the CRI says; every container's HOSTNAME is its hostname; mounts are made parents first
   * whatever order they come in; a host path that is not there yet is made.
   */
  @Test
  void privilegeFollowsThePodAndMountsLandParentsFirst() throws Exception {
    assertRefusedInANewPod(
        false,
        base("escalating")
            .addAllCommand(List.of("true"))
            .setLinux(security(LinuxContainerSecurityContext.newBuilder().setPrivileged(true))));

    Path outer = Files.createDirectories(dir.resolve("outer"));
    Path inner = Files.createDirectories(dir.resolve("inner"));
    Files.writeString(inner.resolve("mark"), "inner\n");
    Path made = dir.resolve("made/by/create");
    // A create that fails after making a missing host path takes it away again.
    assertCode(
        Status.Code.INVALID_ARGUMENT,
        () ->
            create(
                base("refused-after-mkdir")
                    .addAllCommand(List.of("true"))
                    .addMounts(
                        Mount.newBuilder().setContainerPath("/made").setHostPath(made.toString()))
                    .setLinux(
                        LinuxContainerConfig.newBuilder()
                            .setResources(
                                io.caisson.cri.v1.LinuxContainerResources.newBuilder()
                                    .setCpuShares(1)))));
    assertThat(dir.resolve("made")).doesNotExist();
    String privileged =
        create(
            base("privileged-sysfs")
                .addAllCommand(List.of("sleep", "3600"))
                // The deeper mount first: made after /data, it would be hidden under it.
                .addMounts(
                    Mount.newBuilder().setContainerPath("/data/sub").setHostPath(inner.toString()))
                .addMounts(
                    Mount.newBuilder().setContainerPath("/data").setHostPath(outer.toString()))
                .addMounts(
                    Mount.newBuilder().setContainerPath("/made").setHostPath(made.toString()))
                .setLinux(
                    security(LinuxContainerSecurityContext.newBuilder().setPrivileged(true))));
    String plain = create(base("plain-sysfs").addAllCommand(List.of("sleep", "3600")));
    start(privileged);
    start(plain);
    assertThat(made).isDirectory();
    assertThat(exec(privileged, "cat", "/data/sub/mark").getStdout().toStringUtf8())
        .isEqualTo("inner\n");
    assertThat(mountOptions(privileged, "/sys")).startsWith("rw");
    assertThat(mountOptions(privileged, "/sys/fs/cgroup")).startsWith("rw");
    assertThat(mountOptions(plain, "/sys")).startsWith("ro");
    assertThat(exec(plain, "sh", "-c", "test \"$HOSTNAME\" = \"$(hostname)\"").getExitCode())
        .as("HOSTNAME is the container's hostname")
        .isZero();
    remove(privileged);
    remove(plain);
  }

  /** The options of the mount at {@code point} in the container, from its /proc/mounts. */
  private String mountOptions(String id, String point) {
    String mounts = exec(id, "cat", "/proc/mounts").getStdout().toStringUtf8();
    return mounts
        .lines()
        .map(line -> line.split(" "))
        .filter(fields -> fields[1].equals(point))
        .reduce((first, second) -> second)
        .map(fields -> fields[3])
        .orElseThrow(() -> new AssertionError("no mount at " + point + " in " + mounts));
  }

  /**
   * The primary group is a supplementary one as well (CVE-2023-25173: a process that changes its
   * gid keeps a denied group), and ContainerStatus reports the groups the process has.
   */
  @Test
  void theProcessHasItsPrimaryGroupAmongItsSupplementaryOnes() throws Exception {
    String id =
        create(
            base("grouped")
                .addAllCommand(List.of("sleep", "3600"))
                .setLinux(
                    security(
                        LinuxContainerSecurityContext.newBuilder()
                            .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                            .setRunAsGroup(Int64Value.newBuilder().setValue(1000))
                            .addSupplementalGroups(1234))));
    start(id);
    assertThat(exec(id, "grep", "^Groups:", "/proc/self/status").getStdout().toStringUtf8())
        .isEqualTo("Groups:\t1000 1234 \n");
    assertThat(status(id).getUser().getLinux().getSupplementalGroupsList())
        .containsExactly(1000L, 1234L);
    remove(id);
  }

  @Test
  void aPrivilegedContainerSeesTheNodesDevices() throws Exception {
    String privileged =
        create(
            base("privileged")
                .addAllCommand(List.of("sleep", "3600"))
                .setLinux(
                    security(
                        LinuxContainerSecurityContext.newBuilder()
                            .setPrivileged(true)
                            .setRunAsUser(Int64Value.newBuilder().setValue(0)))));
    String plain = create(base("plain").addAllCommand(List.of("sleep", "3600")));
    start(privileged);
    start(plain);
    // /dev/kmsg is on every Linux node and in no default container.
    assertThat(exec(privileged, "sh", "-c", "test -c /dev/kmsg").getExitCode()).isZero();
    assertThat(exec(plain, "sh", "-c", "test -e /dev/kmsg").getExitCode()).isNotZero();
    assertThat(exec(privileged, "sh", "-c", "test -c /dev/ptmx").getExitCode())
        .as("/dev/ptmx stays the container's own devpts multiplexer")
        .isZero();
    assertThat(exec(privileged, "busybox", "readlink", "/dev/ptmx").getStdout().toStringUtf8())
        .isEqualTo("pts/ptmx\n");
    remove(privileged);
    remove(plain);
  }

  @Test
  void anImageVolumeIsTheImagesFilesReadOnlyAndHoldsTheImageUntilRemoval() throws Exception {
    String volume =
        TestImages.pushBusybox(registry, "it/volume", "1", "{}", Map.of("marker", "bin/busybox"));
    // kubelet pulls the image and passes PullImage's image_ref, the image id.
    String volumeId =
        daemon
            .images()
            .pullImage(
                PullImageRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(volume))
                    .build())
            .getImageRef();
    Mount imageMount =
        Mount.newBuilder()
            .setContainerPath("/vol")
            .setImage(ImageSpec.newBuilder().setImage(volumeId))
            .build();
    String id =
        create(base("with-volume").addAllCommand(List.of("sleep", "3600")).addMounts(imageMount));
    start(id);
    assertThat(
            exec(id, "sh", "-c", "test -x /vol/bin/busybox && test -L /vol/marker").getExitCode())
        .isZero();
    ExecSyncResponse write = exec(id, "sh", "-c", "echo x > /vol/new");
    assertThat(write.getExitCode()).isNotZero();
    assertThat(write.getStderr().toStringUtf8()).contains("Read-only file system");
    assertThat(status(id).getMountsList())
        .extracting(m -> m.getImage().getImage())
        .contains(volumeId);
    assertCode(
        Status.Code.FAILED_PRECONDITION,
        () ->
            daemon
                .images()
                .removeImage(
                    RemoveImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(volumeId))
                        .build()));

    assertCode(
        Status.Code.NOT_FOUND,
        () ->
            create(
                base("missing-volume")
                    .addMounts(
                        imageMount.toBuilder()
                            .setImage(
                                ImageSpec.newBuilder().setImage("sha256:" + "0".repeat(64))))));
    assertCode(
        Status.Code.INVALID_ARGUMENT,
        () -> create(base("both").addMounts(imageMount.toBuilder().setHostPath(dir.toString()))));

    remove(id);
    daemon
        .images()
        .removeImage(
            RemoveImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(volumeId))
                .build());
  }

  @Test
  void anImageVolumeByTagHoldsTheImageItMountedWhenTheTagMovesAndAcrossARestart() throws Exception {
    String tag = TestImages.pushBusybox(registry, "it/moving-volume", "1", "{}", Map.of());
    String mountedId = pull(tag);
    Mount byTag =
        Mount.newBuilder()
            .setContainerPath("/vol")
            .setImage(ImageSpec.newBuilder().setImage(tag))
            .build();
    String id =
        create(base("tagged-volume").addAllCommand(List.of("sleep", "3600")).addMounts(byTag));
    // The tag moves to another image: the mounted one stays held by its id.
    TestImages.pushBusybox(registry, "it/moving-volume", "1", "{}", Map.of("moved", "bin/busybox"));
    assertThat(pull(tag)).isNotEqualTo(mountedId);
    restartDaemon();
    assertCode(Status.Code.FAILED_PRECONDITION, () -> removeImage(mountedId));

    remove(id);
    removeImage(mountedId);
    removeImage(tag);
  }

  private String pull(String image) {
    return daemon
        .images()
        .pullImage(
            PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build())
        .getImageRef();
  }

  private void removeImage(String image) {
    daemon
        .images()
        .removeImage(
            RemoveImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image))
                .build());
  }

  @Test
  void theVolumesAnImageDeclaresAreTheContainersOwnWithTheImagesContent() throws Exception {
    String declaring =
        TestImages.pushBusybox(
            registry,
            "it/declared",
            "1",
            """
            {"Cmd": ["sleep", "3600"], "Volumes": {"/seeded": {}, "/absent/deep": {}}}
            """,
            Map.of(),
            List.of(
                TestImages.Entry.directory("seeded", 0700, 33, 33),
                new TestImages.Entry("seeded/seed", 0600, 33, 33, "from the image\n")));
    daemon
        .images()
        .pullImage(
            PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(declaring))
                .build());
    LinuxContainerConfig.Builder rootReadOnly =
        security(
            LinuxContainerSecurityContext.newBuilder()
                .setReadonlyRootfs(true)
                .setRunAsUser(Int64Value.newBuilder().setValue(0)));
    String id =
        create(
            base("declared")
                .setImage(ImageSpec.newBuilder().setImage(declaring))
                .setLinux(rootReadOnly));
    start(id);
    // The image's content, owner and mode, writable although the rootfs is read-only.
    assertThat(exec(id, "cat", "/seeded/seed").getStdout().toStringUtf8())
        .isEqualTo("from the image\n");
    assertThat(exec(id, "busybox", "stat", "-c", "%u:%g %a", "/seeded").getStdout().toStringUtf8())
        .isEqualTo("33:33 700\n");
    assertThat(exec(id, "sh", "-c", "echo new > /seeded/new && touch /absent/deep/x").getExitCode())
        .isZero();
    assertThat(exec(id, "touch", "/elsewhere").getStderr().toStringUtf8())
        .contains("Read-only file system");
    // What the container wrote there is in its own directory, not in its writable layer.
    Path storage = dir.resolve("daemon/root/containers-storage").resolve(id);
    assertThat(storage.resolve("upper/seeded")).doesNotExist();
    assertThat(Files.readString(storage.resolve("volumes/0/new"))).isEqualTo("new\n");

    // A CRI mount at a declared path wins, as kubelet puts a pod's volume over the image's.
    Path hostDir = Files.createDirectories(dir.resolve("pod-volume"));
    Files.writeString(hostDir.resolve("pod-file"), "from the pod\n");
    String covered =
        create(
            base("declared-covered")
                .setImage(ImageSpec.newBuilder().setImage(declaring))
                .addMounts(
                    Mount.newBuilder()
                        .setContainerPath("/seeded")
                        .setHostPath(hostDir.toString())));
    start(covered);
    assertThat(exec(covered, "ls", "/seeded").getStdout().toStringUtf8()).isEqualTo("pod-file\n");

    remove(id);
    remove(covered);
    assertThat(storage).doesNotExist();

    // CRI-O's way: the directory made in the rootfs if the image lacks it, and no mount.
    restartDaemon("--image-volumes", "mkdir");
    String made =
        create(base("declared-mkdir").setImage(ImageSpec.newBuilder().setImage(declaring)));
    start(made);
    assertThat(
            exec(made, "busybox", "stat", "-c", "%u %a", "/absent/deep").getStdout().toStringUtf8())
        .isEqualTo("0 755\n");
    assertThat(exec(made, "cat", "/proc/self/mountinfo").getStdout().toStringUtf8())
        .doesNotContain(" /seeded ", " /absent/deep ");
    remove(made);

    restartDaemon("--image-volumes", "ignore");
    String ignored =
        create(base("declared-ignored").setImage(ImageSpec.newBuilder().setImage(declaring)));
    start(ignored);
    assertThat(exec(ignored, "ls", "/absent").getExitCode()).isNotZero();
    remove(ignored);
  }

  @Test
  void aRecursiveReadOnlyMountIsReadOnlyAllTheWayDown() throws Exception {
    // runc 1.1's rro option on a kernel with mount_setattr(2), as on every machine this runs on.
    assertThat(daemon.runtime().status(StatusRequest.getDefaultInstance()).getRuntimeHandlersList())
        .isNotEmpty()
        .allSatisfy(h -> assertThat(h.getFeatures().getRecursiveReadOnlyMounts()).isTrue());
    Path volume = Files.createDirectories(dir.resolve("volume"));
    Path below = Files.createDirectories(volume.resolve("below"));
    run(
        "mount",
        "-t",
        "tmpfs",
        "-o",
        "mode=1777",
        "below-" + pod.substring(0, 8),
        below.toString());
    try {
      String plain = create(asRoot("plain").addMounts(volume(volume, false, null)));
      String recursive = create(asRoot("recursive").addMounts(volume(volume, true, null)));
      start(plain);
      start(recursive);
      // A plain read-only bind leaves what is mounted below it writable; a recursive one does not.
      assertThat(exec(plain, "touch", "/mnt/x").getExitCode()).isNotZero();
      assertThat(exec(plain, "touch", "/mnt/below/x").getExitCode()).isZero();
      ExecSyncResponse refused = exec(recursive, "touch", "/mnt/below/y");
      assertThat(refused.getExitCode()).isNotZero();
      assertThat(refused.getStderr().toStringUtf8()).contains("Read-only file system");
      assertThat(below.resolve("y")).doesNotExist();
      remove(plain);
      remove(recursive);

      Mount.Builder writable = volume(volume, true, null).setReadonly(false);
      assertCode(Status.Code.INVALID_ARGUMENT, () -> create(asRoot("rw").addMounts(writable)));
      for (MountPropagation propagation :
          List.of(
              MountPropagation.PROPAGATION_HOST_TO_CONTAINER,
              MountPropagation.PROPAGATION_BIDIRECTIONAL)) {
        Mount.Builder shared = volume(volume, true, propagation);
        assertCode(Status.Code.INVALID_ARGUMENT, () -> create(asRoot("shared").addMounts(shared)));
      }
      assertThat(
              daemon
                  .runtime()
                  .listContainers(ListContainersRequest.getDefaultInstance())
                  .getContainersList())
          .isEmpty();
    } finally {
      run("umount", below.toString());
    }
  }

  @Test
  void aMountsOwnIdMappingsShowItsFilesUnderOtherOwners() throws Exception {
    Path volume = Files.createDirectories(dir.resolve("mapped"));
    Files.writeString(volume.resolve("of-root"), "r");
    Files.writeString(volume.resolve("of-1000"), "u");
    run("chown", "1000:1001", volume.resolve("of-1000").toString());
    IDMapping ids =
        IDMapping.newBuilder().setContainerId(0).setHostId(50000).setLength(2000).build();
    Mount.Builder mapped =
        volume(volume, false, null).setReadonly(false).addUidMappings(ids).addGidMappings(ids);
    String id = create(asRoot("mapped").addMounts(mapped));
    start(id);
    // On disk 0 and 1000/1001; through the mount 50000 and 51000/51001. The container has no user
    // namespace, so it sees the host's ids.
    ExecSyncResponse owners = exec(id, "sh", "-c", "ls -ln /mnt | sort -k9");
    assertThat(owners.getStdout().toStringUtf8())
        .containsPattern("51000 +51001 .* of-1000")
        .containsPattern("50000 +50000 .* of-root");
    // The container's root is not in the mount's range: what it would create has no owner on disk.
    assertThat(exec(id, "touch", "/mnt/new").getExitCode()).isNotZero();
    assertThat(Files.getOwner(volume.resolve("of-1000")).getName()).isNotEqualTo("root");
    assertThat(daemon.dir().resolve("state/idmapped").resolve(id)).doesNotExist();
    remove(id);

    IDMapping overlapping =
        IDMapping.newBuilder().setContainerId(1000).setHostId(90000).setLength(10).build();
    for (Mount.Builder bad :
        List.of(
            volume(volume, false, null).addUidMappings(ids),
            mapped.clone().addUidMappings(overlapping).addGidMappings(overlapping),
            mapped.clone().setPropagation(MountPropagation.PROPAGATION_BIDIRECTIONAL),
            mapped
                .clone()
                .clearUidMappings()
                .addUidMappings(ids.toBuilder().setHostId(-10).build()))) {
      assertCode(Status.Code.INVALID_ARGUMENT, () -> create(asRoot("bad").addMounts(bad)));
    }
    assertThat(
            daemon
                .runtime()
                .listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersList())
        .isEmpty();
    assertThat(daemon.dir().resolve("state/idmapped")).isEmptyDirectory();
  }

  @Test
  void aContainerCreatedByImageIdIsReportedByTheUsersNameAndAPullableDigest() throws Exception {
    // As kubelet does: the image by its id, the pod's reference as user_specified_image.
    var pulled =
        daemon
            .images()
            .imageStatus(
                ImageStatusRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(image))
                    .build())
            .getImage();
    String id =
        create(
            base("by-id")
                .setImage(
                    ImageSpec.newBuilder().setImage(pulled.getId()).setUserSpecifiedImage(image))
                .addAllCommand(List.of("sleep", "3600")));
    ContainerStatus status = status(id);
    assertThat(status.getImage().getImage()).isEqualTo(image);
    assertThat(status.getImage().getUserSpecifiedImage()).isEqualTo(image);
    assertThat(status.getImageRef())
        .startsWith(image.substring(0, image.lastIndexOf(':')) + "@sha256:")
        .isIn(pulled.getRepoDigestsList());
    assertThat(status.getImageId()).isEqualTo(pulled.getId());
    // The list keeps what was asked, the id image garbage collection matches on.
    assertThat(
            daemon
                .runtime()
                .listContainers(ListContainersRequest.getDefaultInstance())
                .getContainers(0)
                .getImage()
                .getImage())
        .isEqualTo(pulled.getId());

    restartDaemon();
    assertThat(status(id).getImageRef()).isEqualTo(status.getImageRef());
    assertThat(status(id).getImage().getImage()).isEqualTo(image);
    remove(id);
  }

  @Test
  void badRequestsAreRefusedClearly() throws Exception {
    assertCode(
        Status.Code.NOT_FOUND,
        () ->
            daemon
                .runtime()
                .createContainer(
                    CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setConfig(
                            base("x")
                                .setImage(ImageSpec.newBuilder().setImage("127.0.0.1:1/none:1")))
                        .build()));
    assertCode(
        Status.Code.INVALID_ARGUMENT,
        () -> create(base("escape").setLogPath("../../etc/evil.log").addCommand("true")));
    assertCode(
        Status.Code.INVALID_ARGUMENT,
        () -> create(base("long").setLogPath("x".repeat(256)).addCommand("true")));
    // Any UTF-8 log path is a path: created whatever the locale the daemon was started in.
    String unicode =
        create(base("unicode").setLogPath("\u00e9\u4e2d/\u00fc.log").addCommand("true"));
    assertThat(dir.resolve("logs/\u00e9\u4e2d/\u00fc.log")).exists();
    remove(unicode);
    String id = create(base("twice").addCommand("true"));
    assertCode(Status.Code.ALREADY_EXISTS, () -> create(base("twice").addCommand("true")));
    assertCode(Status.Code.NOT_FOUND, () -> status("0123456789abcdef0123456789abcdef"));
    remove(id);
    remove(id);
  }

  /**
   * A runc-compatible runtime of another binary, as nvidia-container-runtime or runsc are: a
   * wrapper that writes down every call it gets in {@code calls}, configured as handler "wrapped"
   * in a drop-in ({@code daemon/caisson.d/50-wrapped.toml}) the next start reads.
   */
  private Path wrappedRuntime(Path calls) throws Exception {
    Path wrapper =
        Files.writeString(
            dir.resolve("wrapped-runc"),
            "#!/bin/sh\necho \"$*\" >> " + calls + "\nexec /usr/sbin/runc \"$@\"\n");
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(
        Files.createDirectories(dir.resolve("daemon/caisson.d")).resolve("50-wrapped.toml"),
        "[runtimes.wrapped]\npath = \"" + wrapper + "\"\nprivileged_without_host_devices = true\n");
    return wrapper;
  }

  @Test
  void aStartThatFailsEndsTheContainerWithStartError() throws Exception {
    // A runtime whose `runc start` fails; a poststart hook makes Caisson start through it.
    Path wrapper =
        Files.writeString(
            dir.resolve("failing-start-runc"),
            """
            #!/bin/sh
            case " $* " in *" start "*) echo "start refused by the test" >&2; exit 1;; esac
            exec /usr/sbin/runc "$@"
            """);
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(
        Files.createDirectories(dir.resolve("daemon/caisson.d")).resolve("50-failstart.toml"),
        "[runtimes.failstart]\npath = \"" + wrapper + "\"\n");
    Path hook =
        Files.writeString(
            Files.createDirectories(dir.resolve("hooks.d")).resolve("70-poststart.json"),
            """
            {"version": "1.0.0", "hook": {"path": "/bin/true"},
             "when": {"always": true}, "stages": ["poststart"]}
            """);
    try {
      restartDaemon();
      String failPod = runPod("failstart", "failstart");
      String id =
          daemon
              .runtime()
              .createContainer(
                  CreateContainerRequest.newBuilder()
                      .setPodSandboxId(failPod)
                      .setConfig(base("never-starts").addAllCommand(List.of("sleep", "3600")))
                      .build())
              .getContainerId();
      assertThatThrownBy(() -> start(id)).hasMessageContaining("start refused by the test");
      ContainerStatus failed = status(id);
      assertThat(failed.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
      assertThat(failed.getExitCode()).isEqualTo(128);
      assertThat(failed.getReason()).isEqualTo("StartError");
      assertThat(failed.getMessage()).contains("start refused by the test");
      remove(id);
      daemon
          .runtime()
          .removePodSandbox(
              io.caisson.cri.v1.RemovePodSandboxRequest.newBuilder()
                  .setPodSandboxId(failPod)
                  .build());
    } finally {
      Files.delete(hook);
    }
  }

  @Test
  void aPodOfAnotherRuntimeHandlerRunsWithThatBinaryUnderARootOfItsOwn() throws Exception {
    Path calls = dir.resolve("wrapped-runc.calls");
    Path wrapper = wrappedRuntime(calls);
    restartDaemon();
    assertThat(daemon.runtime().status(StatusRequest.getDefaultInstance()).getRuntimeHandlersList())
        .extracting(handler -> handler.getName())
        .contains("wrapped", "runc", "");

    String wrappedPod = runPod("wrapped", "wrapped");
    var podStatus =
        daemon
            .runtime()
            .podSandboxStatus(
                io.caisson.cri.v1.PodSandboxStatusRequest.newBuilder()
                    .setPodSandboxId(wrappedPod)
                    .setVerbose(true)
                    .build());
    assertThat(podStatus.getStatus().getRuntimeHandler()).isEqualTo("wrapped");
    // crictl inspectp shows which binary and root the pod is bound to.
    JsonValue binding = Json.parse(podStatus.getInfoOrThrow("info")).path("runtime");
    assertThat(binding.path("binary").asText()).isEqualTo(wrapper.toString());
    assertThat(binding.path("root").asText())
        .isEqualTo(daemon.dir().resolve("state/wrapped").toString());
    assertThat(binding.path("privilegedWithoutHostDevices").asBoolean()).isTrue();
    try {
      // Sharing the pod's PID namespace: the pod's infra process comes first, from the same
      // runtime.
      String wrapped =
          daemon
              .runtime()
              .createContainer(
                  CreateContainerRequest.newBuilder()
                      .setPodSandboxId(wrappedPod)
                      .setConfig(base("in-wrapped").addAllCommand(List.of("sleep", "3600")))
                      .build())
              .getContainerId();
      start(wrapped);
      assertThat(exec(wrapped, "sh", "-c", "echo hi").getStdout().toStringUtf8()).isEqualTo("hi\n");
      String plain = create(base("in-default").addAllCommand(List.of("sleep", "3600")));
      start(plain);
      // privileged_without_host_devices: a privileged container of the pod keeps the default
      // devices but not the node's (one in the default pod has /dev/kmsg, see below).
      String privileged =
          daemon
              .runtime()
              .createContainer(
                  CreateContainerRequest.newBuilder()
                      .setPodSandboxId(wrappedPod)
                      .setConfig(
                          base("privileged-wrapped")
                              .addAllCommand(List.of("sleep", "3600"))
                              .setLinux(
                                  security(
                                      LinuxContainerSecurityContext.newBuilder()
                                          .setPrivileged(true))))
                      .build())
              .getContainerId();
      start(privileged);
      assertThat(exec(privileged, "sh", "-c", "test -c /dev/null").getExitCode()).isZero();
      assertThat(exec(privileged, "sh", "-c", "test -e /dev/kmsg").getExitCode()).isOne();

      Path wrappedRoot = daemon.dir().resolve("state/wrapped");
      assertThat(wrappedRoot.resolve(wrapped).resolve("state.json")).exists();
      assertThat(wrappedRoot.resolve(wrappedPod).resolve("state.json")).exists();
      assertThat(runcState(wrapped)).doesNotExist();
      assertThat(runcState(plain)).exists();
      assertThat(Files.readAllLines(calls))
          .anyMatch(call -> call.contains("--root=" + wrappedRoot) && call.contains("create"))
          .anyMatch(call -> call.contains(" create ") && call.endsWith(" " + wrappedPod))
          .anyMatch(call -> call.contains(" create ") && call.endsWith(" " + wrapped))
          .anyMatch(
              call -> call.contains(" exec ") && call.contains(" " + wrapped + " sh -c echo hi"))
          .noneMatch(call -> call.contains(plain));

      // A restart finds the pod's containers under its runtime's root again.
      restartDaemon();
      assertThat(status(wrapped).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
      assertThat(exec(wrapped, "true").getExitCode()).isZero();
      stopWithin(wrapped, 5);
      assertThat(status(wrapped).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
      removePod(wrappedPod);
      assertThat(Files.readAllLines(calls))
          .anyMatch(call -> call.contains(" delete --force " + wrapped))
          .anyMatch(call -> call.contains(" delete --force " + wrappedPod))
          .noneMatch(call -> call.contains(plain));
      assertThat(wrappedRoot.resolve(wrapped)).doesNotExist();
      assertThat(wrappedRoot.resolve(wrappedPod)).doesNotExist();
      remove(plain);
    } finally {
      removePod(wrappedPod); // idempotent: whatever the test left of the pod
    }
  }

  @Test
  void containersOfADroppedHandlerWithoutRecordsAreSweptAtStart() throws Exception {
    Path calls = dir.resolve("wrapped-runc.calls");
    wrappedRuntime(calls);
    restartDaemon();
    String lostPod = runPod("lost", "wrapped");
    String lost =
        daemon
            .runtime()
            .createContainer(
                CreateContainerRequest.newBuilder()
                    .setPodSandboxId(lostPod)
                    .setConfig(base("lost").addAllCommand(List.of("sleep", "3600")))
                    .build())
            .getContainerId();
    start(lost);
    Path wrappedRoot = daemon.dir().resolve("state/wrapped");
    long pid =
        Json.parse(wrappedRoot.resolve(lost).resolve("state.json"))
            .path("init_process_pid")
            .asLong();
    assertThat(ProcessHandle.of(pid)).isPresent();

    // A crash, the pod's and the container's records lost with it (as when it comes in the middle
    // of their creation), and a config without the handler at the next start.
    daemon.kill();
    for (Path record :
        List.of(
            daemon.dir().resolve("root/sandboxes").resolve(lostPod),
            daemon.dir().resolve("root/containers").resolve(lost))) {
      try (var files = Files.walk(record)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    Files.delete(daemon.dir().resolve("caisson.d/50-wrapped.toml"));
    restartDaemon();

    assertThat(daemon.runtime().status(StatusRequest.getDefaultInstance()).getRuntimeHandlersList())
        .extracting(handler -> handler.getName())
        .doesNotContain("wrapped");
    // Found under the dropped handler's root, through its own binary, and ended.
    assertThat(wrappedRoot.resolve(lost)).doesNotExist();
    assertThat(wrappedRoot.resolve(lostPod)).doesNotExist();
    assertThat(Files.readAllLines(calls))
        .anyMatch(call -> call.contains(" delete --force " + lost));
    // Killed; its zombie goes once conmon, its reaper, has seen it.
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
    // Nothing of ours is left there: the next start does not list that root again.
    assertThat(Files.readString(daemon.dir().resolve("root/runtimes.json")))
        .doesNotContain(wrappedRoot.toString());
  }

  /** The daemon again, on the same directories, with the usual flags and {@code extra} ones. */
  private void restartDaemon(String... extra) throws Exception {
    daemon.close();
    List<String> args = new ArrayList<>(List.of(daemonArgs()));
    args.addAll(List.of(extra));
    daemon = DaemonProcess.start(dir.resolve("daemon"), args.toArray(String[]::new));
  }

  /** The node's /dev/null as a device plugin would hand it over, read-write. */
  private static Device.Builder grantedNull() {
    return Device.newBuilder()
        .setHostPath("/dev/null")
        .setContainerPath("/dev/granted-null")
        .setPermissions("rw");
  }

  /**
   * The test network, the pause image from the test's own registry (never the internet), and node
   * defaults some tests check: limits, device ownership, a RuntimeDefault seccomp profile that
   * refuses mkdir.
   */
  private String[] daemonArgs() throws IOException {
    Path seccomp =
        Files.writeString(
            dir.resolve("node-seccomp.json"),
            """
            {"defaultAction": "SCMP_ACT_ALLOW",
             "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
            """);
    return new String[] {
      "--seccomp-profile",
      seccomp.toString(),
      "--cni-conf-dir",
      network.confDir().toString(),
      "--pause-image",
      pause,
      "--cdi-spec-dir",
      dir.resolve("cdi-etc").toString(),
      "--cdi-spec-dir",
      dir.resolve("cdi-run").toString(),
      "--default-ulimit",
      "nofile=4096:8192",
      "--default-ulimit",
      "memlock=65536",
      "--device-ownership-from-security-context",
      "true",
      "--additional-device",
      "/dev/null:/dev/node-null:rw",
      "--hooks-dir",
      dir.resolve("hooks.d").toString(),
      "--default-env",
      "NODE_ENV=node",
      "--default-env",
      "OVERRIDE=node"
    };
  }

  @Test
  void theNodesOciHooksRunForTheContainersTheyMatch() throws Exception {
    // Read at each CreateContainer: written after the daemon started.
    Path state = dir.resolve("oci-hook-state.json");
    Files.writeString(
        Files.createDirectories(dir.resolve("hooks.d")).resolve("50-test.json"),
        """
        {"version": "1.0.0",
         "hook": {"path": "/bin/sh", "args": ["sh", "-c", "cat > %s"]},
         "when": {"annotations": {"^caisson\\\\.test/hook$": "^yes$"}},
         "stages": ["createRuntime"]}
        """
            .formatted(state));
    String plain = create(base("no-hook").addAllCommand(List.of("sleep", "3600")));
    assertThat(state).doesNotExist();
    String hooked =
        create(
            base("hooked")
                .addAllCommand(List.of("sleep", "3600"))
                .putAnnotations("caisson.test/hook", "yes"));
    // The hook got the container's state on its stdin, as the OCI spec says.
    assertThat(Files.readString(state)).contains("\"id\":\"" + hooked + "\"");
    remove(hooked);
    remove(plain);
    // A broken file fails the create, naming it, and leaves nothing behind.
    Files.writeString(dir.resolve("hooks.d/60-broken.json"), "{");
    assertThatThrownBy(() -> create(base("broken-hook").addAllCommand(List.of("true"))))
        .hasMessageContaining("60-broken.json is invalid");
    Files.delete(dir.resolve("hooks.d/60-broken.json"));
    Files.delete(dir.resolve("hooks.d/50-test.json"));
  }

  @Test
  void theNodesDefaultCapabilitiesAreTheBaseOfAContainersOwn() throws Exception {
    restartDaemon(
        "--default-capability",
        "CHOWN",
        "--default-capability",
        "SETUID",
        "--default-capability",
        "CAP_SETGID");
    String id =
        create(
            base("node-capabilities")
                .addAllCommand(List.of("sleep", "3600"))
                .setLinux(
                    security(
                        LinuxContainerSecurityContext.newBuilder()
                            .setCapabilities(
                                Capability.newBuilder()
                                    .addAddCapabilities("NET_ADMIN")
                                    .addDropCapabilities("SETUID")))));
    start(id);
    // CHOWN (bit 0) and SETGID (6) from the node, NET_ADMIN (12) from the container, SETUID (7)
    // dropped by it; none of the built-in defaults (NET_RAW, MKNOD, ...).
    assertThat(exec(id, "cat", "/proc/self/status").getStdout().toStringUtf8())
        .containsPattern("CapBnd:\\s+0000000000001041");
    remove(id);
  }

  @Test
  void aMissingAdditionalDeviceFailsCreateNamingItAndLeavesNothing() throws Exception {
    restartDaemon("--additional-device", dir.resolve("no-such-device").toString());
    assertThatThrownBy(() -> create(base("needs-device").addAllCommand(List.of("true"))))
        .isInstanceOfSatisfying(
            io.grpc.StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getMessage())
                  .contains("additional_devices")
                  .contains(dir.resolve("no-such-device").toString());
            });
    assertThat(
            daemon
                .runtime()
                .listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersList())
        .isEmpty();
  }

  @Test
  void theNodesSeccompProfileIsWhatRuntimeDefaultMeans() throws Exception {
    String confined =
        create(
            base("node-default-seccomp")
                .addAllCommand(List.of("sleep", "3600"))
                .setLinux(
                    security(
                        LinuxContainerSecurityContext.newBuilder()
                            .setSeccomp(
                                SecurityProfile.newBuilder()
                                    .setProfileType(SecurityProfile.ProfileType.RuntimeDefault)))));
    start(confined);
    ExecSyncResponse refused = exec(confined, "mkdir", "/dev/shm/made-here");
    assertThat(refused.getExitCode()).isNotZero();
    assertThat(refused.getStderr().toStringUtf8()).contains("not permitted");
    remove(confined);
    // Unconfined (CRI's default) is not the node's profile.
    String unconfined = create(base("unconfined").addAllCommand(List.of("sleep", "3600")));
    start(unconfined);
    assertThat(exec(unconfined, "mkdir", "/dev/shm/made-here").getExitCode()).isZero();
    remove(unconfined);
  }

  @Test
  void aMemoryLimitOomKillsAndIsReportedAsOomKilled() throws Exception {
    String id =
        create(
            base("hungry")
                .addAllCommand(
                    List.of("sh", "-c", "dd if=/dev/zero bs=1M count=200 | tail -c 150000000"))
                .setLinux(
                    LinuxContainerConfig.newBuilder()
                        .setResources(
                            io.caisson.cri.v1.LinuxContainerResources.newBuilder()
                                .setMemoryLimitInBytes(32 << 20))));
    start(id);
    ContainerStatus status = awaitExit(id);
    assertThat(status.getReason()).isEqualTo("OOMKilled");
    assertThat(status.getExitCode()).isNotZero();
    remove(id);
  }

  @Test
  void longLinesAreSplitIntoPartialRecordsAndReopenFollowsRotation() throws Exception {
    String id =
        create(
            base("chatty")
                .addAllCommand(
                    List.of(
                        "sh",
                        "-c",
                        "head -c 20000 /dev/zero | tr '\\0' a; echo; echo done; "
                            + "while true; do echo tick; sleep 0.2; done")));
    start(id);
    Path log = dir.resolve("logs/chatty.log");
    String text = awaitLog(log, "done");
    assertThat(text).contains(" stdout P ");
    assertThat(text).containsPattern("(?m) stdout F done$");

    Path rotated = dir.resolve("logs/chatty.log.1");
    Files.move(log, rotated);
    daemon
        .runtime()
        .reopenContainerLog(
            io.caisson.cri.v1.ReopenContainerLogRequest.newBuilder().setContainerId(id).build());
    assertThat(awaitLog(log, "tick")).contains("stdout F tick");
    remove(id);
  }

  @Test
  void aReopenRemakesADeletedLogDirectoryAndAFailedOneLeavesTheContainerRunning() throws Exception {
    // kubelet reopens a log it finds missing, e.g. after its directory was deleted.
    String id = create(ticker("reopen-gone").setLogPath("gone/0.log"));
    start(id);
    Path log = dir.resolve("logs/gone/0.log");
    awaitLog(log, "tick");
    RecordStore.deleteTree(log.getParent());
    reopenLog(id);
    assertThat(awaitLog(log, "tick")).contains("stdout F tick");

    // A log filesystem without a free inode: conmon could not open the new file and would exit,
    // ending the container; the call fails instead and the container keeps writing.
    Path tiny = dir.resolve("logs/tiny");
    Files.createDirectories(tiny);
    Syscalls.mount("tiny", tiny, "tmpfs", 0, "nr_inodes=2,size=1m");
    try {
      String full = create(ticker("reopen-full").setLogPath("tiny/0.log"));
      start(full);
      Path fullLog = tiny.resolve("0.log");
      awaitLog(fullLog, "tick");
      Files.move(fullLog, tiny.resolve("0.log.1"));
      assertCode(Status.Code.RESOURCE_EXHAUSTED, () -> reopenLog(full));
      Thread.sleep(1000);
      assertThat(status(full).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
      remove(full);
    } finally {
      Syscalls.umount(tiny, 0);
    }
    remove(id);
  }

  private ContainerConfig.Builder ticker(String name) {
    return base(name)
        .addAllCommand(List.of("sh", "-c", "while true; do echo tick; sleep 0.1; done"));
  }

  private void reopenLog(String id) {
    daemon
        .runtime()
        .reopenContainerLog(
            io.caisson.cri.v1.ReopenContainerLogRequest.newBuilder().setContainerId(id).build());
  }

  @Test
  void theNodesLogSizeMaxKeepsALogFileFromGrowingPastIt() throws Exception {
    restartDaemon("--log-size-max", "8192");
    String id =
        create(
            base("flood")
                .addAllCommand(
                    List.of(
                        "sh",
                        "-c",
                        "i=0; while [ $i -lt 600 ]; do echo record-$i-of-a-flood; i=$((i+1)); done;"
                            + " echo flood-over; exec sleep 3600")));
    start(id);
    Path log = dir.resolve("logs/flood.log");
    // ~35 KB of records went through a file that never held more than 8 KiB: conmon truncated it
    // and wrote on from its start, so the newest records are there and the first ones are not.
    String text = awaitLog(log, "flood-over");
    assertThat(Files.size(log)).isLessThanOrEqualTo(8192);
    assertThat(text).contains("stdout F record-599-of-a-flood").doesNotContain("record-0-of");
    remove(id);
  }

  @Test
  void aHundredContainersCreatedAndRemovedLeaveNothingBehind() throws Exception {
    List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 100; i++) {
      ids.add(create(base("many-" + i).addAllCommand(List.of("sleep", "3600"))));
    }
    for (String id : ids) {
      remove(id);
    }
    try (var left = Files.list(daemon.dir().resolve("state/containers"))) {
      assertThat(left).isEmpty();
    }
    // The leak check after each test covers mounts and conmon/runc processes.
  }

  private ContainerStatus awaitExit(String id) throws InterruptedException {
    for (int i = 0; i < 300; i++) {
      ContainerStatus status = status(id);
      if (status.getState() == ContainerState.CONTAINER_EXITED) {
        return status;
      }
      Thread.sleep(100);
    }
    return status(id);
  }

  /** A long-running container whose process is root, so only the mount can refuse a write. */
  private ContainerConfig.Builder asRoot(String name) {
    return base(name)
        .addAllCommand(List.of("sleep", "3600"))
        .setLinux(
            security(
                LinuxContainerSecurityContext.newBuilder()
                    .setRunAsUser(Int64Value.newBuilder().setValue(0))));
  }

  private static Mount.Builder volume(Path host, boolean recursive, MountPropagation propagation) {
    Mount.Builder mount =
        Mount.newBuilder()
            .setHostPath(host.toString())
            .setContainerPath("/mnt")
            .setReadonly(true)
            .setRecursiveReadOnly(recursive);
    return propagation == null ? mount : mount.setPropagation(propagation);
  }

  private static void run(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).inheritIO().start();
    assertThat(p.waitFor()).as(String.join(" ", argv)).isZero();
  }

  private ContainerConfig.Builder base(String name) {
    return ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName(name))
        .setImage(ImageSpec.newBuilder().setImage(image))
        .setLogPath(name + ".log");
  }

  /** A container's Linux config with only a security context. */
  private static LinuxContainerConfig.Builder security(
      LinuxContainerSecurityContext.Builder context) {
    return LinuxContainerConfig.newBuilder().setSecurityContext(context);
  }

  private static ContainerConfig.Builder ownPidNamespace(ContainerConfig.Builder config) {
    return config.setLinux(
        security(
            LinuxContainerSecurityContext.newBuilder()
                .setNamespaceOptions(
                    NamespaceOption.newBuilder()
                        .setNetwork(NamespaceMode.POD)
                        .setIpc(NamespaceMode.POD)
                        .setPid(NamespaceMode.CONTAINER))));
  }

  /** A shell that waits on a child and runs {@code onTerm} when SIGTERM comes. */
  private static List<String> trapTerm(String onTerm) {
    return List.of("sh", "-c", "trap '" + onTerm + "' TERM; sleep 3600 & wait; wait");
  }

  private void stopWithin(String id, long seconds) {
    daemon
        .runtime()
        .stopContainer(
            StopContainerRequest.newBuilder().setContainerId(id).setTimeout(seconds).build());
  }

  private Path runcState(String id) {
    return daemon.dir().resolve("state/runc").resolve(id);
  }

  private String create(ContainerConfig.Builder config) {
    return daemon
        .runtime()
        .createContainer(
            CreateContainerRequest.newBuilder().setPodSandboxId(pod).setConfig(config).build())
        .getContainerId();
  }

  private void start(String id) {
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
  }

  private void removePod(String id) {
    daemon
        .runtime()
        .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
  }

  private void remove(String id) {
    daemon
        .runtime()
        .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
  }

  private ContainerStatus status(String id) {
    return daemon
        .runtime()
        .containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build())
        .getStatus();
  }

  private ExecSyncResponse exec(String id, String... argv) {
    return TestNode.exec(daemon.runtime(), id, argv);
  }

  private static String awaitLog(Path log, String expected) throws Exception {
    for (int i = 0; i < 200; i++) {
      if (Files.exists(log) && Files.readString(log).contains(expected)) {
        return Files.readString(log);
      }
      Thread.sleep(25);
    }
    return Files.exists(log) ? Files.readString(log) : "";
  }

  private static void assertCode(
      Status.Code code, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }
}
