package io.caisson.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import io.caisson.common.CaissonException.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Caisson's monitor and runc running busybox containers (conmon: {@link ConmonBinaryIT}). Needs
 * root.
 */
class ConmonRuncIT {
  private static final Pattern CRI_LINE =
      Pattern.compile(
          "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+(Z|[+-]\\d\\d:\\d\\d) (stdout|stderr) [PF] .*$");

  @TempDir Path tmp;
  OciTestRig rig;

  @BeforeEach
  void setUp() throws Exception {
    rig = new OciTestRig(tmp, monitor());
  }

  /** The monitor under test: Caisson's own here, conmon in {@link ConmonBinaryIT}. */
  Path monitor() {
    return OciTestRig.DEFAULT_MONITOR;
  }

  @AfterEach
  void tearDown() throws Exception {
    rig.close();
    assertThat(OciTestRig.cgroupExists("/" + rig.cgroupParent)).isFalse();
  }

  static void waitFor(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      OciTestRig.sleep(10);
    }
  }

  static List<String> lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  @Test
  void lifecycleFromCreateToDelete() throws Exception {
    String id = OciTestRig.newId();
    Path bundle = rig.bundle(id, List.of("sh", "-c", "echo hello; echo oops >&2; exec sleep 1000"));
    Conmon.Created created = rig.conmon.create(rig.runc, rig.launch(id, bundle));

    RuncState state = rig.runc.state(id).orElseThrow();
    assertThat(state.parsedStatus()).isEqualTo(RuncState.Status.CREATED);
    assertThat(state.pid()).isEqualTo(created.containerPid());
    assertThat(state.bundle()).isEqualTo(bundle.toString());
    assertThat(state.createdAt()).isNotNull();
    assertThat(ProcessHandle.of(created.conmonPid())).isPresent();
    assertThat(rig.conmon.readExit(id, bundle)).isEmpty();
    assertThat(Files.exists(rig.conmon.attachSocket(id))).isTrue();
    assertThat(Files.exists(Conmon.ctlFifo(bundle))).isTrue();
    assertThat(OciTestRig.cgroupExists("/" + rig.cgroupParent + "/" + id)).isTrue();

    rig.runc.start(id, created.containerPid(), bundle);
    assertThat(rig.runc.state(id).orElseThrow().parsedStatus()).isEqualTo(RuncState.Status.RUNNING);

    Path log = rig.logPath(id);
    waitFor("two log lines", () -> lines(log).size() >= 2);
    List<String> logLines = lines(log);
    assertThat(logLines).allMatch(l -> CRI_LINE.matcher(l).matches());
    assertThat(logLines).anyMatch(l -> l.contains(" stdout F hello"));
    assertThat(logLines).anyMatch(l -> l.contains(" stderr F oops"));

    rig.runc.kill(id, 9, false);
    waitFor("exit file", () -> rig.conmon.readExit(id, bundle).isPresent());
    ExitInfo exit = rig.conmon.readExit(id, bundle).orElseThrow();
    assertThat(exit.exitCode()).isEqualTo(137);
    assertThat(exit.oomKilled()).isFalse();
    assertThat(exit.finishedAt()).isBefore(java.time.Instant.now().plusSeconds(1));
    waitFor("conmon exit", () -> !Conmon.isConmon(created.conmonPid()));
    assertThat(rig.runc.state(id).orElseThrow().parsedStatus()).isEqualTo(RuncState.Status.STOPPED);

    rig.runc.delete(id, false);
    assertThat(rig.runc.state(id)).isEmpty();
    assertThat(OciTestRig.cgroupExists("/" + rig.cgroupParent + "/" + id)).isFalse();
    rig.conmon.cleanup(id);
    assertThat(Files.exists(rig.conmon.exitFile(id))).isFalse();
  }

  @Test
  void conmonIsNotTiedToTheJvm() throws Exception {
    String id = OciTestRig.newId();
    Path bundle = rig.bundle(id, List.of("sleep", "1000"));
    long conmonPid = rig.conmon.create(rig.runc, rig.launch(id, bundle)).conmonPid();
    ProcessHandle conmon = ProcessHandle.of(conmonPid).orElseThrow();
    // Not our child nor any descendant: nothing we hold keeps it, and our death does not end it.
    assertThat(ProcessHandle.current().descendants().map(ProcessHandle::pid))
        .doesNotContain(conmonPid);
    assertThat(conmon.parent().map(ProcessHandle::pid))
        .isNotEqualTo(Optional.of(ProcessHandle.current().pid()));
    // Its own session (setsid), so a hangup of our terminal or session does not reach it.
    String[] stat =
        Files.readString(Path.of("/proc/" + conmonPid + "/stat")).split("\\) ")[1].split(" ");
    assertThat(Long.parseLong(stat[3])).isEqualTo(conmonPid);
    System.gc();
    assertThat(Conmon.isConmon(conmonPid)).isTrue();
    rig.runc.delete(id, true);
    waitFor("conmon exit", () -> !Conmon.isConmon(conmonPid));
  }

  @Test
  void startingAContainerWhoseProcessDiedIsAPreconditionFailure() throws Exception {
    String id = OciTestRig.newId();
    Path bundle = rig.bundle(id, List.of("sleep", "1000"));
    long pid = rig.conmon.create(rig.runc, rig.launch(id, bundle)).containerPid();
    rig.runc.kill(id, 9, false);
    waitFor("exit file", () -> Files.exists(rig.conmon.exitFile(id)));
    assertThatThrownBy(() -> rig.runc.start(id, pid, bundle))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.FAILED_PRECONDITION));
    rig.runc.delete(id, true);
  }

  @Test
  void startReleasesTheProcessThroughItsExecFifo() throws Exception {
    String id = OciTestRig.newId();
    Path bundle = rig.bundle(id, List.of("sh", "-c", "echo started; exec sleep 1000"));
    long pid = rig.conmon.create(rig.runc, rig.launch(id, bundle)).containerPid();
    Path fifo = rig.runc.root().resolve(id).resolve("exec.fifo");
    assertThat(fifo).exists();
    rig.runc.start(id, pid, bundle);
    // runc tells running from created by the FIFO being gone.
    assertThat(fifo).doesNotExist();
    assertThat(rig.runc.state(id).orElseThrow().parsedStatus()).isEqualTo(RuncState.Status.RUNNING);
    waitFor("output", () -> lines(rig.logPath(id)).stream().anyMatch(l -> l.endsWith("started")));
    assertThatThrownBy(() -> rig.runc.start(id, pid, bundle))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.FAILED_PRECONDITION));
    rig.runc.delete(id, true);
  }

  @Test
  void failedCreateReportsRuncsMessageAndLeavesNothing() throws Exception {
    String id = OciTestRig.newId();
    Path bundle = rig.bundle(id, List.of("/no/such/binary"));
    assertThatThrownBy(() -> rig.conmon.create(rig.runc, rig.launch(id, bundle)))
        .isInstanceOfSatisfying(
            CaissonException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_ARGUMENT))
        .hasMessageContaining("/no/such/binary");
    assertThat(rig.runc.state(id)).isEmpty();
    assertThat(Conmon.conmonAlive(bundle)).isFalse();
    assertThat(Files.exists(tmp.resolve("s").resolve(id))).isFalse();
  }

  @Test
  void stopIgnoringSigtermNeedsSigkill() throws Exception {
    String id = OciTestRig.newId();
    Path bundle =
        rig.bundle(
            id,
            List.of(
                "sh", "-c", "trap 'echo got TERM' TERM; echo ready; while true; do sleep 1; done"));
    rig.runc.start(id, rig.conmon.create(rig.runc, rig.launch(id, bundle)).containerPid(), bundle);
    waitFor("ready", () -> lines(rig.logPath(id)).stream().anyMatch(l -> l.endsWith("ready")));
    rig.runc.kill(id, 15, false);
    OciTestRig.sleep(1500);
    assertThat(rig.conmon.readExit(id, bundle)).isEmpty();
    assertThat(rig.runc.state(id).orElseThrow().parsedStatus()).isEqualTo(RuncState.Status.RUNNING);
    rig.runc.kill(id, 9, true);
    waitFor("exit", () -> rig.conmon.readExit(id, bundle).isPresent());
    assertThat(rig.conmon.readExit(id, bundle).orElseThrow().exitCode()).isEqualTo(137);
    // A second kill of a stopped container is a precondition failure, not a crash.
    assertThatThrownBy(() -> rig.runc.kill(id, 9, false))
        .isInstanceOf(CaissonException.class)
        .satisfies(
            e -> assertThat(((CaissonException) e).kind()).isEqualTo(Kind.FAILED_PRECONDITION));
    rig.runc.delete(id, false);
  }

  @Test
  void execSyncReturnsOutputExitCodeAndHonoursTimeout() throws Exception {
    String id = OciTestRig.newId();
    Path bundle = rig.bundle(id, List.of("sleep", "1000"));
    rig.runc.start(id, rig.conmon.create(rig.runc, rig.launch(id, bundle)).containerPid(), bundle);

    Runc.ExecResult r =
        rig.runc.execSync(
            id,
            List.of("sh", "-c", "echo out; echo err >&2; exit 3"),
            Duration.ofSeconds(10),
            Runc.EXEC_OUTPUT_LIMIT);
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(new String(r.stdout(), StandardCharsets.UTF_8)).isEqualTo("out\n");
    assertThat(new String(r.stderr(), StandardCharsets.UTF_8)).isEqualTo("err\n");

    // Bounded output: a flood is cut at the limit and the call still returns.
    Runc.ExecResult big =
        rig.runc.execSync(
            id, List.of("sh", "-c", "yes | head -c 3000000"), Duration.ofSeconds(20), 1 << 20);
    assertThat(big.stdout()).hasSize(1 << 20);

    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                rig.runc.execSync(
                    id, List.of("sleep", "77"), Duration.ofSeconds(1), Runc.EXEC_OUTPUT_LIMIT))
        .isInstanceOf(CaissonException.class)
        .satisfies(
            e -> assertThat(((CaissonException) e).kind()).isEqualTo(Kind.DEADLINE_EXCEEDED));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    // The timed-out process is gone.
    Runc.ExecResult ps = rig.runc.execSync(id, List.of("ps"), Duration.ofSeconds(10), 1 << 20);
    assertThat(new String(ps.stdout(), StandardCharsets.UTF_8)).doesNotContain("sleep 77");

    rig.runc.delete(id, true);
    assertThatThrownBy(() -> rig.runc.execSync(id, List.of("true"), Duration.ofSeconds(5), 1024))
        .isInstanceOf(CaissonException.class)
        .satisfies(e -> assertThat(((CaissonException) e).kind()).isEqualTo(Kind.NOT_FOUND));
  }

  @Test
  void reopenLogAfterRotationAndUpdateResources() throws Exception {
    String id = OciTestRig.newId();
    Path bundle = rig.bundle(id, List.of("sh", "-c", "while true; do echo tick; sleep 0.1; done"));
    rig.runc.start(id, rig.conmon.create(rig.runc, rig.launch(id, bundle)).containerPid(), bundle);
    Path log = rig.logPath(id);
    waitFor("first lines", () -> !lines(log).isEmpty());
    Path rotated = log.resolveSibling(log.getFileName() + ".1");
    Files.move(log, rotated);
    rig.conmon.reopenLog(bundle, log);
    assertThat(Files.exists(log)).isTrue();
    waitFor("lines in the new file", () -> !lines(log).isEmpty());
    int old = lines(rotated).size();
    OciTestRig.sleep(300);
    assertThat(lines(rotated)).hasSize(old);

    rig.runc.update(
        id,
        new OciSpec.Resources(
            null, OciSpec.Memory.limit(64L << 20), null, new OciSpec.Pids(50), null, null, null));
    Path v1 = Path.of("/sys/fs/cgroup/memory", rig.cgroupParent, id, "memory.limit_in_bytes");
    Path v2 = Path.of("/sys/fs/cgroup", rig.cgroupParent, id, "memory.max");
    Path limitFile = Files.exists(v1) ? v1 : v2;
    assertThat(Files.readString(limitFile).strip()).isEqualTo(Long.toString(64L << 20));

    rig.runc.kill(id, 9, false);
    waitFor("exit", () -> rig.conmon.readExit(id, bundle).isPresent());
    waitFor("conmon exit", () -> !Conmon.conmonAlive(bundle));
    assertThatThrownBy(() -> rig.conmon.reopenLog(bundle, log))
        .isInstanceOf(CaissonException.class)
        .satisfies(
            e -> assertThat(((CaissonException) e).kind()).isEqualTo(Kind.FAILED_PRECONDITION));
    rig.runc.delete(id, true);
  }

  @Test
  void interactiveExecStreamsStdinAndStdout() throws Exception {
    String id = OciTestRig.newId();
    Path bundle = rig.bundle(id, List.of("sleep", "1000"));
    rig.runc.start(id, rig.conmon.create(rig.runc, rig.launch(id, bundle)).containerPid(), bundle);
    try (ExecSession s =
        rig.runc.startExec(
            id,
            Runc.execProcess(bundle, List.of("sh", "-c", "cat; echo done >&2; exit 5"), false),
            tmp.resolve("exec"))) {
      s.stdin().write("line one\nline two\n".getBytes(StandardCharsets.UTF_8));
      s.stdin().close();
      assertThat(new String(s.stdout().readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("line one\nline two\n");
      assertThat(new String(s.stderr().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("done\n");
      assertThat(s.exitCode().get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(5);
    }
    try (Stream<Path> left = Files.list(tmp.resolve("exec"))) {
      assertThat(left).isEmpty();
    }
    // A session that is closed early takes its process with it.
    ExecSession hang =
        rig.runc.startExec(
            id, Runc.execProcess(bundle, List.of("sleep", "88"), false), tmp.resolve("exec"));
    OciTestRig.sleep(300);
    hang.close();
    assertThat(hang.exitCode().get(10, java.util.concurrent.TimeUnit.SECONDS)).isNotZero();
    Runc.ExecResult ps = rig.runc.execSync(id, List.of("ps"), Duration.ofSeconds(10), 1 << 20);
    assertThat(new String(ps.stdout(), StandardCharsets.UTF_8)).doesNotContain("sleep 88");
    rig.runc.delete(id, true);
  }

  @Test
  void closingAnExecSessionClosesOurEndsOfItsPipes() throws Exception {
    String id = OciTestRig.newId();
    Path bundle = rig.bundle(id, List.of("sleep", "1000"));
    rig.runc.start(id, rig.conmon.create(rig.runc, rig.launch(id, bundle)).containerPid(), bundle);
    Set<String> before = openPipes();
    ExecSession s =
        rig.runc.startExec(
            id,
            Runc.execProcess(bundle, List.of("sh", "-c", "echo out; echo err >&2"), false),
            tmp.resolve("exec"));
    assertThat(new String(s.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("out\n");
    assertThat(new String(s.stderr().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("err\n");
    assertThat(s.exitCode().get(10, TimeUnit.SECONDS)).isZero();
    s.close();
    // Nothing but close() releases them: left to the garbage collector, every exec of the
    // streaming server kept two or three descriptors until the next collection.
    assertThat(openPipes()).isSubsetOf(before);
    rig.runc.delete(id, true);
  }

  /** The pipes this JVM has open, as the targets of its /proc/self/fd links. */
  private static Set<String> openPipes() throws IOException {
    Set<String> pipes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("pipe:")) {
            pipes.add(target);
          }
        } catch (IOException e) {
          // closed since the listing
        }
      }
    }
    return pipes;
  }
}
