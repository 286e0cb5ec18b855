package io.caisson.oci;

import io.caisson.common.CaissonException;
import io.caisson.common.CaissonException.Kind;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import io.caisson.linux.ProcessStamp;
import io.caisson.linux.Spawn;
import io.caisson.linux.Spawn.Stdio;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the runc binary for everything but create (conmon runs that, see {@link Conmon}). All
 * calls use Caisson's own {@code --root} so its containers stay apart from other runc users, and
 * JSON logging so failures can be reported as runc's own message.
 */
public final class Runc {
  /**
   * Output bound for ExecSync, stdout and stderr together: a reply must stay under the 16 MiB
   * kubelet's and crictl's gRPC clients take, with room for the message around the bytes (a chatty
   * probe gets its exit code and truncated output, not a failed call).
   */
  public static final int EXEC_OUTPUT_LIMIT = (16 << 20) - (64 << 10);

  private static final Logger LOG = LoggerFactory.getLogger(Runc.class);
  private static final Duration CALL_TIMEOUT = Duration.ofMinutes(2);
  private static final int ERROR_OUTPUT_LIMIT = 64 << 10;
  private final Path binary;
  private final Path root;
  // Asked once, on first use: the binary does not change under a running daemon's feet in a way
  // that would take a feature away (an upgrade only adds).
  private volatile RuntimeFeatures features;

  /**
   * @param binary the runc executable
   * @param root runc's state directory for Caisson's containers (created if absent)
   */
  public Runc(Path binary, Path root) {
    this.binary = binary;
    this.root = root;
  }

  public Path binary() {
    return binary;
  }

  public Path root() {
    return root;
  }

  /** The global flags every runc call gets; conmon passes them as {@code --runtime-arg}. */
  public List<String> globalArgs() {
    return List.of("--root=" + root, "--log-format=json");
  }

  private List<String> argv(String... rest) {
    List<String> argv = new ArrayList<>();
    argv.add(binary.toString());
    argv.addAll(globalArgs());
    argv.addAll(Arrays.asList(rest));
    return argv;
  }

  private Command.Result call(String verb, String id, byte[] stdin, String... rest) {
    try {
      Files.createDirectories(root);
      return Command.run(argv(rest), stdin, CALL_TIMEOUT, ERROR_OUTPUT_LIMIT, null);
    } catch (Command.TimedOut e) {
      throw new CaissonException(
          Kind.DEADLINE_EXCEEDED, "runc " + verb + " " + id + " did not finish in time");
    } catch (IOException e) {
      throw CaissonException.internal("cannot run runc " + verb + " " + id, e);
    }
  }

  private void checked(String verb, String id, byte[] stdin, String... rest) {
    Command.Result r = call(verb, id, stdin, rest);
    if (r.exitCode() != 0) {
      throw RuncErrors.failure(verb, id, r.stderrText(), r.exitCode());
    }
  }

  /**
   * What this runc can do, from {@code runc features} (asked once). A runc too old to answer, or
   * one that fails, supports none of the optional features.
   */
  public RuntimeFeatures features() {
    RuntimeFeatures known = features;
    if (known == null) {
      known = probeFeatures();
      features = known;
    }
    return known;
  }

  private RuntimeFeatures probeFeatures() {
    String kernel;
    try {
      kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
    } catch (IOException e) {
      kernel = "";
    }
    try {
      Command.Result r =
          Command.run(
              List.of(binary.toString(), "features"), null, CALL_TIMEOUT, ERROR_OUTPUT_LIMIT, null);
      if (r.exitCode() == 0 && !r.truncated()) {
        return RuntimeFeatures.parse(r.stdout(), kernel);
      }
      LOG.warn("{} features failed ({}): no optional features", binary, r.stderrText().strip());
    } catch (IOException | Command.TimedOut e) {
      LOG.warn("{} features failed ({}): no optional features", binary, e.toString());
    }
    return RuntimeFeatures.none(kernel);
  }

  /**
   * Whether runc holds state for {@code id}: its state file under the root. Far cheaper than {@link
   * #state} (no process), for the clean-up paths that only need to know whether there is anything
   * to delete.
   */
  public boolean knows(String id) {
    return Files.exists(root.resolve(id).resolve("state.json"));
  }

