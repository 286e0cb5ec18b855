package io.caisson.oci;

import io.caisson.common.CaissonException;
import io.caisson.common.CaissonException.Kind;
import io.caisson.linux.ProcessStamp;
import io.caisson.linux.SyscallException;
import io.caisson.linux.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Starts a created runc container the way {@code runc start} does, without a runc process. After
 * {@code runc create}, the container's init waits to open {@code exec.fifo} in the container's runc
 * state dir for writing; once a reader opens it, init writes one byte and execs the user process,
 * which closes the FIFO. {@code runc start} (runc 1.x, for a created container) is exactly: read
 * that byte and the end of file, then remove the FIFO, which is how runc tells "created" from
 * "running" afterwards. Poststart hooks are no part of it: runc 1.1 runs them at create.
 *
 * <p>Doing it here saves a runc process per start (a Go runtime start, its state lookups; ~8 ms of
 * the ~10 ms {@code runc start} takes on a 2-core node). Only used when the FIFO is where runc
 * keeps it; {@link Runc#start} falls back to {@code runc start} otherwise.
 */
final class ExecFifo {
  static final String NAME = "exec.fifo";
  private static final int POLL_MILLIS = 50;

  private ExecFifo() {}

  /**
   * Lets the container's process run and waits until it has been exec'd.
   *
   * @param fifo the container's {@code exec.fifo}
   * @param initPid the container's init process, waiting on the FIFO
   * @return false when there was no FIFO to open (the caller falls back to {@code runc start})
   * @throws CaissonException FAILED_PRECONDITION when the init process died before it could start
   */
  static boolean release(String id, Path fifo, long initPid, Duration timeout) {
    int fd;
    try {
      fd = Syscalls.openReadNonBlocking(fifo);
    } catch (SyscallException e) {
      return false;
    }
    try {
      awaitExec(id, fd, initPid, System.nanoTime() + timeout.toNanos());
    } catch (SyscallException e) {
      throw CaissonException.internal("reading the exec FIFO of container " + id, e);
    } finally {
      Syscalls.close(fd);
    }
    try {
      Files.deleteIfExists(fifo);
    } catch (IOException e) {
      throw CaissonException.internal("cannot remove the exec FIFO of container " + id, e);
    }
    return true;
  }

  /**
   * A FIFO opened for reading without a writer reports neither input nor hang-up until a writer has
   * come and gone, so poll sees init's byte, then the end of file when it execs.
   */
  private static void awaitExec(String id, int fd, long initPid, long deadline)
      throws SyscallException {
    byte[] buffer = new byte[16];
    boolean signalled = false;
    while (true) {
      short events = Syscalls.poll(fd, Syscalls.POLLIN, POLL_MILLIS);
      if ((events & (Syscalls.POLLIN | Syscalls.POLLHUP)) != 0) {
        int n = Syscalls.read(fd, buffer);
        if (n > 0) {
          signalled = true;
          continue;
        }
        if (n == 0) {
          if (signalled) {
            return;
          }
          throw dead(id);
        }
        continue; // nothing yet after all
      }
      if (!alive(initPid)) {
        // It may have run to completion between two polls: whatever it wrote is still there.
        int n = Syscalls.read(fd, buffer);
        if (signalled || n > 0) {
          return;
        }
        throw dead(id);
      }
      if (System.nanoTime() > deadline) {
        throw new CaissonException(
            Kind.DEADLINE_EXCEEDED, "container " + id + " did not start in time");
      }
    }
  }

  private static CaissonException dead(String id) {
    return CaissonException.precondition(
        "cannot start container %s: its process is already dead", id);
  }

  /** A zombie is dead: conmon reaps the init it parents, but maybe not yet. */
  private static boolean alive(long pid) {
    return ProcessStamp.of(pid).isPresent();
  }
}
