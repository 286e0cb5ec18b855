package io.caisson.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.cri.v1.CheckpointContainerRequest;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ContainerMetadata;
import io.caisson.cri.v1.ContainerState;
import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.CreateContainerRequest;
import io.caisson.cri.v1.ExecSyncRequest;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.RemoveContainerRequest;
import io.caisson.cri.v1.RemovePodSandboxRequest;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.StartContainerRequest;
import io.caisson.testing.DaemonProcess;
import io.caisson.testing.LeakCheck;
import io.caisson.testing.TestImages;
import io.caisson.testing.TestNetwork;
import io.caisson.testing.TestRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CheckpointContainer's dump side against the real daemon, with CRIU played by the test: {@code
 * criu check} fails on the development kernel, so the daemon runs in a mount namespace of its own
 * whose {@code /usr/local/sbin} (searched first) holds a criu whose check passes, and its runc is a
 * wrapper that hands every call to runc but {@code checkpoint}, which it plays as {@code ctl/mode}
 * says, writing down in {@code ctl/calls} what it saw.
 */
class CheckpointDumpIT {
  private static final String COUNTER =
      "i=0; while true; do i=$((i+1)); echo $i > /count; sleep 0.2; done";

  /**
   * The runtime: {@code checkpoint} records the container's state, then does what the mode says
   * (freeze-and-die: freeze the container as CRIU does and be killed; sleep N: take N seconds) and
   * writes a stand-in image; {@code resume} records whether the layer diff was written by then.
   */
  private static final String RUNC =
      """
      #!/bin/sh
      ctl=%s
      root=; images=; id=; prev=
      for a; do
        case "$prev" in --image-path) images=$a ;; esac
        case "$a" in --root=*) root=${a#--root=} ;; esac
        prev=$a; id=$a
      done
      status() {
        /usr/sbin/runc --root="$root" state "$id" 2>/dev/null \\
          | sed -n 's/^ *"status": "\\(.*\\)",$/\\1/p'
      }
      case " $* " in
        *" checkpoint "*)
          echo "checkpoint saw $(status)" >> $ctl/calls
          echo "$images" > $ctl/images
          mode=$(cat $ctl/mode)
          case "$mode" in
            freeze-and-die) /usr/sbin/runc --root="$root" pause "$id"; kill -KILL $$ ;;
            sleep*) sleep ${mode#sleep } ;;
          esac
          echo dump > "$images/inventory.img"
          exit 0 ;;
        *" resume "*)
          if [ -f "$(dirname "$(cat $ctl/images)")/rootfs-diff.tar" ]; then d=written; else d=missing; fi
          echo "resume with the diff $d" >> $ctl/calls ;;
        *" pause "*) echo pause >> $ctl/calls ;;
      esac
      exec /usr/sbin/runc "$@"
      """;

  @TempDir static Path shared;
  private static TestRegistry registry;
  private static String image;
  private static String pause;

  @TempDir Path dir;
  private LeakCheck leaks;
  private TestNetwork network;
  private DaemonProcess daemon;
  private Path ctl;
  private String pod;

