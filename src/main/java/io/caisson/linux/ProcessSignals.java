package io.caisson.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Signals one process through a pidfd (pidfd_open(2), pidfd_send_signal(2)), so the signal reaches
 * the very process a {@link ProcessStamp} names or none at all: once the pidfd is open it cannot
 * come to mean a later process that was given the same pid, and the stamp is checked after it was
 * opened. It spares spawning {@code runc kill}, a Go program, for a signal to one process.
 */
public final class ProcessSignals {
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  private static final MethodHandle PIDFD_OPEN =
      Libc.withErrno("pidfd_open", FunctionDescriptor.of(INT, INT, INT));
  private static final MethodHandle PIDFD_SEND_SIGNAL =
      Libc.withErrno(
          "pidfd_send_signal", FunctionDescriptor.of(INT, INT, INT, ValueLayout.ADDRESS, INT));

  private ProcessSignals() {}

  /**
   * Sends {@code signal} to the process {@code stamp} names.
   *
   * @return false when that process is gone (exited, a zombie, or its pid now names another one):
   *     nothing was signalled
   * @throws SyscallException when the kernel refused for another reason (EPERM, EINVAL ...)
   */
  public static boolean send(ProcessStamp stamp, int signal) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int pidfd = (int) PIDFD_OPEN.invokeExact(state, (int) stamp.pid(), 0);
      if (pidfd < 0) {
        int errno = Libc.errno(state);
        if (errno == Errno.ESRCH) {
          return false;
        }
        throw new SyscallException("pidfd_open", Long.toString(stamp.pid()), errno);
      }
      try {
        if (!stamp.stillRunning()) {
          return false;
        }
        int rc = (int) PIDFD_SEND_SIGNAL.invokeExact(state, pidfd, signal, MemorySegment.NULL, 0);
        if (rc != 0) {
          int errno = Libc.errno(state);
          if (errno == Errno.ESRCH) {
            return false;
          }
          throw new SyscallException(
              "pidfd_send_signal", stamp.pid() + ", signal " + signal, errno);
        }
        return true;
      } finally {
        Syscalls.close(pidfd);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("pidfd downcall failed", t);
    }
  }
}
