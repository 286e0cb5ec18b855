package io.caisson.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Sends one AF_UNIX datagram, which the JDK's channels cannot (its unix sockets are streams only):
 * the service manager's notification socket takes datagrams. The address is a path, or an abstract
 * name written with a leading {@code @} as systemd does.
 */
public final class UnixDatagram {
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
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

  /** A new unbound AF_UNIX datagram socket (close-on-exec); the caller closes it. */
  static int open() throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int fd = (int) SOCKET.invokeExact(state, UnixAddress.AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw new SyscallException("socket", "AF_UNIX SOCK_DGRAM", Libc.errno(state));
      }
      return fd;
    } catch (IOException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("socket downcall failed", t);
    }
  }

  /** Sends {@code message} as one datagram to {@code address}; fails if it cannot be delivered. */
  public static void send(String address, byte[] message) throws IOException {
    int fd = open();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment to = arena.allocate(UnixAddress.SIZE);
      int toLength = UnixAddress.fill(address, to);
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
    } catch (IOException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("sendto downcall failed", t);
    } finally {
      Syscalls.close(fd);
    }
  }
}
