package io.caisson.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Takes back signals the daemon was started with ignored. The JVM leaves a signal that was ignored
 * when it started ignored, and {@code Signal.handle} then installs nothing and says nothing: a
 * daemon started under {@code nohup} never sees SIGHUP (its configuration reload), one started in
 * the background of a non-interactive shell never SIGINT. Go's {@code signal.Notify}, which
 * containerd and CRI-O use, takes such a signal over; so does {@link #unignore}, before the
 * daemon's handlers are registered.
 */
public final class SignalDispositions {
  public static final int SIGHUP = 1;
  public static final int SIGINT = 2;
  public static final int SIGTERM = 15;

  private static final MethodHandle SIGACTION =
      Libc.withErrno(
          "sigaction",
          FunctionDescriptor.of(
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.ADDRESS));

  /** glibc's struct sigaction (handler, 128-byte mask, flags, restorer) fits with room to spare. */
  private static final long SIGACTION_SIZE = 256;

  /** SIG_IGN as the handler field holds it; SIG_DFL is 0. */
  private static final long SIG_IGN = 1;

  private SignalDispositions() {}

  /**
   * Puts {@code signal} back to its default action if it is ignored, and leaves any other handler
   * (the JVM's own) alone.
   *
   * @return whether it was ignored
   */
  public static boolean unignore(int signal) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment current = arena.allocate(SIGACTION_SIZE);
      call(state, signal, MemorySegment.NULL, current);
      // sa_handler (a union with sa_sigaction) is the struct's first field.
      if (current.get(ValueLayout.JAVA_LONG, 0) != SIG_IGN) {
        return false;
      }
      // All zeroes: SIG_DFL, an empty mask, no flags.
      call(state, signal, arena.allocate(SIGACTION_SIZE), MemorySegment.NULL);
      return true;
    }
  }

  private static void call(MemorySegment state, int signal, MemorySegment action, MemorySegment old)
      throws SyscallException {
    int rc;
    try {
      rc = (int) SIGACTION.invokeExact(state, signal, action, old);
    } catch (Throwable t) {
      throw new IllegalStateException("sigaction", t);
    }
    if (rc != 0) {
      throw new SyscallException("sigaction", "signal " + signal, Libc.errno(state));
    }
  }
}
