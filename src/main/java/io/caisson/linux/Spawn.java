package io.caisson.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts a program with glibc's posix_spawn(3), the way {@link ProcessBuilder} would, but with one
 * exec instead of two and with more than three descriptors.
 *
 * <p>Why not ProcessBuilder: on Linux the JDK spawns its {@code jspawnhelper}, which sets up the
 * child's descriptors and then execs the program, so every child costs two execs (~3.1 ms vs ~1.6
 * ms for /bin/true on a 2-core node), and the child can only be given fds 0–2 (conmon wants its
 * sync pipe on fd 3, which took a {@code /bin/sh} in between, another ~1.8 ms). glibc ≥ 2.34 can do
 * all of jspawnhelper's set-up as file actions (close every other fd, chdir), and its posix_spawn
 * runs the child on its own stack with signals blocked and handlers reset, so it is safe from a
 * multi-threaded JVM.
 *
 * <p>Every descriptor this creates is close-on-exec, so a concurrent spawn elsewhere in the JVM
 * never inherits one; the child also gets nothing above the descriptors it was given.
 */
public final class Spawn {
  /** Where one of the child's standard streams goes. */
  public enum Stdio {
    /** A pipe to or from the parent (see {@link SpawnedProcess}'s streams). */
    PIPE,
    /** /dev/null. */
    NULL
  }

  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
  private static final ValueLayout PTR = ValueLayout.ADDRESS;

  // Opaque glibc types, sized generously: posix_spawn_file_actions_t is 80 bytes and
  // posix_spawnattr_t 336 on x86_64 and aarch64, sigset_t 128.
  private static final long FILE_ACTIONS_SIZE = 256;
  private static final long ATTR_SIZE = 1024;
  private static final long SIGSET_SIZE = 128;

  private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  private static final short POSIX_SPAWN_SETSID = 0x80;
  private static final int SIGKILL = 9;
  private static final int SIGSTOP = 19;
  private static final int O_RDWR = 2;

  private static final MethodHandle PIPE2 =
      Libc.withErrno("pipe2", FunctionDescriptor.of(INT, PTR, INT));
  private static final MethodHandle CLOSE = Libc.function("close", FunctionDescriptor.of(INT, INT));
  private static final MethodHandle ACTIONS_INIT = libc("posix_spawn_file_actions_init", PTR);
  private static final MethodHandle ACTIONS_DESTROY = libc("posix_spawn_file_actions_destroy", PTR);
  private static final MethodHandle ADD_DUP2 =
      libc("posix_spawn_file_actions_adddup2", PTR, INT, INT);
  private static final MethodHandle ADD_OPEN =
      libc("posix_spawn_file_actions_addopen", PTR, INT, PTR, INT, INT);
  private static final MethodHandle ADD_CHDIR =
      libc("posix_spawn_file_actions_addchdir_np", PTR, PTR);
  private static final MethodHandle ADD_CLOSEFROM =
      libc("posix_spawn_file_actions_addclosefrom_np", PTR, INT);
  private static final MethodHandle ATTR_INIT = libc("posix_spawnattr_init", PTR);
  private static final MethodHandle ATTR_DESTROY = libc("posix_spawnattr_destroy", PTR);
  private static final MethodHandle ATTR_SETFLAGS = libc("posix_spawnattr_setflags", PTR, SHORT);
  private static final MethodHandle ATTR_SETSIGMASK = libc("posix_spawnattr_setsigmask", PTR, PTR);
  private static final MethodHandle ATTR_SETSIGDEFAULT =
      libc("posix_spawnattr_setsigdefault", PTR, PTR);
  private static final MethodHandle SIGEMPTYSET = libc("sigemptyset", PTR);
  private static final MethodHandle SIGFILLSET = libc("sigfillset", PTR);
  private static final MethodHandle SIGDELSET = libc("sigdelset", PTR, INT);
  private static final MethodHandle POSIX_SPAWN = libc("posix_spawn", PTR, PTR, PTR, PTR, PTR, PTR);
  private static final MethodHandle POSIX_SPAWNP =
      libc("posix_spawnp", PTR, PTR, PTR, PTR, PTR, PTR);

  private static final List<String> SERVICE_MANAGER_VARIABLES =
      List.of(
          "NOTIFY_SOCKET",
          "LISTEN_FDS",
          "LISTEN_PID",
          "LISTEN_FDNAMES",
          "WATCHDOG_USEC",
          "WATCHDOG_PID");

  /**
   * What the daemon's children inherit by default: its environment without the variables a service
   * manager addresses to the daemon alone. runc reads {@code NOTIFY_SOCKET}: given it, {@code runc
   * create} would proxy the socket into the container and {@code runc start} wait for the
   * container's own READY=1; socket-activation and watchdog variables name this process's pid.
   */
  private static final Map<String, String> INHERITED = inheritable(System.getenv());

  private final List<String> argv;
  private Map<String, String> environment = INHERITED;
  private Path directory;
  private Stdio stdin = Stdio.NULL;
  private Stdio stdout = Stdio.PIPE;
  private Stdio stderr = Stdio.PIPE;
  private boolean outputOnFd3;
  private Path terminal;