  /**
   * The container's first process as runc recorded it when it started it (pid and start time in
   * runc's state file, the pair runc itself checks before it signals): empty when runc holds no
   * state for it or the file says nothing usable. Read from the file, as {@link #knows} does,
   * because {@code runc state} prints the pid but not the start time.
   */
  public Optional<ProcessStamp> initProcess(String id) {
    try {
      return initProcessOf(Files.readAllBytes(root.resolve(id).resolve("state.json")));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static Optional<ProcessStamp> initProcessOf(byte[] stateFile) throws IOException {
    JsonValue state = Json.parse(stateFile);
    long pid = state.path("init_process_pid").asLong(0);
    // A number since runc 1.0, a string in the releases before.
    long start = state.path("init_process_start").asLong(0);
    return pid > 0 && start > 0 ? Optional.of(new ProcessStamp(pid, start)) : Optional.empty();
  }

  /** {@code runc state}; empty when runc does not know the container. */
  public Optional<RuncState> state(String id) {
    Command.Result r = call("state", id, null, "state", id);
    if (r.exitCode() != 0) {
      CaissonException e = RuncErrors.failure("state", id, r.stderrText(), r.exitCode());
      if (e.kind() == Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
    try {
      return Optional.of(OciJson.read(r.stdout(), RuncState.class));
    } catch (IOException e) {
      throw CaissonException.internal("runc state " + id + " printed unreadable JSON", e);
    }
  }

  /** {@code runc list}: every container under this root, for recovery after a restart. */
  public List<RuncState> list() {
    if (!anyContainer()) {
      return List.of(); // the common start-up case: no runc process to learn that
    }
    Command.Result r = call("list", "", null, "list", "--format", "json");
    if (r.exitCode() != 0) {
      throw RuncErrors.failure("list", "", r.stderrText(), r.exitCode());
    }
    String out = r.stdoutText().strip();
    if (out.isEmpty() || out.equals("null")) {
      return List.of();
    }
    try {
      return List.of(OciJson.read(out.getBytes(StandardCharsets.UTF_8), RuncState[].class));
    } catch (IOException e) {
      throw CaissonException.internal("runc list printed unreadable JSON", e);
    }
  }

  /** Whether runc's root holds any container state (what {@code runc list} would read). */
  private boolean anyContainer() {
    try (Stream<Path> entries = Files.list(root)) {
      return entries.anyMatch(dir -> Files.exists(dir.resolve("state.json")));
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      return true; // let runc itself say what is wrong
    }
  }

  /**
   * Runs the user process of a created container: through its exec FIFO when runc keeps one (see
   * {@link ExecFifo}), else, or when the spec has poststart hooks (which runc start runs), with
   * {@code runc start}.
   *
   * @param initPid the container's init process, as runc create reported it
   * @param bundle the container's bundle
   */
  public void start(String id, long initPid, Path bundle) {
    if (initPid > 0
        && !OciJson.hasPoststartHooks(bundle)
        && ExecFifo.release(id, root.resolve(id).resolve(ExecFifo.NAME), initPid, CALL_TIMEOUT)) {
      return;
    }
    checked("start", id, null, "start", id);
  }

  /**
   * {@code runc kill}. {@code all} signals every process in the container's cgroup (needed when the
   * container shares the host's or a pod's PID namespace).
   */
  public void kill(String id, int signal, boolean all) {
    if (all) {
      checked("kill", id, null, "kill", "--all", id, Integer.toString(signal));
    } else {
      checked("kill", id, null, "kill", id, Integer.toString(signal));
    }
  }

  /** {@code runc delete}; with {@code force} a running container is killed first. */
  public void delete(String id, boolean force) {
    if (force) {
      checked("delete", id, null, "delete", "--force", id);
    } else {
      checked("delete", id, null, "delete", id);
    }
  }

  /** {@code runc update --resources -}: applies new limits to the live cgroup. */
  public void update(String id, OciSpec.Resources resources) {
    checked("update", id, OciJson.bytes(resources), "update", "--resources", "-", id);
  }

  public void pause(String id) {
    checked("pause", id, null, "pause", id);
  }

  public void resume(String id) {
    checked("resume", id, null, "resume", id);
  }

  /** How {@code runc checkpoint} dumps a container. */
  public record CheckpointOptions(
      boolean leaveRunning, boolean tcpEstablished, boolean fileLocks, Duration timeout) {}

  /**
   * {@code runc checkpoint}: CRIU dumps the container's processes into {@code imagePath} (its logs
   * go to {@code workPath}). On timeout runc and CRIU are killed. A container that was frozen (by
   * the caller, or by CRIU when it failed or was killed) stays frozen: the caller thaws it with
   * {@link #resumeIfPaused} whatever happened.
   *
   * @throws CaissonException DEADLINE_EXCEEDED on timeout, runc's error otherwise
   */
  public void checkpoint(String id, Path imagePath, Path workPath, CheckpointOptions options) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "checkpoint",
                "--image-path",
                imagePath.toString(),
                "--work-path",
                workPath.toString()));
    if (options.leaveRunning()) {
      args.add("--leave-running");
    }
    if (options.tcpEstablished()) {
      args.add("--tcp-established");
    }
    if (options.fileLocks()) {
      args.add("--file-locks");
    }
    args.add(id);
    Command.Result r;
    try {
      Files.createDirectories(root);
      r =
          Command.run(
              argv(args.toArray(String[]::new)), null, options.timeout(), ERROR_OUTPUT_LIMIT, null);
    } catch (Command.TimedOut e) {
      throw new CaissonException(
          Kind.DEADLINE_EXCEEDED,
          "checkpoint of " + id + " did not finish in " + options.timeout().toSeconds() + " s");
    } catch (IOException e) {
      throw CaissonException.internal("cannot run runc checkpoint " + id, e);
    }
    if (r.exitCode() != 0) {
      throw RuncErrors.failure("checkpoint", id, r.stderrText(), r.exitCode());
    }
  }

  /**
   * Thaws the container if it is paused; a failure is logged, not thrown (the caller is cleaning up
   * after something else).
   */
  public void resumeIfPaused(String id) {
    try {
      if (state(id).map(RuncState::parsedStatus).orElse(null) == RuncState.Status.PAUSED) {
        resume(id);
      }
    } catch (CaissonException e) {
      LOG.warn("cannot thaw container {}: {}", id, e.getMessage());
    }
  }

  /**
   * Starts an interactive exec with piped stdio (see {@link ExecSession}); the process spec is
   * written to a temporary file in {@code scratchDir}.
   */
  public ExecSession startExec(String id, OciSpec.Process process, Path scratchDir) {
    return startExec(id, process, scratchDir, ExecSession.Streams.ALL);
  }

  /** As {@link #startExec(String, OciSpec.Process, Path)}, with only {@code streams} piped. */
  public ExecSession startExec(
      String id, OciSpec.Process process, Path scratchDir, ExecSession.Streams streams) {
    return ExecSession.start(this, id, process, scratchDir, streams);
  }

  /** Output and exit code of a finished ExecSync. */
  public record ExecResult(int exitCode, byte[] stdout, byte[] stderr) {}

  /**
   * Runs {@code command} in container {@code id} as the container's process would run (its user,
   * environment, working dir, capabilities, limits) and waits for it, capturing at most {@code
   * maxOutput} bytes of its two streams together; its input is empty, as an ExecSync has none. runc
   * waits for the process as its subreaper, so on timeout killing runc's descendants ends the whole
   * command.
   *
   * @param timeout null or zero for none
   * @throws CaissonException DEADLINE_EXCEEDED on timeout (the process has been killed)
   */
  public ExecResult execSync(String id, List<String> command, Duration timeout, int maxOutput) {
    // The exec'd process may not be runc's descendant (runc's nsexec can clone it as a sibling),
    // so on timeout it is found through the pid file runc writes for it.
    Path pidFile;
    try {
      Files.createDirectories(root);
      pidFile =
          Files.createTempFile(root, "exec-" + id.substring(0, Math.min(12, id.length())), ".pid");
    } catch (IOException e) {
      throw CaissonException.internal("cannot create an exec pid file for " + id, e);
    }
    // The process is the container's own (runc takes it from the bundle's config.json: user,
    // environment, capabilities, limits) with these arguments; no spec to read and write here.
    List<String> argv = argv("exec", "--pid-file", pidFile.toString(), id);
    argv.addAll(command);
    // runc is a Go program that lives for one probe: collecting garbage less often while it
    // parses the container's state and spec takes ~2 ms off each exec (measured on a 2-core node).
    // The process in the container never sees this variable: runc init clears its environment.
    Map<String, String> env = new HashMap<>(Spawn.inheritedEnvironment());
    env.put("GOGC", "400");
    Process p;
    try {
      p = new Spawn(argv).environment(env).stdin(Stdio.NULL).start();
    } catch (IOException e) {
      ScratchFiles.deleteQuietly(pidFile);
      throw CaissonException.internal("cannot run runc exec in " + id, e);
    }
    try {
      return awaitExec(
          id,
          command,
          timeout,
          p,
          maxOutput,
          pidFile,
          (code, stderr) ->
              code != 0 && isRuncFailure(stderr)
                  ? Optional.of(
                      RuncErrors.failure(
                          "exec", id, new String(stderr, StandardCharsets.UTF_8), code))
                  : Optional.empty());
    } finally {
      ScratchFiles.deleteQuietly(pidFile);
      // runc writes the pid file as ".NAME" and renames it: a failed write (full disk) leaves that.
      ScratchFiles.deleteQuietly(pidFile.resolveSibling("." + pidFile.getFileName()));
    }
  }

  /** Why an exec that ended with this code and stderr did not run the command, if it did not. */
  interface ExecFailure {
    Optional<CaissonException> of(int code, byte[] stderr);
  }

  /**
   * Waits for an exec's process (runc or the direct helper), capturing its output.
   *
   * @param pidFile where runc wrote the command's pid, or null when it is {@code p}'s descendant
   */
  static ExecResult awaitExec(
      String id,
      List<String> command,
      Duration timeout,
      Process p,
      int maxOutput,
      Path pidFile,
      ExecFailure failure) {
    AtomicInteger budget = new AtomicInteger(maxOutput);
    CompletableFuture<Command.Bounded> out = Command.drain(p.getInputStream(), budget);
    CompletableFuture<Command.Bounded> err = Command.drain(p.getErrorStream(), budget);
    try {
      boolean finished;
      if (timeout == null || timeout.isZero() || timeout.isNegative()) {
        p.waitFor();
        finished = true;
      } else {
        finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
      if (!finished) {
        if (pidFile != null) {
          killExecProcess(pidFile);
        } else {
          // The direct helper waits for its command: killed first, the command is reaped by it,
          // not left a zombie under a container init that never reaps (kubelet's `top`, `sleep`).
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.waitFor(2, TimeUnit.SECONDS);
        }
        killTree(p);
        throw new CaissonException(
            Kind.DEADLINE_EXCEEDED,
            "command " + command + " in container " + id + " timed out after " + timeout);
      }
      Command.Bounded o = await(out);
      Command.Bounded e = await(err);
      int code = p.exitValue();
      Optional<CaissonException> failed = failure.of(code, e == null ? new byte[0] : e.bytes());
      if (failed.isPresent()) {
        throw failed.get();
      }
      return new ExecResult(
          code, o == null ? new byte[0] : o.bytes(), e == null ? new byte[0] : e.bytes());
    } catch (InterruptedException ie) {
      killTree(p);
      Thread.currentThread().interrupt();
      throw new CaissonException(Kind.INTERNAL, "interrupted while executing in " + id, ie);
    }
  }

  /**
   * Output pipes stay open while a background child of the command lives; wait a moment for them to
   * drain, then answer with what was read.
   */
  private static Command.Bounded await(CompletableFuture<Command.Bounded> f)
      throws InterruptedException {
    try {
      return f.get(200, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return null;
    }
  }

  /** runc's own failure (a JSON log line at error level), not the command's stderr. */
  private static boolean isRuncFailure(byte[] stderr) {
    String s = new String(stderr, StandardCharsets.UTF_8).strip();
    return s.startsWith("{\"level\":\"error\"") || s.startsWith("{\"level\":\"fatal\"");
  }

  private static void killExecProcess(Path pidFile) {
    try {
      String text = Files.readString(pidFile).strip();
      if (!text.isEmpty()) {
        long pid = Long.parseLong(text);
        ProcessHandle.of(pid)
            .ifPresent(
                handle -> {
                  handle.descendants().forEach(ProcessHandle::destroyForcibly);
                  handle.destroyForcibly();
                });
        awaitGone(pid);
      }
    } catch (IOException | NumberFormatException e) {
      // runc had not started the process yet: killing runc below is enough.
    }
  }

  /**
   * Waits (briefly) until a killed process has been reaped: until then it still shows in /proc, and
   * a caller that looks right after a timed-out exec must not find it.
   */
  private static void awaitGone(long pid) {
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (System.nanoTime() < deadline
        && java.nio.file.Files.exists(Path.of("/proc", Long.toString(pid)))) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Kills the exec'd process tree first (runc cannot forward SIGKILL), then runc. */
  static void killTree(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    try {
      p.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The container's own process spec from {@code bundle/config.json} with {@code argv} instead of
   * its command: an exec runs as the container's user, env, cwd and capabilities.
   */
  public static OciSpec.Process execProcess(Path bundle, List<String> argv, boolean tty) {
    try {
      OciSpec spec = OciJson.readConfig(bundle);
      return spec.process().withArgs(argv, tty);
    } catch (java.nio.file.NoSuchFileException e) {
      throw CaissonException.notFound("bundle %s has no config.json", bundle);
    } catch (IOException e) {
      throw CaissonException.internal("cannot read the spec in " + bundle, e);
    }
  }
}
