package io.caisson.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * A bound AF_UNIX datagram socket for tests, playing the service manager's end of the notification
 * socket: the JDK cannot open one.
 */
public final class DatagramReceiver implements AutoCloseable {
  private static final int MSG_DONTWAIT = 0x40;
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
  private static final MethodHandle BIND =
      Libc.withErrno("bind", FunctionDescriptor.of(INT, INT, ValueLayout.ADDRESS, INT));
  private static final MethodHandle RECV =
      Libc.withErrno("recv", FunctionDescriptor.of(LONG, INT, ValueLayout.ADDRESS, LONG, INT));

  private final int fd;

  private DatagramReceiver(int fd) {
    this.fd = fd;
  }

  /** Binds to {@code address}: a path, or {@code @name} in the abstract namespace. */
  public static DatagramReceiver bind(String address) throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment sockaddr = arena.allocate(UnixAddress.SIZE);
      int length = UnixAddress.fill(address, sockaddr);
      MemorySegment state = Libc.callState(arena);
      int fd = UnixDatagram.open();
      if ((int) BIND.invokeExact(state, fd, sockaddr, length) != 0) {
        int errno = Libc.errno(state);
        Syscalls.close(fd);
        throw new SyscallException("bind", address, errno);
      }
      return new DatagramReceiver(fd);
    }
  }

  /** The next datagram as text, or empty if none arrives within {@code timeout}. */
  public Optional<String> receive(Duration timeout) throws Throwable {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment buffer = arena.allocate(4096);
      while (true) {
        long n = (long) RECV.invokeExact(state, fd, buffer, 4096L, MSG_DONTWAIT);
        if (n >= 0) {
          byte[] bytes = buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
          return Optional.of(new String(bytes, StandardCharsets.UTF_8));
        }
        int errno = Libc.errno(state);
        if (errno != Errno.EAGAIN && errno != Errno.EINTR) {
          throw new IOException("recv: errno " + errno);
        }
        if (System.nanoTime() > deadline) {
          return Optional.empty();
        }
        Thread.sleep(10);
      }
    }
  }

  @Override
  public void close() {
    Syscalls.close(fd);
  }
}