  /** A program and its arguments; a program name without a slash is looked up on the PATH. */
  public Spawn(List<String> argv) {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("no program to spawn");
    }
    this.argv = List.copyOf(argv);
  }

  private static MethodHandle libc(String name, ValueLayout... args) {
    return Libc.function(name, FunctionDescriptor.of(INT, args));
  }

  /**
   * The environment every child starts from: the daemon's own without the service manager's
   * variables. A caller that adds to it (runc's GOGC, a CNI plugin's CNI_*) starts from this, never
   * from {@link System#getenv()}.
   */
  public static Map<String, String> inheritedEnvironment() {
    return INHERITED;
  }

  /** {@code env} without the service manager's variables for the daemon itself. */
  static Map<String, String> inheritable(Map<String, String> env) {
    Map<String, String> kept = new HashMap<>(env);
    kept.keySet().removeAll(SERVICE_MANAGER_VARIABLES);
    return Map.copyOf(kept);
  }

  /** The child's whole environment (the daemon's own, less {@link #inheritable}, by default). */
  public Spawn environment(Map<String, String> env) {
    this.environment = Map.copyOf(env);
    return this;
  }

  /** The child's working directory (the daemon's by default). */
  public Spawn directory(Path dir) {
    this.directory = dir;
    return this;
  }

  /** Standard input: /dev/null unless asked for. */
  public Spawn stdin(Stdio how) {
    this.stdin = how;
    return this;
  }

  public Spawn stdout(Stdio how) {
    this.stdout = how;
    return this;
  }

  public Spawn stderr(Stdio how) {
    this.stderr = how;
    return this;
  }

  /** Gives the child a fourth descriptor, fd 3, the write end of a pipe the parent reads. */
  public Spawn outputOnFd3() {
    this.outputOnFd3 = true;
    return this;
  }

  /**
   * Runs the child in a session of its own with {@code slave} (a pseudo-terminal's slave side) as
   * its controlling terminal and as its stdin, stdout and stderr: glibc calls setsid(2) before the
   * file actions, so opening the slave then makes it the controlling terminal.
   */
  public Spawn controllingTerminal(Path slave) {
    this.terminal = slave;
    return this;
  }

  /**
   * Starts the program.
   *
   * @throws IOException when it cannot be started (not found, not executable, no such directory),
   *     with the errno in the message, as ProcessBuilder does
   */
  public SpawnedProcess start() throws IOException {
    List<Integer> parentEnds = new ArrayList<>(); // closed unless a stream took it
    List<Integer> childEnds = new ArrayList<>(); // closed once the child has them
    try (Arena arena = Arena.ofConfined()) {
      boolean pipes = terminal == null;
      int[] in = pipes && stdin == Stdio.PIPE ? pipe(arena, true, parentEnds, childEnds) : null;
      int[] out = pipes && stdout == Stdio.PIPE ? pipe(arena, false, parentEnds, childEnds) : null;
      int[] err = pipes && stderr == Stdio.PIPE ? pipe(arena, false, parentEnds, childEnds) : null;
      int[] fd3 = outputOnFd3 ? pipe(arena, false, parentEnds, childEnds) : null;
      MemorySegment actions = arena.allocate(FILE_ACTIONS_SIZE, 16);
      MemorySegment attr = arena.allocate(ATTR_SIZE, 16);
      check("posix_spawn_file_actions_init", (int) ACTIONS_INIT.invokeExact(actions));
      check("posix_spawnattr_init", (int) ATTR_INIT.invokeExact(attr));
      long pid;
      short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
      try {
        if (terminal != null) {
          flags |= POSIX_SPAWN_SETSID;
          MemorySegment path = arena.allocateFrom(terminal.toString());
          check("addopen", (int) ADD_OPEN.invokeExact(actions, 0, path, O_RDWR, 0));
          check("adddup2", (int) ADD_DUP2.invokeExact(actions, 0, 1));
          check("adddup2", (int) ADD_DUP2.invokeExact(actions, 0, 2));
        } else {
          stdio(arena, actions, 0, stdin, in == null ? -1 : in[0]);
          stdio(arena, actions, 1, stdout, out == null ? -1 : out[1]);
          stdio(arena, actions, 2, stderr, err == null ? -1 : err[1]);
        }
        if (fd3 != null) {
          check("adddup2", (int) ADD_DUP2.invokeExact(actions, fd3[1], 3));
        }
        check("addclosefrom_np", (int) ADD_CLOSEFROM.invokeExact(actions, fd3 != null ? 4 : 3));
        if (directory != null) {
          check(
              "addchdir_np",
              (int) ADD_CHDIR.invokeExact(actions, arena.allocateFrom(directory.toString())));
        }
        // The JVM's threads block and handle signals of their own; the program gets none of that.
        MemorySegment none = arena.allocate(SIGSET_SIZE, 8);
        check("sigemptyset", (int) SIGEMPTYSET.invokeExact(none));
        MemorySegment all = arena.allocate(SIGSET_SIZE, 8);
        check("sigfillset", (int) SIGFILLSET.invokeExact(all));
        check("sigdelset", (int) SIGDELSET.invokeExact(all, SIGKILL));
        check("sigdelset", (int) SIGDELSET.invokeExact(all, SIGSTOP));
        check("setsigmask", (int) ATTR_SETSIGMASK.invokeExact(attr, none));
        check("setsigdefault", (int) ATTR_SETSIGDEFAULT.invokeExact(attr, all));
        check("setflags", (int) ATTR_SETFLAGS.invokeExact(attr, flags));

        MemorySegment pidOut = arena.allocate(INT);
        String program = argv.getFirst();
        MethodHandle spawn = program.contains("/") ? POSIX_SPAWN : POSIX_SPAWNP;
        int rc =
            (int)
                spawn.invokeExact(
                    pidOut,
                    arena.allocateFrom(program),
                    actions,
                    attr,
                    strings(arena, argv),
                    strings(arena, environmentLines()));
        if (rc != 0) {
          throw new IOException("Cannot run program \"" + program + "\": " + Errno.describe(rc));
        }
        pid = pidOut.get(INT, 0);
      } finally {
        int ignored = (int) ACTIONS_DESTROY.invokeExact(actions);
        ignored = (int) ATTR_DESTROY.invokeExact(attr);
      }
      OutputStream stdinStream =
          in == null ? OutputStream.nullOutputStream() : PipeEnd.writer(take(parentEnds, in[1]));
      InputStream stdoutStream =
          out == null ? InputStream.nullInputStream() : PipeEnd.reader(take(parentEnds, out[0]));
      InputStream stderrStream =
          err == null ? InputStream.nullInputStream() : PipeEnd.reader(take(parentEnds, err[0]));
      InputStream fd3Stream =
          fd3 == null ? InputStream.nullInputStream() : PipeEnd.reader(take(parentEnds, fd3[0]));
      return new SpawnedProcess(pid, stdinStream, stdoutStream, stderrStream, fd3Stream);
    } catch (IOException e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("posix_spawn of " + argv.getFirst() + " failed", t);
    } finally {
      closeAll(childEnds);
      closeAll(parentEnds);
    }
  }

  private static void stdio(Arena arena, MemorySegment actions, int fd, Stdio how, int pipeEnd)
      throws Throwable {
    switch (how) {
      case PIPE -> check("adddup2", (int) ADD_DUP2.invokeExact(actions, pipeEnd, fd));
      case NULL ->
          check(
              "addopen",
              (int)
                  ADD_OPEN.invokeExact(
                      actions,
                      fd,
                      arena.allocateFrom("/dev/null"),
                      fd == 0 ? Syscalls.O_RDONLY : Syscalls.O_WRONLY,
                      0));
    }
  }

  private List<String> environmentLines() {
    List<String> lines = new ArrayList<>(environment.size());
    environment.forEach((k, v) -> lines.add(k + "=" + v));
    return lines;
  }

  /** A NULL-terminated array of C strings. */
  private static MemorySegment strings(Arena arena, List<String> values) {
    MemorySegment array = arena.allocate(PTR, values.size() + 1L);
    for (int i = 0; i < values.size(); i++) {
      array.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(values.get(i)));
    }
    array.setAtIndex(ValueLayout.ADDRESS, values.size(), MemorySegment.NULL);
    return array;
  }

  /**
   * A close-on-exec pipe; its ends are added to the lists at once, so a later failure closes them.
   *
   * @param childReads whether the child reads (its stdin) or writes
   */
  private static int[] pipe(
      Arena arena, boolean childReads, List<Integer> parentEnds, List<Integer> childEnds)
      throws Throwable {
    int[] fds = pipe(arena);
    parentEnds.add(childReads ? fds[1] : fds[0]);
    childEnds.add(childReads ? fds[0] : fds[1]);
    return fds;
  }

  private static int[] pipe(Arena arena) throws Throwable {
    MemorySegment fds = arena.allocate(INT, 2);
    MemorySegment state = Libc.callState(arena);
    int rc = (int) PIPE2.invokeExact(state, fds, Syscalls.O_CLOEXEC);
    if (rc != 0) {
      throw new SyscallException("pipe2", "O_CLOEXEC", Libc.errno(state));
    }
    return new int[] {fds.getAtIndex(INT, 0), fds.getAtIndex(INT, 1)};
  }

  private static void check(String what, int rc) throws IOException {
    if (rc != 0) {
      throw new IOException(what + " failed: " + Errno.describe(rc));
    }
  }

  /** Hands {@code fd} over to a stream, which closes it from now on. */
  private static int take(List<Integer> fds, int fd) {
    fds.remove(Integer.valueOf(fd));
    return fd;
  }

  private static void closeAll(List<Integer> fds) {
    for (int fd : fds) {
      try {
        int ignored = (int) CLOSE.invokeExact(fd);
      } catch (Throwable t) {
        // close(2) of our own pipe end cannot fail in a way worth reporting.
      }
    }
  }
}
