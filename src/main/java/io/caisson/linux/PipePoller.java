package io.caisson.linux;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Wakes threads waiting for a non-blocking pipe descriptor to become readable or writable: one
 * platform thread sits in epoll_wait(2) for all of them.
 *
 * <p>Why: a virtual thread blocked in read(2) on a plain {@link java.io.FileInputStream} holds its
 * carrier thread (the JDK compensates only for its own process pipes), so two children's output
 * streams read at once would stop every other virtual thread on a 2-core node. A waiter here parks
 * on a future instead and its carrier runs other work.
 */
final class PipePoller {
  static final int EPOLLIN = 0x001;
  static final int EPOLLOUT = 0x004;
  private static final int EPOLLERR = 0x008;
  private static final int EPOLLHUP = 0x010;
  private static final int EPOLLONESHOT = 1 << 30;
  private static final int EPOLL_CLOEXEC = 0x80000;
  private static final int EPOLL_CTL_ADD = 1;
  private static final int EPOLL_CTL_DEL = 2;
  private static final int EPOLL_CTL_MOD = 3;
  private static final int MAX_EVENTS = 64;

  /** struct epoll_event is packed on x86_64 (12 bytes), naturally aligned elsewhere (16). */
  private static final boolean PACKED =
      System.getProperty("os.arch").equals("amd64")
          || System.getProperty("os.arch").equals("x86_64");

  private static final long EVENT_SIZE = PACKED ? 12 : 16;
  private static final long DATA_OFFSET = PACKED ? 4 : 8;

  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  private static final MethodHandle EPOLL_CREATE1 =
      Libc.withErrno("epoll_create1", FunctionDescriptor.of(INT, INT));
  private static final MethodHandle EPOLL_CTL =
      Libc.withErrno("epoll_ctl", FunctionDescriptor.of(INT, INT, INT, INT, ValueLayout.ADDRESS));
  private static final MethodHandle EPOLL_WAIT =
      Libc.withErrno("epoll_wait", FunctionDescriptor.of(INT, INT, ValueLayout.ADDRESS, INT, INT));

  private static final class Holder {
    static final PipePoller INSTANCE = new PipePoller();
  }

  private final int epfd;
  private final Map<Integer, CompletableFuture<Void>> waiters = new ConcurrentHashMap<>();

  private PipePoller() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      epfd = (int) EPOLL_CREATE1.invokeExact(state, EPOLL_CLOEXEC);
      if (epfd < 0) {
        throw new IllegalStateException("epoll_create1: " + Errno.describe(Libc.errno(state)));
      }
    } catch (Throwable t) {
      throw t instanceof IllegalStateException e ? e : new IllegalStateException(t);
    }
    Thread.ofPlatform().name("pipe-poller").daemon().stackSize(128 << 10).start(this::loop);
  }

  static PipePoller get() {
    return Holder.INSTANCE;
  }

  /**
   * Arms a one-shot watch: the future completes when {@code fd} is ready for {@code events} (or has
   * hung up or failed), or when {@link #forget} is called for it. One watch per descriptor at a
   * time; the caller arms and forgets under the same lock, so a closed descriptor is never armed.
   */
  CompletableFuture<Void> watch(int fd, int events) throws IOException {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    if (waiters.putIfAbsent(fd, ready) != null) {
      throw new IOException("fd " + fd + " is already being waited for");
    }
    try {
      arm(fd, events);
    } catch (IOException e) {
      waiters.remove(fd, ready);
      throw e;
    }
    return ready;
  }

  /** Parks the caller (a virtual thread unmounts) until the watch completes. */
  void await(CompletableFuture<Void> ready, int fd) throws IOException {
    try {
      ready.get();
    } catch (InterruptedException e) {
      waiters.remove(fd, ready); // a later watch re-arms the descriptor
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for fd " + fd);
    } catch (ExecutionException e) {
      throw new IOException("waiting for fd " + fd, e.getCause());
    }
  }

  /** Stops watching {@code fd} (before it is closed) and wakes its waiter, if any. */
  void forget(int fd) {
    ctl(EPOLL_CTL_DEL, fd, 0);
    CompletableFuture<Void> waiter = waiters.remove(fd);
    if (waiter != null) {
      waiter.complete(null);
    }
  }

  private void arm(int fd, int events) throws IOException {
    int mask = events | EPOLLONESHOT;
    int errno = ctl(EPOLL_CTL_MOD, fd, mask);
    if (errno == Errno.ENOENT) {
      errno = ctl(EPOLL_CTL_ADD, fd, mask);
    }
    if (errno != 0 && errno != Errno.EEXIST) {
      throw new IOException("epoll_ctl(fd " + fd + "): " + Errno.describe(errno));
    }
  }

  /** epoll_ctl(2); returns 0 or the errno. */
  private int ctl(int op, int fd, int events) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment event = arena.allocate(EVENT_SIZE, 4);
      event.set(INT, 0, events);
      event.set(INT, DATA_OFFSET, fd);
      int rc = (int) EPOLL_CTL.invokeExact(state, epfd, op, fd, event);
      return rc == 0 ? 0 : Libc.errno(state);
    } catch (Throwable t) {
      throw new IllegalStateException("epoll_ctl downcall failed", t);
    }
  }

  private void loop() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment events = arena.allocate(EVENT_SIZE * MAX_EVENTS, 8);
      while (true) {
        int n = (int) EPOLL_WAIT.invokeExact(state, epfd, events, MAX_EVENTS, -1);
        if (n < 0) {
          if (Libc.errno(state) == Errno.EINTR) {
            continue;
          }
          throw new IllegalStateException("epoll_wait: " + Errno.describe(Libc.errno(state)));
        }
        for (int i = 0; i < n; i++) {
          int fd = events.get(INT, i * EVENT_SIZE + DATA_OFFSET);
          CompletableFuture<Void> waiter = waiters.remove(fd);
          if (waiter != null) {
            waiter.complete(null); // readable, writable, hung up or failed: the read/write says
          }
        }
      }
    } catch (Throwable t) {
      // Without the poller no pipe could be waited on again: fail every waiter loudly.
      waiters.values().forEach(w -> w.completeExceptionally(t));
      throw new IllegalStateException("pipe poller stopped", t);
    }
  }

  static int interest(boolean write) {
    return (write ? EPOLLOUT : EPOLLIN) | EPOLLERR | EPOLLHUP;
  }
}
