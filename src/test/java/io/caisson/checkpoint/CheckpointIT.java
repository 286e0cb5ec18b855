package io.caisson.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.cri.v1.Capability;
import io.caisson.cri.v1.CheckpointContainerRequest;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ContainerMetadata;
import io.caisson.cri.v1.ContainerState;
import io.caisson.cri.v1.ContainerStatus;
import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.CreateContainerRequest;
import io.caisson.cri.v1.Device;
import io.caisson.cri.v1.ExecSyncRequest;
import io.caisson.cri.v1.IDMapping;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.ImageStatusRequest;
import io.caisson.cri.v1.Int64Value;
import io.caisson.cri.v1.LinuxContainerConfig;
import io.caisson.cri.v1.LinuxContainerSecurityContext;
import io.caisson.cri.v1.Mount;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.RemoveContainerRequest;
import io.caisson.cri.v1.RemovePodSandboxRequest;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.SecurityProfile;
import io.caisson.cri.v1.StartContainerRequest;
import io.caisson.cri.v1.StatusRequest;
import io.caisson.cri.v1.StopContainerRequest;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CheckpointContainer and restore through CreateContainer, against the real daemon. */
class CheckpointIT {
  /** Prints and stores an ever-growing counter; the shell holds it in memory, not in the file. */
  private static final String COUNTER =
      "i=0; while true; do i=$((i+1)); echo $i > /count; echo $i; sleep 0.2; done";

  @TempDir static Path shared;
  private static TestRegistry registry;
  private static String image;
  private static String pause;

  /** Why {@code criu check} fails on this host, empty when it passes. */
  private static Optional<String> criuUnusable;

  @TempDir Path dir;
  private LeakCheck leaks;
  private TestNetwork network;
  private DaemonProcess daemon;
  private String pod;

  @BeforeAll
  static void pushImages() throws Exception {
    registry = TestRegistry.start(shared.resolve("registry"));
    image = TestImages.pushBusybox(registry, "it/busybox", "1", "{\"Cmd\": [\"sleep\", \"3600\"]}");
    pause =
        TestImages.pushBusybox(registry, "it/pause", "1", "{\"Cmd\": [\"sleep\", \"2147483647\"]}");
    criuUnusable = criuCheck();
  }

