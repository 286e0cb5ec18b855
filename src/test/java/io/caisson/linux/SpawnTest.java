package io.caisson.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.linux.Spawn.Stdio;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real children of the test JVM, started by posix_spawn. */
@Timeout(30)
class SpawnTest {

  private static String text(java.io.InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void theChildGetsItsArgumentsEnvironmentDirectoryAndInputAndItsExitCodeComesBack(
      @TempDir Path dir) throws Exception {
    SpawnedProcess p =
        new Spawn(
                List.of(
                    "/bin/sh", "-c", "echo \"$1 $GREETING $(pwd)\"; cat >&2; exit 7", "sh", "é"))
            .environment(Map.of("GREETING", "hello"))
            .directory(dir)
            .stdin(Stdio.PIPE)
            .start();
    try (OutputStream in = p.getOutputStream()) {
      in.write("from stdin".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(text(p.getInputStream())).isEqualTo("é hello " + dir + "\n");
    assertThat(text(p.getErrorStream())).isEqualTo("from stdin");
    assertThat(p.waitFor()).isEqualTo(7);
    assertThat(p.exitValue()).isEqualTo(7);
    assertThat(p.isAlive()).isFalse();
  }

  @Test
  void fd3IsAPipeToTheParentAndNothingElseIsInherited() throws Exception {
    SpawnedProcess p =
        new Spawn(List.of("/bin/sh", "-c", "echo sync >&3; ls /proc/self/fd"))
            .stderr(Stdio.NULL)
            .outputOnFd3()
            .start();
    assertThat(text(p.fd3())).isEqualTo("sync\n");
    // 0-3, and the directory ls is reading.
    assertThat(text(p.getInputStream()).lines().toList()).hasSize(5).contains("0", "1", "2", "3");
    assertThat(p.waitFor()).isZero();
  }

  @Test
  void stdinIsDevNullByDefaultAndProgramsAreFoundOnThePath() throws Exception {
    SpawnedProcess p = new Spawn(List.of("cat")).start();
    assertThat(text(p.getInputStream())).isEmpty();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
  }

  @Test
  void signalsHandlersAndMasksOfTheJvmAreNotInherited() throws Exception {
    // SIGTERM ends a child that sleeps: it is neither blocked nor handled by the JVM's handler.
    SpawnedProcess p = new Spawn(List.of("/bin/sleep", "30")).start();
    assertThat(p.waitFor(200, TimeUnit.MILLISECONDS)).isFalse();
    assertThatThrownBy(p::exitValue).isInstanceOf(IllegalThreadStateException.class);
    p.destroy();
    assertThat(p.waitFor()).isEqualTo(128 + 15);
    String blocked =
        text(
            new Spawn(List.of("/bin/grep", "^SigBlk", "/proc/self/status"))
                .start()
                .getInputStream());
    assertThat(blocked).isEqualTo("SigBlk:\t0000000000000000\n");
  }

  @Test
  void aProgramThatCannotRunIsAnIOExceptionNamingIt(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> new Spawn(List.of("/nonexistent/prog")).start())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("/nonexistent/prog")
        .hasMessageContaining("ENOENT");
    Path notExecutable = Files.writeString(dir.resolve("script"), "#!/bin/sh\n");
    assertThatThrownBy(() -> new Spawn(List.of(notExecutable.toString())).start())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("EACCES");
    assertThatThrownBy(
            () -> new Spawn(List.of("/bin/true")).directory(dir.resolve("missing")).start())
        .isInstanceOf(IOException.class);
  }

  @Test
  void aKilledChildReportsTheSignalAndIsNotSignalledAfterItWasReaped() throws Exception {
    SpawnedProcess p = new Spawn(List.of("/bin/sleep", "30")).start();
    p.destroyForcibly();
    assertThat(p.waitFor()).isEqualTo(128 + 9);
    p.destroyForcibly(); // reaped: must not signal whatever has the pid now
    assertThat(p.onExit().get(5, TimeUnit.SECONDS)).isSameAs(p);
  }

  @Test
  void aControllingTerminalIsTheChildsStdioInASessionOfItsOwn() throws Exception {
    try (PseudoTerminal pty = PseudoTerminal.open("spawn-test")) {
      SpawnedProcess p =
          new Spawn(
                  List.of(
                      "/bin/sh",
                      "-c",
                      "tty; test \"$(cut -d' ' -f6 /proc/$$/stat)\" -eq $$ && echo leader"))
              .controllingTerminal(pty.slave())
              .start();
      String out = text(pty.output());
      assertThat(out).contains(pty.slave().toString()).contains("leader");
      assertThat(p.waitFor()).isZero();
    }
  }

  @Test
  void waitingOnChildrensOutputHoldsNoCarrierThread() throws Exception {
    // More silent children than carriers, each read on a virtual thread: a read that held its
    // carrier would starve the timed wait below.
    int children = Runtime.getRuntime().availableProcessors() + 2;
    List<SpawnedProcess> sleepers = new ArrayList<>();
    for (int i = 0; i < children; i++) {
      SpawnedProcess p = new Spawn(List.of("/bin/sleep", "30")).start();
      sleepers.add(p);
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  p.getInputStream().readAllBytes();
                } catch (IOException e) {
                  // the child was killed
                }
              });
    }
    long before = System.nanoTime();
    Thread waiter =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    new CompletableFuture<Void>().get(200, TimeUnit.MILLISECONDS);
                  } catch (Exception expected) {
                    // the timeout
                  }
                });
    waiter.join();
    assertThat(System.nanoTime() - before).isLessThan(TimeUnit.SECONDS.toNanos(5));
    for (SpawnedProcess p : sleepers) {
      p.destroyForcibly();
      assertThat(p.waitFor()).isEqualTo(137);
    }
  }

  @Test
  void closingAStreamWakesItsBlockedReader() throws Exception {
    SpawnedProcess p = new Spawn(List.of("/bin/sleep", "30")).start();
    CompletableFuture<Integer> read = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                read.complete(p.getInputStream().read());
              } catch (IOException e) {
                read.completeExceptionally(e);
              }
            });
    Thread.sleep(100);
    p.getInputStream().close();
    assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(-1);
    p.destroyForcibly();
    p.waitFor();
  }

  @Test
  void manyChildrenAtOnceAreWaitedForWithoutAThreadEach() throws Exception {
    List<Process> children = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      children.add(new Spawn(List.of("sh", "-c", "sleep 0.3; exit " + (i % 7))).start());
    }
    long waiters =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("child-waiter-"))
            .count();
    assertThat(waiters).as("platform threads waiting for children").isZero();
    for (int i = 0; i < children.size(); i++) {
      assertThat(children.get(i).waitFor()).isEqualTo(i % 7);
    }
  }

  @Test
  void exitCodesDecodeLikeTheShells() {
    assertThat(SpawnedProcess.exitCode(3 << 8)).isEqualTo(3);
    assertThat(SpawnedProcess.exitCode(9)).isEqualTo(137);
    assertThat(SpawnedProcess.exitCode(0)).isZero();
  }

  @Test
  void childrenDoNotInheritWhatTheServiceManagerToldTheDaemon() {
    Map<String, String> daemon =
        Map.of(
            "PATH", "/usr/bin:/bin",
            "NOTIFY_SOCKET", "/run/systemd/notify",
            "LISTEN_FDS", "1",
            "LISTEN_PID", "42",
            "LISTEN_FDNAMES", "cri",
            "WATCHDOG_USEC", "30000000",
            "WATCHDOG_PID", "42",
            "INVOCATION_ID", "abc");
    assertThat(Spawn.inheritable(daemon))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("PATH", "/usr/bin:/bin", "INVOCATION_ID", "abc"));
  }
}
