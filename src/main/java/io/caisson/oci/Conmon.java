package io.caisson.oci;

import io.caisson.common.CaissonException;
import io.caisson.common.CaissonException.Kind;
import io.caisson.common.OutOfSpace;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import io.caisson.linux.Errno;
import io.caisson.linux.Spawn;
import io.caisson.linux.Spawn.Stdio;
import io.caisson.linux.SpawnedProcess;
import io.caisson.linux.SyscallException;
import io.caisson.linux.Syscalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts one monitor per container: Caisson's own ({@code caisson-monitor}, src/main/c) or conmon,
 * which take the same command line and leave the same files; "conmon" below is either. conmon runs
 * {@code runc create}, then holds the container's stdio, writes the CRI log, records the exit code
 * in {@code exitDir/ID}, serves the attach socket and the ctl fifo, and outlives Caisson: it forks,
 * the first process exits, and the survivor calls setsid(2), so it is neither our child nor in our
 * session.
 *
 * <p>conmon reports the outcome of {@code runc create} as one JSON line on the file descriptor
 * named by {@code _OCI_SYNCPIPE}: fd 3, a pipe {@link Spawn} hands it directly (ProcessBuilder can
 * only give a child fds 0–2). Its stdin and stdout are /dev/null; its stderr is read only when it
 * dies before answering.
 */
public final class Conmon {
  private static final Duration CREATE_TIMEOUT = Duration.ofMinutes(4);
  private static final String SYNC_FD = "3";
  private static final int WIN_RESIZE = 1;
  private static final int REOPEN_LOGS = 2;

  /** Where the build puts Caisson's monitor, next to the jar. */
  private static final String BUILT_MONITOR = "native/caisson-monitor";

  /**
   * The process names of the monitors a container may have, whichever the daemon runs now: a
   * container keeps the monitor it was started with across a restart and a change of setting.
   */
  private static final Set<String> MONITOR_NAMES = Set.of("conmon", "caisson-monitor");

  private final Path binary;
  private final Path exitDir;
  private final Path socketDir;
  private final String logLevel;

  /**
   * @param binary the conmon executable
   * @param exitDir where conmon writes {@code ID} files holding exit codes
   * @param socketDir short directory for attach socket symlinks ({@code socketDir/ID/attach}),
   *     which keeps socket paths under the 108-byte limit
   * @param logLevel conmon's own log level: error, warning, info, debug or trace
   */
  public Conmon(Path binary, Path exitDir, Path socketDir, String logLevel) {
    this.binary = binary;
    this.exitDir = exitDir;
    this.socketDir = socketDir;
    this.logLevel = logLevel;
  }

  /**
   * The monitor binary the setting names: Caisson's own when it is built, else the conmon binary
   * (empty when "caisson" was asked for and is not built, so the caller can say so).
   *
   * @param monitor "caisson" or "conmon" (the {@code monitor} key)
   * @param conmon the conmon binary (the {@code conmon} key)
   */
  public static Optional<Path> binaryFor(String monitor, Path conmon) {
    return "caisson".equals(monitor) ? BuiltHelpers.find(BUILT_MONITOR) : Optional.of(conmon);
  }

  /** What {@link #binaryFor} names, or the conmon binary when Caisson's monitor is not built. */
  public static Path effectiveBinary(String monitor, Path conmon) {
    return binaryFor(monitor, conmon).orElse(conmon);
  }

  /** The monitor's file name, for messages: "caisson-monitor" or "conmon". */
  private String name() {
    return binary.getFileName().toString();
  }

  /** The pids of a created container's monitor and init process. */
  public record Created(long conmonPid, long containerPid) {}

  /**
   * Creates the container: conmon runs {@code runc create}; this returns once the container is in
   * the "created" state, or throws with runc's error message after undoing what was done.
   *
   * @param runtime the runtime conmon drives (its binary and global flags)
   */
  public Created create(Runc runtime, ContainerLaunch launch) {
    return launch(runtime, launch, List.of());
  }

  /**
   * Restores the container from the CRIU images in {@code imagePath}: conmon runs {@code runc
   * restore --detach} instead of {@code runc create}, so this returns with the container running
   * (or throws with runc's error after undoing what was done, as create does).
   *
   * @param runtimeOpts extra {@code runc restore} flags, e.g. {@code --tcp-established}
   */
  public Created restore(
      Runc runtime, ContainerLaunch launch, Path imagePath, List<String> runtimeOpts) {
    List<String> extra = new ArrayList<>(List.of("--restore", imagePath.toString()));
    for (String opt : runtimeOpts) {
      extra.add("--runtime-opt");
      extra.add(opt);
    }
    return launch(runtime, launch, extra);
  }