  private static Optional<String> criuCheck() throws Exception {
    Process p = new ProcessBuilder("criu", "check").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() == 0) {
      return Optional.empty();
    }
    return out.lines().filter(l -> l.startsWith("Error")).findFirst().or(() -> Optional.of(out));
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
    pod =
        daemon
            .runtime()
            .runPodSandbox(
                RunPodSandboxRequest.newBuilder()
                    .setConfig(
                        PodSandboxConfig.newBuilder()
                            .setMetadata(
                                PodSandboxMetadata.newBuilder()
                                    .setName("ckpt-it")
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
      String ids =
          Files.isDirectory(daemon.dir().resolve("state/runc")) ? runc("list", "-q").strip() : "";
      for (String id : ids.split("\n")) {
        if (!id.isEmpty() && runc("state", id).contains("\"status\": \"paused\"")) {
          runc("resume", id);
        }
      }
      daemon
          .runtime()
          .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    } finally {
      daemon.close();
    }
    try {
      network.assertNothingAttached();
    } catch (AssertionError e) {
      String log = daemon.log();
      throw new AssertionError(
          e.getMessage()
              + "\ndaemon log (end):\n"
              + log.substring(Math.max(0, log.length() - 20_000)),
          e);
    }
    network.close();
    leaks.assertNothingLeaked();
  }

  @Test
  void badRequestsAreRefusedBeforeAnythingIsDone() throws Exception {
    Path location = dir.resolve("ckpt.tar");
    assertCode(
        Status.Code.NOT_FOUND, () -> checkpoint("0123456789abcdef0123456789abcdef", location, 0));

    String created = create(base("created").addAllCommand(List.of("sleep", "3600")));
    assertCode(Status.Code.FAILED_PRECONDITION, () -> checkpoint(created, location, 0));

    String exited = create(base("exited").addAllCommand(List.of("true")));
    start(exited);
    awaitState(exited, ContainerState.CONTAINER_EXITED);
    assertCode(Status.Code.FAILED_PRECONDITION, () -> checkpoint(exited, location, 0));

    String running = create(base("running").addAllCommand(List.of("sleep", "3600")));
    start(running);
    for (String bad :
        List.of("", "relative/ckpt.tar", dir.resolve("no-such-dir/ckpt.tar").toString())) {
      assertCode(
          Status.Code.INVALID_ARGUMENT,
          () ->
              daemon
                  .runtime()
                  .checkpointContainer(
                      CheckpointContainerRequest.newBuilder()
                          .setContainerId(running)
                          .setLocation(bad)
                          .build()));
    }
    assertCode(Status.Code.INVALID_ARGUMENT, () -> checkpoint(running, dir, 0));
    assertThat(location).doesNotExist();
    for (String id : List.of(created, exited, running)) {
      remove(id);
    }
  }

  @Test
  void withoutAWorkingCriuTheCheckpointIsRefusedAndLeavesNothing() throws Exception {
    Assumptions.assumeTrue(
        criuUnusable.isPresent(), "criu check passes on this host: the refusal cannot be seen");
    String id = create(base("counter").addAllCommand(List.of("sh", "-c", COUNTER)));
    start(id);
    Path out = Files.createDirectories(dir.resolve("out"));
    Path location = out.resolve("counter.tar");

    assertThatThrownBy(() -> checkpoint(id, location, 30))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription())
                  .contains("CRIU cannot checkpoint on this host")
                  .contains(criuUnusable.get().strip());
            });

    assertThat(location).doesNotExist();
    try (Stream<Path> left = Files.list(out)) {
      assertThat(left).isEmpty();
    }
    Path tmp = daemon.dir().resolve("root/tmp");
    if (Files.exists(tmp)) {
      try (Stream<Path> left = Files.list(tmp)) {
        assertThat(left).isEmpty();
      }
    }
    // The workload was not disturbed, and the runtime says why checkpoints cannot work.
    assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(
            Json.parse(
                    daemon
                        .runtime()
                        .status(StatusRequest.newBuilder().setVerbose(true).build())
                        .getInfoMap()
                        .get("checkpointRestore"))
                .textValue())
        .startsWith("unavailable: ")
        .contains(criuUnusable.get().strip());
    remove(id);
  }

  @Test
  void aContainerCreatedFromAnArchiveGetsItsLayerAndIsRestoredOnStart() throws Exception {
    // An archive as a checkpoint on another node would have left it: the counter file changed.
    Path upper = Files.createDirectories(dir.resolve("upper"));
    Files.writeString(upper.resolve("count"), "41\n");
    Path staging = Files.createDirectories(dir.resolve("staging"));
    Files.createDirectories(staging.resolve(CheckpointArchive.IMAGES));
    Files.writeString(staging.resolve("checkpoint/inventory.img"), "not a real dump");
    RootfsDiff.write(upper, staging.resolve(CheckpointArchive.ROOTFS_DIFF));
    ContainerConfig original = base("counter").addAllCommand(List.of("sh", "-c", COUNTER)).build();
    CheckpointArchive.writeMetadata(
        staging, CheckpointMetadata.of("feed", image, "sha256:unused", original, 1));
    Path archive = dir.resolve("archive.tar");
    CheckpointArchive.write(staging, archive);

    // Not an archive at all: refused, nothing created.
    Path junk = Files.writeString(dir.resolve("junk.tar"), "junk".repeat(300));
    assertCode(
        Status.Code.INVALID_ARGUMENT,
        () -> create(base("junk").setImage(ImageSpec.newBuilder().setImage(junk.toString()))));

    // A volume with id mappings of its own would be gone by the restore at StartContainer.
    IDMapping ids = IDMapping.newBuilder().setHostId(50000).setLength(10).build();
    assertCode(
        Status.Code.INVALID_ARGUMENT,
        () ->
            create(
                ContainerConfig.newBuilder()
                    .setMetadata(ContainerMetadata.newBuilder().setName("mapped"))
                    .setImage(ImageSpec.newBuilder().setImage(archive.toString()))
                    .addMounts(
                        Mount.newBuilder()
                            .setContainerPath("/data")
                            .setHostPath(dir.toString())
                            .addUidMappings(ids)
                            .addGidMappings(ids))
                    .setLogPath("mapped.log")));

    String id =
        create(
            ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName("restored"))
                .setImage(ImageSpec.newBuilder().setImage(archive.toString()))
                .setLogPath("restored.log"));
    ContainerStatus created = status(id);
    assertThat(created.getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
    assertThat(created.getMetadata().getName()).isEqualTo("restored");
    assertThat(created.getImage().getImage()).isEqualTo(image);
    Path layer = daemon.dir().resolve("root/containers-storage").resolve(id);
    assertThat(layer.resolve("upper/count")).hasContent("41\n");
    assertThat(layer.resolve("restore/checkpoint/inventory.img")).exists();
    // The dump waits there readable by root alone: it holds memory and environment (secrets).
    for (String path : List.of("restore", "restore/checkpoint")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(layer.resolve(path))))
          .as(path)
          .isEqualTo("rwx------");
    }
    for (String path :
        List.of("restore/checkpoint/inventory.img", "restore/" + CheckpointArchive.METADATA)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(layer.resolve(path))))
          .as(path)
          .isEqualTo("rw-------");
    }

    // A daemon restart keeps it waiting for its restore (runc knows nothing of it yet).
    daemon.stop();
    daemon = DaemonProcess.start(dir.resolve("daemon"), daemonArgs());
    assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
    assertThat(layer.resolve("restore/checkpoint/inventory.img")).exists();

    if (criuUnusable.isPresent()) {
      assertThatThrownBy(() -> start(id))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(e.getStatus().getDescription()).contains("CRIU cannot restore");
              });
      assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
    }
    // Stopping a container that never got its processes back just ends it.
    daemon
        .runtime()
        .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build());
    assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(layer.resolve("restore")).doesNotExist();
    remove(id);
    assertThat(layer).doesNotExist();
  }

  @Test
  void anArchiveGrantsNothingTheRestoringRequestDoesNotAsk() throws Exception {
    // Anyone who can write a file can name it as an archive: this one asks for the host.
    Path madeByArchive = dir.resolve("made-by-archive");
    ContainerConfig evil =
        base("evil")
            .addAllCommand(List.of("sleep", "3600"))
            .addMounts(
                Mount.newBuilder().setContainerPath("/host").setHostPath(madeByArchive.toString()))
            .addDevices(
                Device.newBuilder()
                    .setContainerPath("/dev/evil")
                    .setHostPath("/dev/zero")
                    .setPermissions("rwm"))
            .putAnnotations("io.evil.hook", "yes")
            .setLinux(
                LinuxContainerConfig.newBuilder()
                    .setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder()
                            .setCapabilities(
                                Capability.newBuilder().addAddCapabilities("SYS_ADMIN"))
                            .setSeccomp(
                                SecurityProfile.newBuilder()
                                    .setProfileType(SecurityProfile.ProfileType.Unconfined))
                            .setRunAsUser(Int64Value.newBuilder().setValue(0))))
            .build();
    Path archive = archive("evil", evil, image, "sha256:unused");

    // A request without the mount: the archive's host path is never used.
    assertCode(
        Status.Code.INVALID_ARGUMENT,
        () ->
            create(base("no-mount").setImage(ImageSpec.newBuilder().setImage(archive.toString()))));
    assertThat(madeByArchive).doesNotExist();

    // A kubelet-like request: its mount, its security context, nothing of the archive's.
    Path volume = Files.createDirectories(dir.resolve("volume"));
    String id =
        create(
            base("restored")
                .setImage(ImageSpec.newBuilder().setImage(archive.toString()))
                .addMounts(
                    Mount.newBuilder().setContainerPath("/host").setHostPath(volume.toString()))
                .setLinux(
                    LinuxContainerConfig.newBuilder()
                        .setSecurityContext(
                            LinuxContainerSecurityContext.newBuilder()
                                .setCapabilities(Capability.newBuilder().addDropCapabilities("ALL"))
                                .setSeccomp(
                                    SecurityProfile.newBuilder()
                                        .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))
                                .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                                .setNoNewPrivs(true)
                                .addMaskedPaths("/proc/kcore"))));
    assertThat(madeByArchive).doesNotExist();
    JsonValue spec =
        Json.parse(daemon.dir().resolve("state/containers").resolve(id).resolve("config.json"));
    assertThat(spec.at("/process/args").toString()).isEqualTo("[\"sleep\",\"3600\"]");
    assertThat(spec.at("/process/user/uid").asInt()).isEqualTo(1000);
    assertThat(spec.at("/process/noNewPrivileges").asBoolean()).isTrue();
    assertThat(spec.at("/process/capabilities/bounding")).isEmpty();
    assertThat(spec.at("/linux/seccomp").isMissingNode()).isFalse();
    assertThat(spec.at("/linux/maskedPaths").toString()).contains("/proc/kcore");
    assertThat(spec.at("/linux/devices").toString()).doesNotContain("/dev/evil");
    assertThat(spec.at("/annotations").has("io.evil.hook")).isFalse();
    assertThat(mountSources(spec)).contains(volume.toString());
    assertThat(mountSources(spec)).doesNotContain(madeByArchive.toString());
    remove(id);
  }

  @Test
  void theLayerDiffGoesOnTheImageItWasTakenOnEvenWhenItsTagMoved() throws Exception {
    daemon
        .images()
        .pullImage(
            PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(pause)).build());
    String checkpointedId = imageId(image);
    String movedId = imageId(pause);
    assertThat(checkpointedId).isNotEqualTo(movedId);
    // The archive names the image by a tag that now names another image, and by its id.
    Path archive =
        archive(
            "moved",
            base("moved").addAllCommand(List.of("sleep", "3600")).build(),
            pause,
            checkpointedId);

    String id =
        create(base("restored").setImage(ImageSpec.newBuilder().setImage(archive.toString())));
    ContainerStatus created = status(id);
    assertThat(created.getImageId()).isEqualTo(checkpointedId);
    assertThat(created.getImage().getImage()).isEqualTo(pause);
    remove(id);
  }

  @Test
  void whatACheckpointCutShortByACrashLeftIsCleanedUpAtStart() throws Exception {
    String id = create(base("frozen").addAllCommand(List.of("sleep", "3600")));
    start(id);
    // The daemon died while packing a checkpoint of it: frozen, a dump in ROOT/tmp, and a
    // temporary archive beside the location asked for.
    runc("pause", id);
    daemon.stop();
    Path work = daemon.dir().resolve("root/tmp/checkpoint-" + id + "-4711");
    Files.createDirectories(work.resolve("archive/checkpoint"));
    Files.write(work.resolve("archive/checkpoint/pages-1.img"), new byte[4096]);
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.writeString(work.resolve("location"), out.resolve("ckpt.tar").toString());
    Path partial = Files.writeString(out.resolve(".ckpt.tar.1234567.partial"), "half");
    // What is not ours stays: the user's files, another archive's, and anything else in ROOT/tmp.
    List<Path> kept =
        List.of(
            Files.writeString(out.resolve("ckpt.tar.partial"), "user's"),
            Files.writeString(out.resolve(".other.tar.1.partial"), "other"),
            Files.writeString(daemon.dir().resolve("root/tmp/not-a-checkpoint"), "x"));

    daemon = DaemonProcess.start(dir.resolve("daemon"), daemonArgs());

    assertThat(work).doesNotExist();
    assertThat(partial).doesNotExist();
    kept.forEach(p -> assertThat(p).exists());
    assertThat(runc("state", id)).contains("\"status\": \"running\"");
    assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    remove(id);
  }

  @Test
  void aCountingProcessContinuesFromItsCheckpoint() throws Exception {
    Assumptions.assumeTrue(
        criuUnusable.isEmpty(),
        () -> "CRIU does not work on this host (criu check: " + criuUnusable.orElse("") + ")");
    String id = create(base("counter").addAllCommand(List.of("sh", "-c", COUNTER)));
    start(id);
    int before = awaitCount(id, 5);
    Path location = dir.resolve("counter.tar");
    checkpoint(id, location, 60);
    assertThat(location).isRegularFile();
    assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    remove(id);

    String restored =
        create(
            ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName("counter-restored"))
                .setImage(ImageSpec.newBuilder().setImage(location.toString()))
                .setLogPath("counter-restored.log"));
    start(restored);
    assertThat(status(restored).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    Path log = dir.resolve("logs/counter-restored.log");
    int first = firstLoggedNumber(log);
    assertThat(first).as("the restored counter resumes, it does not restart").isGreaterThan(before);
    assertThat(awaitCount(restored, first + 3)).isGreaterThan(first);
    remove(restored);
  }

  // ---- helpers ------------------------------------------------------------------------------

  /**
   * A checkpoint archive of {@code original}, as another node would have written it, with a
   * writable layer that changed /count and CRIU images that are no real dump.
   */
  private Path archive(String name, ContainerConfig original, String imageRef, String imageId)
      throws Exception {
    Path work = Files.createDirectories(dir.resolve("archive-" + name));
    Path upper = Files.createDirectories(work.resolve("upper"));
    Files.writeString(upper.resolve("count"), "41\n");
    Path staging = Files.createDirectories(work.resolve("staging"));
    Files.createDirectories(staging.resolve(CheckpointArchive.IMAGES));
    Files.writeString(staging.resolve("checkpoint/inventory.img"), "not a real dump");
    RootfsDiff.write(upper, staging.resolve(CheckpointArchive.ROOTFS_DIFF));
    CheckpointArchive.writeMetadata(
        staging, CheckpointMetadata.of("feed", imageRef, imageId, original, 1));
    Path archive = work.resolve(name + ".tar");
    CheckpointArchive.write(staging, archive);
    return archive;
  }

  /** Runs the real runc on the daemon's runc root; its output. */
  private String runc(String... args) throws Exception {
    List<String> argv =
        new java.util.ArrayList<>(
            List.of("/usr/sbin/runc", "--root=" + daemon.dir().resolve("state/runc")));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("runc %s: %s", String.join(" ", args), out).isZero();
    return out;
  }

  private String imageId(String ref) {
    return daemon
        .images()
        .imageStatus(
            ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build())
        .getImage()
        .getId();
  }

  private String[] daemonArgs() {
    return new String[] {"--cni-conf-dir", network.confDir().toString(), "--pause-image", pause};
  }

  private int awaitCount(String id, int atLeast) throws Exception {
    int n = 0;
    for (int i = 0; i < 200 && n < atLeast; i++) {
      String text =
          daemon
              .runtime()
              .execSync(
                  ExecSyncRequest.newBuilder()
                      .setContainerId(id)
                      .addAllCmd(List.of("cat", "/count"))
                      .setTimeout(10)
                      .build())
              .getStdout()
              .toStringUtf8()
              .strip();
      n = text.isEmpty() ? 0 : Integer.parseInt(text);
      Thread.sleep(100);
    }
    assertThat(n).isGreaterThanOrEqualTo(atLeast);
    return n;
  }

  private static int firstLoggedNumber(Path log) throws Exception {
    Pattern line = Pattern.compile("(?m)^\\S+ stdout F (\\d+)$");
    for (int i = 0; i < 200; i++) {
      if (Files.exists(log)) {
        Matcher m = line.matcher(Files.readString(log));
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the restored container logged no number in " + log);
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

  private void awaitState(String id, ContainerState state) throws InterruptedException {
    for (int i = 0; i < 200 && status(id).getState() != state; i++) {
      Thread.sleep(50);
    }
    assertThat(status(id).getState()).isEqualTo(state);
  }

  private ContainerConfig.Builder base(String name) {
    return ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName(name))
        .setImage(ImageSpec.newBuilder().setImage(image))
        .setLogPath(name + ".log");
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

  private static void assertCode(
      Status.Code code, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }

  private static List<String> mountSources(JsonValue spec) {
    List<String> sources = new ArrayList<>();
    spec.path("mounts").forEach(mount -> sources.add(mount.path("source").asText()));
    return sources;
  }
}