  @BeforeAll
  static void pushImages() throws Exception {
    registry = TestRegistry.start(shared.resolve("registry"));
    image = TestImages.pushBusybox(registry, "it/busybox", "1", "{\"Cmd\": [\"sleep\", \"3600\"]}");
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
    ctl = Files.createDirectories(dir.resolve("ctl"));
    Files.writeString(ctl.resolve("mode"), "ok");
    Path runc = executable(dir.resolve("runc"), RUNC.formatted(ctl));
    Path criu = executable(dir.resolve("criu"), "#!/bin/sh\nexit 0\n");
    Files.writeString(
        Files.createDirectories(dir.resolve("daemon/caisson.d")).resolve("50-runc.toml"),
        "[runtimes.runc]\npath = \"" + runc + "\"\n");
    daemon =
        DaemonProcess.startUnder(
            List.of(
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                "mount -t tmpfs -o size=1m,mode=0755 criu-stand-in /usr/local/sbin"
                    + " && cp \"$0\" /usr/local/sbin/criu && exec \"$@\"",
                criu.toString()),
            dir.resolve("daemon"),
            "--cni-conf-dir",
            network.confDir().toString(),
            "--pause-image",
            pause);
    daemon
        .images()
        .pullImage(
            PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
    pod =
        daemon
            .runtime()
            .runPodSandbox(
                RunPodSandboxRequest.newBuilder()
                    .setConfig(
                        PodSandboxConfig.newBuilder()
                            .setMetadata(
                                PodSandboxMetadata.newBuilder()
                                    .setName("ckpt-dump-it")
                                    .setNamespace("it")
                                    .setUid(UUID.randomUUID().toString()))
                            .setLogDirectory(dir.resolve("logs").toString()))
                    .build())
            .getPodSandboxId();
  }

  @AfterEach
  void stop() throws Exception {
    try {
      // A container a failed test left frozen could not be killed (cgroup v1 freezer).
      Process list = runc("list", "-q");
      for (String id : new String(list.getInputStream().readAllBytes()).strip().split("\n")) {
        runc("resume", id).waitFor();
      }
      daemon
          .runtime()
          .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    } finally {
      daemon.close();
    }
    network.assertNothingAttached();
    network.close();
    leaks.assertNothingLeaked();
  }

  @Test
  void theDumpAndTheLayerDiffAreTakenOfAFrozenContainer() throws Exception {
    String id = runningCounter();
    Path location = dir.resolve("counter.tar");
    checkpoint(id, location, 30);

    assertThat(location).isRegularFile();
    // Frozen before CRIU dumps (as CRI-O does) and thawed only once the diff is written: no file
    // changes between the memory images and the diff, which restore needs to match.
    assertThat(Files.readAllLines(ctl.resolve("calls")))
        .containsExactly("pause", "checkpoint saw paused", "resume with the diff written");
    assertRunning(id);
  }

  @Test
  void aDumpThatDiesLeavesTheContainerRunning() throws Exception {
    String id = runningCounter();
    Files.writeString(ctl.resolve("mode"), "freeze-and-die");
    Path out = Files.createDirectories(dir.resolve("out"));

    assertThatThrownBy(() -> checkpoint(id, out.resolve("counter.tar"), 30))
        .isInstanceOf(StatusRuntimeException.class);

    // CRIU froze it and was killed: the container runs again, and nothing is left.
    assertRunning(id);
    assertNothingLeft(out);
  }

  @Test
  void theCallersDeadlineEndsTheDumpAndNothingAppearsAfterIt() throws Exception {
    String id = runningCounter();
    Files.writeString(ctl.resolve("mode"), "sleep 5");
    Path out = Files.createDirectories(dir.resolve("out"));
    Path location = out.resolve("counter.tar");

    // kubelet's way: a timeout in the request, a gRPC deadline of its own.
    assertThatThrownBy(
            () ->
                daemon
                    .runtime()
                    .withDeadlineAfter(2, TimeUnit.SECONDS)
                    .checkpointContainer(
                        CheckpointContainerRequest.newBuilder()
                            .setContainerId(id)
                            .setLocation(location.toString())
                            .setTimeout(30)
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));

    // The caller has given up: no archive may appear once the dump is over (it took 5 s).
    Path tmp = daemon.dir().resolve("root/tmp");
    for (int i = 0; i < 200 && !isEmpty(tmp); i++) {
      Thread.sleep(100);
    }
    assertThat(location).doesNotExist();
    assertRunning(id);
    assertNothingLeft(out);
  }

  @Test
  void anEndlessTimeoutIsNoError() throws Exception {
    String id = runningCounter();
    Path location = dir.resolve("counter.tar");
    checkpoint(id, location, Long.MAX_VALUE);
    assertThat(location).isRegularFile();
    assertRunning(id);
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static Path executable(Path path, String text) throws Exception {
    Files.writeString(path, text);
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    return path;
  }

  private String runningCounter() throws Exception {
    String id =
        daemon
            .runtime()
            .createContainer(
                CreateContainerRequest.newBuilder()
                    .setPodSandboxId(pod)
                    .setConfig(
                        ContainerConfig.newBuilder()
                            .setMetadata(ContainerMetadata.newBuilder().setName("counter"))
                            .setImage(ImageSpec.newBuilder().setImage(image))
                            .addAllCommand(List.of("sh", "-c", COUNTER))
                            .setLogPath("counter.log"))
                    .build())
            .getContainerId();
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    return id;
  }

  private void checkpoint(String id, Path location, long timeout) {
    daemon
        .runtime()
        .checkpointContainer(
            CheckpointContainerRequest.newBuilder()
                .setContainerId(id)
                .setLocation(location.toString())
                .setTimeout(timeout)
                .build());
  }

  /** Running for runc (not frozen) and for the CRI, and its processes answer. */
  private void assertRunning(String id) throws Exception {
    Process state = runc("state", id);
    String json = new String(state.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    state.waitFor();
    assertThat(json).contains("\"status\": \"running\"");
    assertThat(
            daemon
                .runtime()
                .containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build())
                .getStatus()
                .getState())
        .isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(
            daemon
                .runtime()
                .execSync(
                    ExecSyncRequest.newBuilder()
                        .setContainerId(id)
                        .addAllCmd(List.of("cat", "/count"))
                        .setTimeout(5)
                        .build())
                .getExitCode())
        .isZero();
    daemon
        .runtime()
        .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
  }

  /** The real runc on the daemon's runc root. */
  private Process runc(String... args) throws Exception {
    List<String> argv =
        new java.util.ArrayList<>(
            List.of("/usr/sbin/runc", "--root=" + daemon.dir().resolve("state/runc")));
    argv.addAll(List.of(args));
    return new ProcessBuilder(argv).redirectErrorStream(true).start();
  }

  private void assertNothingLeft(Path out) throws Exception {
    assertThat(isEmpty(out)).as("files beside the archive's location").isTrue();
    assertThat(isEmpty(daemon.dir().resolve("root/tmp"))).as("staging left in ROOT/tmp").isTrue();
  }

  private static boolean isEmpty(Path dir) throws Exception {
    if (!Files.exists(dir)) {
      return true;
    }
    try (Stream<Path> left = Files.list(dir)) {
      return left.findAny().isEmpty();
    }
  }
}
