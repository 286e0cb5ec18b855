package io.caisson.oci;

import io.caisson.common.CaissonException;
import io.caisson.linux.PseudoTerminal;
import io.caisson.linux.Spawn;
import io.caisson.linux.Spawn.Stdio;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * An interactive exec for the streaming server: {@code runc exec} with the process's stdio as pipes
 * to us. runc stays in the middle as the process's parent and subreaper, forwards signals, and
 * exits with the process's status. Closing {@link #stdin()} gives the process EOF.
 *
 * <p>With a terminal, runc is given a pseudo-terminal of ours as its controlling terminal (in a
 * session of its own, see {@link Spawn#controllingTerminal}); runc then makes the process's
 * terminal itself and copies between the two, and forwards the window size when the kernel signals
 * it a change of ours. This keeps runc in the foreground, so its exit status is the process's,
 * without receiving a terminal descriptor over a socket.
 *
 * <p>Without a terminal, a stream the client did not ask for is /dev/null rather than a pipe: a
 * pipe nobody reads fills after 64 KiB and blocks the process for good, and a stdin pipe nobody
 * closes never gives it EOF.
 *
 * <p>Without a terminal, a container whose ExecSync goes through {@code caisson-exec} ({@link
 * DirectExec}) has its interactive execs go there too ({@link #startDirect}), ~15 ms sooner to
 * start: the helper, like runc, stays the process's parent and exits with its status, and writes
 * why a command did not run to its stderr, where runc writes its errors. A terminal keeps runc,
 * which makes the process's terminal inside the container.
 */
public final class ExecSession implements AutoCloseable {

  /** Which of the process's standard streams are piped to us (without a terminal). */
  public record Streams(boolean stdin, boolean stdout, boolean stderr) {
    public static final Streams ALL = new Streams(true, true, true);
  }

  private final Process parent; // runc or caisson-exec: the process's parent
  private final Path specFile;
  private final PseudoTerminal terminal; // null without a terminal
  private final CompletableFuture<Integer> exit;

  private ExecSession(Process parent, Path specFile, PseudoTerminal terminal) {
    this.parent = parent;
    this.specFile = specFile;
    this.terminal = terminal;
    this.exit =
        parent
            .onExit()
            .thenApply(
                p -> {
                  deleteSpec();
                  return p.exitValue();
                });
  }

  /**
   * Starts {@code process} in container {@code id} with {@code streams} piped, the others
   * /dev/null. The spec goes to a file in {@code scratchDir} (stdin belongs to the process),
   * removed when the process ends.
   */
  static ExecSession start(
      Runc driver, String id, OciSpec.Process process, Path scratchDir, Streams streams) {
    boolean tty = Boolean.TRUE.equals(process.terminal());
    Path spec = null;
    try {
      Files.createDirectories(scratchDir);
      spec = Files.createTempFile(scratchDir, "exec-", ".json");
      Files.write(spec, OciJson.bytes(process));
    } catch (IOException e) {
      ScratchFiles.deleteQuietly(spec); // a full disk creates the file and then refuses its bytes
      throw CaissonException.internal("cannot write the exec spec for " + id, e);
    }
    List<String> runcArgv = new ArrayList<>();
    runcArgv.add(driver.binary().toString());
    runcArgv.addAll(driver.globalArgs());
    runcArgv.addAll(List.of("exec", "--process", spec.toString(), id));
    PseudoTerminal terminal = null;
    try {
      if (!tty) {
        Spawn spawn =
            new Spawn(runcArgv)
                .stdin(piped(streams.stdin()))
                .stdout(piped(streams.stdout()))
                .stderr(piped(streams.stderr()));
        return new ExecSession(spawn.start(), spec, null);
      }
      terminal = PseudoTerminal.open(id.substring(0, Math.min(12, id.length())));
      Process runc = new Spawn(runcArgv).controllingTerminal(terminal.slave()).start();
      return new ExecSession(runc, spec, terminal);
    } catch (IOException e) {
      if (terminal != null) {
        terminal.close();
      }
      ScratchFiles.deleteQuietly(spec);
      throw CaissonException.internal("cannot run runc exec in " + id, e);
    }
  }

  /**
   * Starts {@code command} through the helper of {@code route} without a terminal. The container's
   * seccomp filter, when it has one, goes first on the helper's stdin, which then carries the
   * client's input on to the command (or ends there when the client sends none).
   */
  static ExecSession startDirect(
      DirectExec.Direct route, String id, List<String> command, Streams streams) {
    List<String> flags = new ArrayList<>(List.of("--errors-on-stderr"));
    if (streams.stdin()) {
      flags.add("--keep-stdin");
    }
    Process helper;
    try {
      helper =
          new Spawn(DirectExec.argv(route, flags, command))
              .environment(Map.of())
              .stdin(piped(streams.stdin() || route.seccompFilter() != null))
              .stdout(piped(streams.stdout()))
              .stderr(piped(streams.stderr()))
              .start();
    } catch (IOException e) {
      throw CaissonException.internal("cannot run " + route.helper() + " in " + id, e);
    }
    // The helper ended first if this fails: its stderr and exit status say why.
    DirectExec.sendFilter(route, helper, streams.stdin());
    return new ExecSession(helper, null, null);
  }

  private static Stdio piped(boolean wanted) {
    return wanted ? Stdio.PIPE : Stdio.NULL;
  }

  /** Where the process's input goes; discards everything when stdin is /dev/null. */
  public OutputStream stdin() {
    return terminal != null ? terminal.input() : parent.getOutputStream();
  }

  /**
   * The process's output; with a terminal, everything it prints, stderr included. Empty when stdout
   * is /dev/null.
   */
  public InputStream stdout() {
    return terminal != null ? terminal.output() : parent.getInputStream();
  }

  /**
   * The process's stderr. If runc or the helper fails (no such container, executable not found),
   * its error line arrives here and {@link #exitCode()} completes with 255. Empty when stderr is
   * /dev/null.
   */
  public InputStream stderr() {
    return parent.getErrorStream();
  }

  /** Completes with the exit status (128 + signal for a signalled process). */
  public CompletableFuture<Integer> exitCode() {
    return exit;
  }

  /** Only terminals have a size; a pipe-backed session ignores resizes, as kubelet does. */
  public void resize(int width, int height) {
    if (terminal != null) {
      try {
        terminal.resize(width, height);
      } catch (IOException e) {
        // The session is ending; a lost resize does no harm.
      }
    }
  }

  /** Kills the exec'd process tree and its parent (runc or the helper). */
  public void kill() {
    Runc.killTree(parent);
  }

  /**
   * Ends the session: kills the process and its parent if still running, and closes our ends of the
   * terminal or pipes. Nothing else closes the pipes (their readers stop at end of file and leave
   * them open): left to the garbage collector, every streaming exec kept two or three descriptors
   * open until the next collection, which an idle daemon may not have for hours.
   */
  @Override
  public void close() {
    if (parent.isAlive()) {
      kill();
    }
    if (terminal != null) {
      terminal.close();
    }
    closeQuietly(parent.getOutputStream());
    closeQuietly(parent.getInputStream());
    closeQuietly(parent.getErrorStream());
    deleteSpec();
  }

  private static void closeQuietly(Closeable stream) {
    try {
      stream.close();
    } catch (IOException e) {
      // our end of a pipe; nothing to report on the way out
    }
  }

  private void deleteSpec() {
    ScratchFiles.deleteQuietly(specFile);
  }
}