  private Created launch(Runc runc, ContainerLaunch launch, List<String> extraArgs) {
    String id = launch.id();
    String verb = extraArgs.isEmpty() ? "create" : "restore";
    try {
      Files.createDirectories(exitDir);
      Files.createDirectories(socketDir);
      Files.createDirectories(runc.root());
      Files.createDirectories(launch.persistDir());
      if (launch.logPath().getParent() != null) {
        Files.createDirectories(launch.logPath().getParent());
      }
      Files.deleteIfExists(exitDir.resolve(id));
      Files.deleteIfExists(launch.persistDir().resolve("exit"));
      Files.deleteIfExists(launch.persistDir().resolve("oom"));
      Files.deleteIfExists(conmonPidFile(launch.bundle()));
    } catch (IOException e) {
      throw CaissonException.internal("cannot prepare conmon directories for " + id, e);
    }
    List<String> argv = new ArrayList<>(conmonArgs(runc, launch));
    argv.addAll(extraArgs);
    Map<String, String> env =
        Map.of(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            // conmon's option parser (GLib) converts arguments from the locale's charset: in the C
            // locale a non-ASCII log path fails the parse and conmon exits before doing anything.
            "LC_ALL",
            "C.UTF-8",
            "_OCI_SYNCPIPE",
            SYNC_FD);
    SpawnedProcess p;
    try {
      p =
          new Spawn(argv)
              .environment(env)
              .directory(launch.bundle())
              .stdin(Stdio.NULL)
              .stdout(Stdio.NULL)
              .stderr(Stdio.PIPE)
              .outputOnFd3()
              .start();
    } catch (IOException e) {
      throw CaissonException.internal("cannot start " + name() + " for " + id, e);
    }
    CompletableFuture<String> syncLine = firstLine(p.fd3());
    CompletableFuture<Command.Bounded> stderr = Command.drain(p.getErrorStream(), 64 << 10);
    String line;
    try {
      line = syncLine.get(CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      undoCreate(runc, launch, p);
      throw new CaissonException(
          Kind.DEADLINE_EXCEEDED,
          name() + "/runc " + verb + " of " + id + " did not finish in time");
    } catch (InterruptedException e) {
      undoCreate(runc, launch, p);
      Thread.currentThread().interrupt();
      throw new CaissonException(Kind.INTERNAL, "interrupted while creating " + id, e);
    } catch (ExecutionException e) {
      undoCreate(runc, launch, p);
      throw CaissonException.internal("reading conmon's answer for " + id, e.getCause());
    } finally {
      // conmon keeps its end for its whole life; our end is only for this one line.
      closeQuietly(p.fd3());
    }

    if (line == null) {
      // conmon died before runc create finished: its stderr is all we have.
      String why = stderrText(stderr);
      undoCreate(runc, launch, p);
      throw new CaissonException(
          RuncErrors.conmonExitKindOf(why),
          name() + " for " + id + " exited without creating the container: " + why);
    }
    long pid;
    String message;
    try {
      JsonValue node = Json.parse(line);
      JsonValue value = node.has("data") ? node.get("data") : node.get("pid");
      pid = value == null ? -1 : value.asLong(-1);
      message = node.path("message").asText("");
    } catch (IOException e) {
      undoCreate(runc, launch, p);
      throw CaissonException.internal(name() + " for " + id + " sent unreadable JSON: " + line, e);
    }
    if (pid <= 0) {
      undoCreate(runc, launch, p);
      String msg = RuncErrors.message(message);
      throw new CaissonException(
          RuncErrors.createKindOf(msg), verb + " of container " + id + " failed: " + msg);
    }
    try {
      // The first conmon process writes the pid file of the second, then exits (and is reaped).
      p.waitFor(10, TimeUnit.SECONDS);
      long conmonPid = Long.parseLong(Files.readString(conmonPidFile(launch.bundle())).strip());
      return new Created(conmonPid, pid);
    } catch (IOException | NumberFormatException e) {
      undoCreate(runc, launch, p);
      throw CaissonException.internal(name() + " for " + id + " left no readable pid file", e);
    } catch (InterruptedException e) {
      undoCreate(runc, launch, p);
      Thread.currentThread().interrupt();
      throw new CaissonException(Kind.INTERNAL, "interrupted while creating " + id, e);
    }
  }

  List<String> conmonArgs(Runc runc, ContainerLaunch launch) {
    Path bundle = launch.bundle();
    List<String> args = new ArrayList<>();
    args.add(binary.toString());
    args.addAll(
        List.of(
            "--api-version",
            "1",
            "-c",
            launch.id(),
            "-u",
            launch.id(),
            "-n",
            launch.name(),
            "-r",
            runc.binary().toString(),
            "-b",
            bundle.toString(),
            "-p",
            bundle.resolve("pidfile").toString(),
            "-P",
            conmonPidFile(bundle).toString(),
            "-l",
            "k8s-file:" + launch.logPath(),
            "--exit-dir",
            exitDir.toString(),
            "--socket-dir-path",
            socketDir.toString(),
            "--persist-dir",
            launch.persistDir().toString(),
            "--log-level",
            logLevel));
    for (String a : runc.globalArgs()) {
      args.add("--runtime-arg");
      args.add(a);
    }
    if (launch.terminal()) {
      args.add("-t");
    }
    if (launch.stdin()) {
      args.add("-i");
      if (!launch.stdinOnce()) {
        args.add("--leave-stdin-open");
      }
    }
    if (launch.logSizeMax() > 0) {
      args.add("--log-size-max");
      args.add(Long.toString(launch.logSizeMax()));
    }
    return args;
  }

  private void undoCreate(Runc runc, ContainerLaunch launch, Process p) {
    p.destroyForcibly();
    try {
      if (runc.knows(launch.id())) {
        runc.delete(launch.id(), true);
      }
    } catch (CaissonException ignored) {
      // Nothing was created, or runc cannot say: either way there is nothing more to undo.
    }
    try {
      Optional<Long> conmonPid = readPid(conmonPidFile(launch.bundle()));
      if (conmonPid.isPresent() && isConmon(conmonPid.get())) {
        ProcessHandle.of(conmonPid.get()).ifPresent(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (isConmon(conmonPid.get()) && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Files.deleteIfExists(socketDir.resolve(launch.id()));
      Files.deleteIfExists(exitDir.resolve(launch.id()));
    } catch (IOException ignored) {
      // Best effort: the caller removes the bundle directory, which holds the rest.
    }
  }

  private static Optional<Long> readPid(Path file) {
    try {
      return Optional.of(Long.parseLong(Files.readString(file).strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  public static Path conmonPidFile(Path bundle) {
    return bundle.resolve("conmon.pid");
  }

  /** The pid of the container's conmon, if it left its pid file. */
  public static Optional<Long> conmonPid(Path bundle) {
    return readPid(conmonPidFile(bundle));
  }

  /** Whether the conmon of this bundle still runs. */
  public static boolean conmonAlive(Path bundle) {
    return conmonPid(bundle).map(Conmon::isConmon).orElse(false);
  }

  /**
   * Whether {@code pid} is a live monitor (conmon or Caisson's). A zombie does not count: conmon's
   * parent is init, which may reap orphans late. The name check guards against a reused pid after a
   * reboot or restart.
   */
  static boolean isConmon(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      int close = stat.lastIndexOf(')');
      int open = stat.indexOf('(');
      if (open < 0 || close < 0 || close + 2 >= stat.length()) {
        return false;
      }
      char state = stat.charAt(close + 2);
      return MONITOR_NAMES.contains(stat.substring(open + 1, close))
          && state != 'Z'
          && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }

  /** The exit file conmon writes when the container's process has ended. */
  public Path exitFile(String id) {
    return exitDir.resolve(id);
  }

  /**
   * How the container ended, once conmon has written its exit file; empty while it runs.
   *
   * @param persistDir the launch's persist dir (the bundle by default), where "oom" appears
   */
  public Optional<ExitInfo> readExit(String id, Path persistDir) {
    Path file = exitFile(id);
    if (!Files.exists(file)) {
      return Optional.empty(); // the common case, on every list and status: no exception thrown
    }
    try {
      String text = Files.readString(file).strip();
      Instant finished = Files.getLastModifiedTime(file).toInstant();
      int code = text.isEmpty() ? -1 : Integer.parseInt(text);
      boolean oom = persistDir != null && Files.exists(persistDir.resolve("oom"));
      return Optional.of(new ExitInfo(code, finished, oom));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | NumberFormatException e) {
      throw CaissonException.internal("cannot read the exit file of " + id, e);
    }
  }

  /**
   * The names in the exit directory: the ids of the containers conmon has seen exit (and that are
   * not removed yet), plus any file conmon is still writing under a temporary name. One directory
   * read for a whole list instead of one {@link #readExit} stat per container.
   */
  public Set<String> exitFileNames() {
    Set<String> names = new HashSet<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(exitDir)) {
      for (Path file : files) {
        names.add(file.getFileName().toString());
      }
    } catch (NoSuchFileException e) {
      // No container has been created yet.
    } catch (IOException e) {
      throw CaissonException.internal("cannot list conmon's exit directory " + exitDir, e);
    }
    return names;
  }

  /** Where conmon writes each container's exit code, in a file named by its id. */
  public Path exitDir() {
    return exitDir;
  }

  /** The attach socket (SOCK_SEQPACKET) through a short symlink to the bundle. */
  public Path attachSocket(String id) {
    return socketDir.resolve(id).resolve("attach");
  }

  /** Removes what conmon leaves outside the bundle once the container is gone. */
  public void cleanup(String id) {
    try {
      Files.deleteIfExists(socketDir.resolve(id));
      Files.deleteIfExists(exitDir.resolve(id));
    } catch (IOException e) {
      throw CaissonException.internal("cannot remove conmon files of " + id, e);
    }
  }

  /** conmon's control fifo; messages are {@code "TYPE HEIGHT WIDTH\n"}. */
  public static Path ctlFifo(Path bundle) {
    return bundle.resolve("ctl");
  }

  /** Resizes the container's terminal (only meaningful with {@code terminal}). */
  public void resize(Path bundle, int width, int height) {
    control(bundle, WIN_RESIZE, height, width);
  }

  /**
   * Makes conmon reopen the log file (after kubelet rotated it) and waits until the file exists
   * again, so the caller can rely on it; a container whose conmon has gone is an error.
   *
   * <p>conmon opens {@code LOG.tmp} and renames it over the log, and exits when that open fails:
   * its container's output pipes close and the container dies of SIGPIPE. So that open is made to
   * succeed first: the directory (kubelet reopens a log whose directory was deleted) and the file
   * are made here, and a failure (a full filesystem, no inodes left) is the call's error instead.
   */
  public void reopenLog(Path bundle, Path logPath) {
    Path temp = logPath.resolveSibling(logPath.getFileName() + ".tmp");
    try {
      Files.createDirectories(logPath.getParent());
      Files.newByteChannel(
              temp,
              Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
          .close();
    } catch (IOException e) {
      throw new CaissonException(
          OutOfSpace.causedBy(e) ? Kind.RESOURCE_EXHAUSTED : Kind.FAILED_PRECONDITION,
          "cannot reopen the log " + logPath + ": " + e.getMessage(),
          e);
    }
    try {
      control(bundle, REOPEN_LOGS, 0, 0);
    } catch (CaissonException e) {
      ScratchFiles.deleteQuietly(temp);
      throw e;
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!Files.exists(logPath)) {
      if (System.nanoTime() > deadline) {
        throw new CaissonException(
            Kind.INTERNAL, name() + " did not reopen " + logPath + " within 5 seconds");
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CaissonException(Kind.INTERNAL, "interrupted while reopening " + logPath, e);
      }
    }
  }

  private static void control(Path bundle, int type, int height, int width) {
    byte[] msg = (type + " " + height + " " + width + "\n").getBytes(StandardCharsets.US_ASCII);
    try {
      Syscalls.writeFifo(ctlFifo(bundle), msg);
    } catch (SyscallException e) {
      if (e.errno() == Errno.ENXIO || e.errno() == Errno.ENOENT) {
        throw CaissonException.precondition(
            "the container of bundle %s has no running monitor", bundle);
      }
      throw CaissonException.internal("cannot write to the monitor's control fifo in " + bundle, e);
    }
  }

  /** Reads up to the first newline (conmon keeps the pipe open for its whole life). */
  private static CompletableFuture<String> firstLine(InputStream in) {
    CompletableFuture<String> f = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("conmon-sync")
        .start(
            () -> {
              ByteArrayOutputStream buf = new ByteArrayOutputStream();
              try {
                int b;
                while ((b = in.read()) >= 0 && b != '\n') {
                  buf.write(b);
                  if (buf.size() > (1 << 20)) {
                    break;
                  }
                }
                f.complete(buf.size() == 0 && b < 0 ? null : buf.toString(StandardCharsets.UTF_8));
              } catch (IOException e) {
                f.complete(buf.size() == 0 ? null : buf.toString(StandardCharsets.UTF_8));
              }
            });
    return f;
  }

  private static String stderrText(CompletableFuture<Command.Bounded> f) {
    try {
      Command.Bounded b = f.get(2, TimeUnit.SECONDS);
      String s = new String(b.bytes(), StandardCharsets.UTF_8).strip();
      return s.isEmpty() ? "(no output)" : s;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    } catch (ExecutionException | TimeoutException e) {
      return "(no output)";
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Only our ends of the pipes to the launching shell: nothing depends on a clean close.
    }
  }
}
