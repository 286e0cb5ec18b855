package io.caisson.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.cri.v1.ContainerState;
import io.caisson.cri.v1.ContainerStatus;
import io.caisson.cri.v1.ExecSyncRequest;
import io.caisson.cri.v1.ExecSyncResponse;
import io.caisson.cri.v1.LinuxPodSandboxConfig;
import io.caisson.cri.v1.LinuxSandboxSecurityContext;
import io.caisson.cri.v1.ListContainersRequest;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.cri.v1.NamespaceOption;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxState;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.StopContainerRequest;
import io.caisson.cri.v1.StopPodSandboxRequest;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import io.caisson.linux.Syscalls;
import io.caisson.store.RecordStore;
import io.caisson.testing.DelRefusingPlugin;
import io.caisson.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon stops (SIGTERM) or crashes (SIGKILL) with a pod running; meanwhile one container
 * exits. The daemon that starts on the same dirs finds everything as it really is and nothing is
 * started twice.
 */
class RestartIT {
  private static final Pattern LINE = Pattern.compile("stdout F line (\\d+)$", Pattern.MULTILINE);

  @TempDir Path dir;
  private TestNode node;

  @AfterEach
  void tearDown() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void containersSurviveAGracefulStop() throws Exception {
    survivesRestart(false);
  }

  @Test
  void containersSurviveACrash() throws Exception {
    survivesRestart(true);
  }

