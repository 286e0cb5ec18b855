package io.caisson.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A child started by {@link Spawn}. It is a {@link Process}, so the code that waits for it, reads
 * its output and kills it is the code that handled ProcessBuilder's children.
 *
 * <p>The child's exit is noticed through a pidfd on the {@link PipePoller}'s epoll thread (one
 * thread for every child, however many run at once), then the child is reaped under the same lock
 * {@link #destroy} takes: the pid is never signalled once it may belong to someone else. Where the
 * kernel has no pidfd_open(2) (before 5.3), a small platform thread per child waits with waitid(2)
 * instead. (The JDK reaps only the pids it started, so it never takes these.)
 */
public final class SpawnedProcess extends Process {
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  private static final MethodHandle WAITID =
      Libc.withErrno("waitid", FunctionDescriptor.of(INT, INT, INT, ValueLayout.ADDRESS, INT));
  private static final MethodHandle WAITPID =
      Libc.function("waitpid", FunctionDescriptor.of(INT, INT, ValueLayout.ADDRESS, INT));
  private static final MethodHandle KILL =
      Libc.function("kill", FunctionDescriptor.of(INT, INT, INT));
  private static final MethodHandle PIDFD_OPEN =
      Libc.function("pidfd_open", FunctionDescriptor.of(INT, INT, INT));
  private static final MethodHandle CLOSE = Libc.function("close", FunctionDescriptor.of(INT, INT));

  private static final int P_PID = 1;
  private static final int WEXITED = 4;
  private static final int WNOWAIT = 0x01000000;
  private static final int WNOHANG = 1;
  private static final int SIGTERM = 15;
  private static final int SIGKILL = 9;
  private static final long SIGINFO_SIZE = 128;

  /**
   * Without pidfds, blocking waits pin a thread, so they get platform threads of their own, small
   * ones, reused across children (as the JDK's own process reaper does). A burst of 300 pods
   * removed at once had 250 of them at a time.
   */
  private static final ExecutorService WAITERS =
      Executors.newCachedThreadPool(
          Thread.ofPlatform().name("child-waiter-", 0).daemon().stackSize(128 << 10).factory());

  /**
   * Reaps and completes the exit off the poller's thread: whoever waits on the exit may chain work
   * onto it (removing files, reading output), which must not hold up every other child's pipes.
   */
  private static final ExecutorService REAPERS =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("child-reaper").factory());

  private final long pid;
  private final OutputStream stdin;
  private final InputStream stdout;
  private final InputStream stderr;
  private final InputStream fd3;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private boolean reaped; // guarded by this

  SpawnedProcess(
      long pid, OutputStream stdin, InputStream stdout, InputStream stderr, InputStream fd3) {
    this.pid = pid;
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
    this.fd3 = fd3;
    int pidfd = pidfd(pid);
    if (pidfd >= 0) {
      try {
        PipePoller.get()
            .watch(pidfd, PipePoller.EPOLLIN)
            .whenCompleteAsync((ready, failure) -> reapExited(pidfd), REAPERS);
        return;
      } catch (IOException e) {
        close(pidfd);
      }
    }
    WAITERS.execute(this::awaitExit);
  }

  /** A pidfd of our own unreaped child (its pid cannot be reused yet), or -1 without one. */
  private static int pidfd(long pid) {
    try {
      return (int) PIDFD_OPEN.invokeExact((int) pid, 0);
    } catch (Throwable t) {
      return -1; // no pidfd_open in this libc or kernel
    }
  }

  private static void close(int fd) {
    try {
      int ignored = (int) CLOSE.invokeExact(fd);
    } catch (Throwable t) {
      throw new IllegalStateException("close downcall failed", t);
    }
  }

  /**
   * The pidfd turned readable: the child has exited and is a zombie until reaped, which {@link
   * #awaitExit} does at once now (its wait returns without blocking).
   */
  private void reapExited(int pidfd) {
    PipePoller.get().forget(pidfd);
    close(pidfd);
    awaitExit();
  }

  private void awaitExit() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment info = arena.allocate(SIGINFO_SIZE, 8);
      MemorySegment state = Libc.callState(arena);
      while ((int) WAITID.invokeExact(state, P_PID, (int) pid, info, WEXITED | WNOWAIT) != 0) {
        if (Libc.errno(state) != Errno.EINTR) {
          exit.completeExceptionally(
              new IllegalStateException(
                  "waitid(" + pid + "): " + Errno.describe(Libc.errno(state))));
          return;
        }
      }
      MemorySegment status = arena.allocate(INT);
      synchronized (this) {
        int rc = (int) WAITPID.invokeExact((int) pid, status, WNOHANG);
        reaped = true;
        if (rc != pid) {
          exit.completeExceptionally(new IllegalStateException("waitpid(" + pid + ") = " + rc));
          return;
        }
      }
      exit.complete(exitCode(status.get(INT, 0)));
    } catch (Throwable t) {
      exit.completeExceptionally(t);
    }
  }

  /** The shell's convention, as the JDK reports it: the exit status, or 128 + the signal. */
  static int exitCode(int status) {
    int signal = status & 0x7f;
    return signal == 0 ? (status >> 8) & 0xff : 0x80 + signal;
  }

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public OutputStream getOutputStream() {
    return stdin;
  }

  @Override
  public InputStream getInputStream() {
    return stdout;
  }

  @Override
  public InputStream getErrorStream() {
    return stderr;
  }

  /** What the child writes on its fd 3 (empty unless {@link Spawn#outputOnFd3} asked for it). */
  public InputStream fd3() {
    return fd3;
  }

  @Override
  public int waitFor() throws InterruptedException {
    try {
      return exit.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot wait for pid " + pid, e.getCause());
    }
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    try {
      exit.get(timeout, unit);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot wait for pid " + pid, e.getCause());
    }
  }

  @Override
  public int exitValue() {
    Integer code = exit.getNow(null);
    if (code == null) {
      throw new IllegalThreadStateException("process " + pid + " has not exited");
    }
    return code;
  }

  @Override
  public boolean isAlive() {
    return !exit.isDone();
  }

  @Override
  public CompletableFuture<Process> onExit() {
    return exit.handle((code, failure) -> this);
  }

  @Override
  public void destroy() {
    signal(SIGTERM);
  }

  @Override
  public Process destroyForcibly() {
    signal(SIGKILL);
    return this;
  }

  @Override
  public ProcessHandle toHandle() {
    return ProcessHandle.of(pid)
        .orElseThrow(() -> new IllegalStateException("process " + pid + " is gone"));
  }

  @Override
  public Stream<ProcessHandle> children() {
    return ProcessHandle.of(pid).map(ProcessHandle::children).orElseGet(Stream::empty);
  }

  @Override
  public Stream<ProcessHandle> descendants() {
    return ProcessHandle.of(pid).map(ProcessHandle::descendants).orElseGet(Stream::empty);
  }

  @Override
  public boolean supportsNormalTermination() {
    return true;
  }

  private synchronized void signal(int signal) {
    if (reaped) {
      return; // the pid may be someone else's by now
    }
    try {
      int ignored = (int) KILL.invokeExact((int) pid, signal);
    } catch (Throwable t) {
      throw new IllegalStateException("kill(" + pid + ") downcall failed", t);
    }
  }

  @Override
  public String toString() {
    return "SpawnedProcess[pid=" + pid + ", exit=" + exit.getNow(null) + "]";
  }
}
