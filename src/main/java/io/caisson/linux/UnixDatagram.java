package io.caisson.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Sends one AF_UNIX datagram, which the JDK's channels cannot (its unix sockets are streams only):
 * the service manager's notification socket takes datagrams. The address is a path, or an abstract
 * name written with a leading {@code @} as systemd does.
 */
public final class UnixDatagram {
  static final int AF_UNIX = 1;
  static final int SOCK_DGRAM = 2;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int SUN_PATH_MAX = 108;
  private static final int MSG_NOSIGNAL = 0x4000;

  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
  private static final MethodHandle SOCKET =
      Libc.withErrno("socket", FunctionDescriptor.of(INT, INT, INT, INT));
  private static final MethodHandle SENDTO =
      Libc.withErrno(
          "sendto",
          FunctionDescriptor.of(
              LONG, INT, ValueLayout.ADDRESS, LONG, INT, ValueLayout.ADDRESS, INT));

  private UnixDatagram() {}

  /** Sends {@code message} as one datagram to {@code address}; fails if it cannot be delivered. */
  public static void send(String address, byte[] message) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int fd = (int) SOCKET.invokeExact(state, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw new SyscallException("socket", "AF_UNIX SOCK_DGRAM", Libc.errno(state));
      }
      try {
        MemorySegment to = arena.allocate(2 + SUN_PATH_MAX);
        int toLength = socketAddress(address, to);
        MemorySegment data = arena.allocate(Math.max(1, message.length));
        MemorySegment.copy(message, 0, data, ValueLayout.JAVA_BYTE, 0, message.length);
        long sent;
        do {
          sent =
              (long)
                  SENDTO.invokeExact(
                      state, fd, data, (long) message.length, MSG_NOSIGNAL, to, toLength);
        } while (sent < 0 && Libc.errno(state) == Errno.EINTR);
        if (sent < 0) {
          throw new SyscallException("sendto", address, Libc.errno(state));
        }
      } finally {
        Syscalls.close(fd);
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("sendto downcall failed", t);
    }
  }

  /**
   * Fills {@code into} with a sockaddr_un for {@code address} and returns its length. An abstract
   * name ({@code @name}) starts with a NUL byte and is not NUL-terminated: its length is exact.
   */
  static int socketAddress(String address, MemorySegment into) throws IOException {
    boolean isAbstract = address.startsWith("@");
    byte[] name = address.getBytes(StandardCharsets.UTF_8);
    if (name.length <= 1 && isAbstract || name.length == 0) {
      throw new IOException("empty AF_UNIX address");
    }
    if (name.length >= SUN_PATH_MAX) {
      throw new IOException("AF_UNIX address too long (" + name.length + " bytes): " + address);
    }
    into.fill((byte) 0);
    into.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
    MemorySegment.copy(name, 0, into, ValueLayout.JAVA_BYTE, 2, name.length);
    if (isAbstract) {
      into.set(ValueLayout.JAVA_BYTE, 2, (byte) 0);
      return 2 + name.length;
    }
    return 2 + name.length + 1;
  }
}