  private void survivesRestart(boolean crash) throws Exception {
    node = TestNode.start(dir);
    String pod = node.runPod("restart");
    String sleeper = node.run(pod, "restart", node.container("sleeper", "sleep", "3600"));
    String exiter =
        node.run(
            pod,
            "restart",
            node.container(
                "exiter", "sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 3"));
    String logger =
        node.run(
            pod,
            "restart",
            node.container(
                "logger",
                "sh",
                "-c",
                "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.2; done"));
    String echoer =
        node.run(
            pod,
            "restart",
            node.container("echoer", "sh", "-c", "while read l; do echo \"c:$l\"; done")
                .setStdin(true));
    String waiting =
        node.create(
            pod, "restart", node.container("waiting", "sh", "-c", "echo began; sleep 3600"));
    Path log = node.logs().resolve("restart/logger.log");
    awaitLine(log, 3);
    long sleeperPid = recordedPid(sleeper);
    long loggerPid = recordedPid(logger);
    String sleeperStart = processStart(sleeperPid);
    String loggerStart = processStart(loggerPid);
    assertThat(sleeperPid).isPositive();

    assertThat(attachAndEcho(echoer, "before")).contains("c:before");
    long stoppedAt = nanosNow();
    if (crash) {
      node.daemon.kill();
    } else {
      assertThat(node.daemon.stop()).isZero();
    }
    // While nobody watches: the exiter ends with code 3, the logger keeps writing.
    long exiterPid = recordedPid(exiter);
    Files.writeString(bundleRootfs(exiter).resolve("tmp/go"), "");
    awaitGone(exiterPid);
    int lastBefore = awaitLine(log, lastLine(log) + 2);
    Thread.sleep(200);
    long restartedAt = nanosNow();
    node.startDaemon();

    assertThat(node.pods())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getId()).isEqualTo(pod);
              assertThat(p.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
            });
    var listed =
        node.daemon
            .runtime()
            .listContainers(ListContainersRequest.getDefaultInstance())
            .getContainersList();
    assertThat(listed).hasSize(5);
    // Attach reaches the same process through conmon, which kept its stdin all along.
    assertThat(attachAndEcho(echoer, "after restart")).contains("c:after restart");
    // Created before the restart, started only now: exactly once.
    assertThat(node.status(waiting).getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
    node.daemon
        .runtime()
        .startContainer(
            io.caisson.cri.v1.StartContainerRequest.newBuilder().setContainerId(waiting).build());
    assertThat(node.status(waiting).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(node.status(sleeper).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(node.status(logger).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    ContainerStatus exited = node.status(exiter);
    assertThat(exited.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(exited.getExitCode()).isEqualTo(3);
    assertThat(exited.getReason()).isEqualTo("Error");
    assertThat(exited.getFinishedAt()).isBetween(stoppedAt, restartedAt);
    // Its end was recorded at recovery; runc's state of it goes then too, not at its removal.
    Path exiterRuncState = node.daemonState().resolve("runc").resolve(exiter);
    for (int i = 0; i < 200 && Files.exists(exiterRuncState); i++) {
      Thread.sleep(25);
    }
    assertThat(exiterRuncState).doesNotExist();

    // Same processes, not new ones: same pid, same start time, the log counter never restarted.
    assertThat(recordedPid(sleeper)).isEqualTo(sleeperPid);
    assertThat(processStart(sleeperPid)).isEqualTo(sleeperStart);
    assertThat(processStart(loggerPid)).isEqualTo(loggerStart);
    awaitLine(log, lastBefore + 3);
    String text = Files.readString(log);
    assertThat(Pattern.compile("stdout F line 1$", Pattern.MULTILINE).matcher(text).results())
        .hasSize(1);

    ExecSyncResponse exec =
        node.daemon
            .runtime()
            .execSync(
                ExecSyncRequest.newBuilder()
                    .setContainerId(sleeper)
                    .addAllCmd(List.of("sh", "-c", "echo alive; exit 7"))
                    .setTimeout(10)
                    .build());
    assertThat(exec.getStdout().toStringUtf8()).isEqualTo("alive\n");
    assertThat(exec.getExitCode()).isEqualTo(7);

    node.daemon
        .runtime()
        .stopContainer(
            StopContainerRequest.newBuilder().setContainerId(logger).setTimeout(5).build());
    assertThat(node.status(logger).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(node.daemonState().resolve("runc").resolve(logger)).doesNotExist();
    node.removeContainer(exiter);
    assertThat(
            node.daemon
                .runtime()
                .listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersCount())
        .isEqualTo(4);
    Path waitingLog = node.logs().resolve("restart/waiting.log");
    for (int i = 0;
        i < 100 && !(Files.exists(waitingLog) && Files.readString(waitingLog).contains("began"));
        i++) {
      Thread.sleep(50);
    }
    assertThat(Files.readString(waitingLog).lines().filter(l -> l.endsWith(" began")).count())
        .isEqualTo(1);
    node.removePod(pod);
    node.cleanUpAndAssertNothingLeaked();
  }

  /**
   * A StopPodSandbox that failed (a CNI plugin's DEL) has already stopped the pod's containers and
   * most of its network: the pod is not ready from then on, also for a daemon started again, which
   * must not report it ready with an address IPAM has given back. Stop and remove succeed once the
   * plugin does.
   */
  @Test
  void aPodWhoseStopFailedIsNotReadyAfterARestart() throws Exception {
    node = TestNode.start(dir);
    DelRefusingPlugin plugin = DelRefusingPlugin.install(dir, node.network.confDir());
    Path refuseDel = plugin.refuseSwitch();
    String[] bins = plugin.binDirFlags();
    node.daemon.close();
    node.startDaemon(bins);
    String pod = node.runPod("stop-fails");
    node.run(pod, "stop-fails", node.container("app", "sleep", "3600"));

    Files.createFile(refuseDel);
    assertThatThrownBy(
            () ->
                node.daemon
                    .runtime()
                    .stopPodSandbox(
                        StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build()))
        .hasMessageContaining("DEL refused by the test");
    node.daemon.kill();
    node.startDaemon(bins);
    assertThat(node.podState(pod)).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);

    Files.delete(refuseDel);
    node.removePod(pod);
    node.cleanUpAndAssertNothingLeaked();
  }

  /**
   * What a reboot leaves: records on disk, but runc's state, conmon and the exit file (all in
   * tmpfs) gone. The container is reported exited with an unknown code, and can be removed.
   */
  @Test
  void aContainerWhoseRuntimeStateVanishedIsReportedExitedUnknown() throws Exception {
    node = TestNode.start(dir);
    String pod = node.runPod("reboot");
    String lost = node.run(pod, "reboot", node.container("lost", "sleep", "3600"));
    crashWithConmonAndProcessGone(lost);
    runc("delete", "--force", lost);
    Files.deleteIfExists(node.daemonState().resolve("exits").resolve(lost));

    long restartedAt = nanosNow();
    node.startDaemon();
    ContainerStatus status = node.status(lost);
    assertThat(status.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(status.getExitCode()).isEqualTo(255);
    assertThat(status.getReason()).isEqualTo("Unknown");
    assertThat(status.getFinishedAt()).isGreaterThanOrEqualTo(restartedAt);
    node.removeContainer(lost);
    node.removePod(pod);
    node.cleanUpAndAssertNothingLeaked();
  }

  /**
   * Its conmon killed (the OOM killer), then the container ended, both while the daemon was down:
   * runc still knows the container, but nothing will ever write its exit down. Reported exited,
   * code unknown, rather than running for ever, and it can be removed with its pod.
   */
  @Test
  void aContainerWhoseConmonDiedWhileTheDaemonWasDownIsReportedExitedUnknown() throws Exception {
    node = TestNode.start(dir);
    String pod = node.runPod("orphan");
    String orphan = node.run(pod, "orphan", node.container("orphan", "sleep", "3600"));
    crashWithConmonAndProcessGone(orphan);

    node.startDaemon();
    ContainerStatus status = node.status(orphan);
    assertThat(status.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(status.getExitCode()).isEqualTo(255);
    assertThat(status.getReason()).isEqualTo("Unknown");
    assertThat(status.getMessage()).contains("conmon was gone");
    node.daemon
        .runtime()
        .stopContainer(
            StopContainerRequest.newBuilder().setContainerId(orphan).setTimeout(10).build());
    node.removePod(pod);
    node.cleanUpAndAssertNothingLeaked();
  }

  /**
   * The daemon killed between `runc start` and writing the start down: the container runs, so it is
   * reported running (and not created, which would make kubelet start another in its place).
   */
  @Test
  void aContainerStartedJustBeforeACrashIsReportedRunning() throws Exception {
    node = TestNode.start(dir);
    String pod = node.runPod("started");
    String started = node.create(pod, "started", node.container("started", "sleep", "3600"));
    node.daemon.kill();
    runc("start", started);

    long restartedAt = nanosNow();
    node.startDaemon();
    ContainerStatus status = node.status(started);
    assertThat(status.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(status.getStartedAt()).isGreaterThanOrEqualTo(restartedAt);
    assertThat(node.exec(started, "echo", "up").getStdout().toStringUtf8()).isEqualTo("up\n");
    node.removePod(pod);
    node.cleanUpAndAssertNothingLeaked();
  }

  /**
   * A pod on the host's network has no network namespace file, but its IPC namespace, /dev/shm and
   * files were in the state dir too: after a reboot it is not ready, so kubelet makes another.
   */
  @Test
  void aHostNetworkPodIsNotReadyAfterAReboot() throws Exception {
    node = TestNode.start(dir);
    PodSandboxConfig config = hostNetwork(node.pod("hostnet"));
    String pod =
        node.daemon
            .runtime()
            .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
            .getPodSandboxId();
    assertThat(node.podState(pod)).isEqualTo(PodSandboxState.SANDBOX_READY);
    node.daemon.kill();
    rebootAway(node.daemonState());

    node.startDaemon();
    assertThat(node.podState(pod)).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
    node.removePod(pod);
    node.cleanUpAndAssertNothingLeaked();
  }

  private static PodSandboxConfig hostNetwork(PodSandboxConfig pod) {
    return pod.toBuilder()
        .setLinux(
            LinuxPodSandboxConfig.newBuilder()
                .setSecurityContext(
                    LinuxSandboxSecurityContext.newBuilder()
                        .setNamespaceOptions(
                            NamespaceOption.newBuilder()
                                .setNetwork(NamespaceMode.NODE)
                                .setPid(NamespaceMode.CONTAINER))))
        .build();
  }

  /**
   * A crash after the CNI plugins ran but before the pod's record reached the disk, then a reboot
   * (the state dir went, with the pod's namespaces): the IPAM plugin still holds the pod's address,
   * and only the CNI cache (and perhaps the pod's config) knows of the pod. The next daemon
   * detaches it, so the address is free again.
   */
  @Test
  void aPodWhoseRecordNeverReachedTheDiskIsDetachedAfterAReboot() throws Exception {
    node = TestNode.start(dir);
    String pod = node.runPod("unrecorded");
    String configOnly = node.runPod("config-only");
    assertThat(node.network.allocatedIps()).isEqualTo(2);
    node.daemon.kill();
    Path records = node.daemonRoot().resolve("sandboxes");
    RecordStore.deleteTree(records.resolve(pod));
    Files.delete(records.resolve(configOnly).resolve("sandbox.json"));
    rebootAway(node.daemonState());
    node.network.dropNatRulesAsARebootWould();

    node.startDaemon();
    assertThat(node.pods()).isEmpty();
    assertThat(node.network.allocatedIps()).isZero();
    assertThat(node.daemon.log())
        .contains("sandbox " + pod + " has no record but a CNI attachment")
        .contains("sandbox " + configOnly + " was never fully created");
    node.cleanUpAndAssertNothingLeaked();
  }

  /** The daemon killed, then the container's conmon, then its process (the OOM killer's way). */
  private void crashWithConmonAndProcessGone(String id) throws Exception {
    long pid = recordedPid(id);
    Path bundle = node.daemonState().resolve("containers").resolve(id);
    long conmon = Long.parseLong(Files.readString(bundle.resolve("conmon.pid")).strip());
    node.daemon.kill();
    ProcessHandle.of(conmon).ifPresent(ProcessHandle::destroyForcibly);
    awaitGone(conmon);
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    awaitGone(pid);
  }

  /** runc on the daemon's own root, as someone at the node would run it by hand. */
  private void runc(String... args) throws Exception {
    List<String> argv = new java.util.ArrayList<>();
    argv.addAll(List.of("/usr/sbin/runc", "--root", node.daemonState().resolve("runc").toString()));
    argv.addAll(List.of(args));
    assertThat(new ProcessBuilder(argv).inheritIO().start().waitFor()).as(argv.toString()).isZero();
  }

  /** What a reboot does to the state dir (a tmpfs on a node): its mounts and files are gone. */
  private static void rebootAway(Path stateDir) throws Exception {
    List<String> mounts = new java.util.ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String point = line.split(" ")[4];
      if (point.startsWith(stateDir.toString() + "/")) {
        mounts.add(point);
      }
    }
    mounts.sort(java.util.Comparator.reverseOrder()); // the deepest first
    for (String point : mounts) {
      Syscalls.umount(Path.of(point), Syscalls.MNT_DETACH);
    }
    RecordStore.deleteTree(stateDir);
  }

  private String attachAndEcho(String id, String line) throws Exception {
    String url =
        node.daemon
            .runtime()
            .attach(
                io.caisson.cri.v1.AttachRequest.newBuilder()
                    .setContainerId(id)
                    .setStdin(true)
                    .setStdout(true)
                    .build())
            .getUrl();
    try (AttachClient attach = AttachClient.connect(url)) {
      attach.type(line + "\n");
      return attach.awaitStdout("c:" + line);
    }
  }

  private long recordedPid(String id) throws Exception {
    JsonValue record =
        Json.parse(node.daemonRoot().resolve("containers").resolve(id).resolve("container.json"));
    return record.get("pid").asLong();
  }

  private Path bundleRootfs(String id) {
    return node.daemonState().resolve("containers").resolve(id).resolve("rootfs");
  }

  /** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
  private static String processStart(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return fields[19];
  }

  private static void awaitGone(long pid) throws InterruptedException {
    for (int i = 0;
        i < 200 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        i++) {
      Thread.sleep(50);
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    // conmon writes the exit file right after reaping; give it a moment.
    Thread.sleep(300);
  }

  private static int lastLine(Path log) throws Exception {
    if (!Files.exists(log)) {
      return 0;
    }
    Matcher m = LINE.matcher(Files.readString(log));
    int last = 0;
    while (m.find()) {
      last = Integer.parseInt(m.group(1));
    }
    return last;
  }

  private static int awaitLine(Path log, int atLeast) throws Exception {
    for (int i = 0; i < 200; i++) {
      int last = lastLine(log);
      if (last >= atLeast) {
        return last;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("log " + log + " never reached line " + atLeast);
  }

  private static long nanosNow() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
