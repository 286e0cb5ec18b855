package io.caisson.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A connected AF_UNIX SOCK_SEQPACKET client, which the JDK's socket channels cannot open: conmon
 * serves container attach on such a socket. Reads return one packet; calls block the caller, so use
 * them from threads that may block.
 */
public final class SeqPacketSocket implements AutoCloseable {
  private static final int SOCK_SEQPACKET = 5;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int SHUT_WR = 1;
  private static final int SHUT_RDWR = 2;

  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

  private static final MethodHandle SOCKET =
      handle("socket", FunctionDescriptor.of(INT, INT, INT, INT));
  private static final MethodHandle CONNECT =
      handle("connect", FunctionDescriptor.of(INT, INT, ValueLayout.ADDRESS, INT));
  private static final MethodHandle READ =
      handle("read", FunctionDescriptor.of(LONG, INT, ValueLayout.ADDRESS, LONG));
  private static final MethodHandle WRITE =
      handle("write", FunctionDescriptor.of(LONG, INT, ValueLayout.ADDRESS, LONG));
  private static final MethodHandle SHUTDOWN =
      handle("shutdown", FunctionDescriptor.of(INT, INT, INT));

  private final int fd;
  private volatile boolean closed;

  private SeqPacketSocket(int fd) {
    this.fd = fd;
  }

  private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
    return Libc.withErrno(name, descriptor);
  }

  /**
   * Connects to the socket at {@code path}. A path longer than AF_UNIX allows (108 bytes) is
   * reached through its directory, opened here and named as {@code /proc/self/fd/N/NAME}.
   */
  public static SeqPacketSocket connect(Path path) throws IOException {
    if (path.toString().getBytes(StandardCharsets.UTF_8).length < UnixAddress.SUN_PATH_MAX
        || path.getParent() == null) {
      return connectShort(path);
    }
    int dir = Syscalls.openReadOnly(path.getParent());
    try {
      return connectShort(
          Path.of("/proc/self/fd", Integer.toString(dir)).resolve(path.getFileName()));
    } finally {
      Syscalls.close(dir);
    }
  }

  private static SeqPacketSocket connectShort(Path path) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment address = arena.allocate(UnixAddress.SIZE);
      int length = UnixAddress.fill(path.toString(), address);
      MemorySegment state = Libc.callState(arena);
      int fd =
          (int) SOCKET.invokeExact(state, UnixAddress.AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw new SyscallException("socket", "AF_UNIX SOCK_SEQPACKET", Libc.errno(state));
      }
      int rc = (int) CONNECT.invokeExact(state, fd, address, length);
      if (rc != 0) {
        int errno = Libc.errno(state);
        Syscalls.close(fd);
        throw new SyscallException("connect", path.toString(), errno);
      }
      return new SeqPacketSocket(fd);
    } catch (IOException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("socket downcall failed", t);
    }
  }

  /** Reads one packet into {@code buffer}; returns its length, or -1 at end of stream. */
  public int read(byte[] buffer) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment native_ = arena.allocate(buffer.length);
      long n;
      do {
        n = (long) READ.invokeExact(state, fd, native_, (long) buffer.length);
      } while (n < 0 && Libc.errno(state) == Errno.EINTR);
      if (n < 0) {
        if (closed) {
          return -1;
        }
        throw new SyscallException("read", "attach socket", Libc.errno(state));
      }
      if (n == 0) {
        return -1;
      }
      MemorySegment.copy(native_, ValueLayout.JAVA_BYTE, 0, buffer, 0, (int) n);
      return (int) n;
    } catch (IOException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("read downcall failed", t);
    }
  }

  public void write(byte[] data, int offset, int length) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment native_ = arena.allocate(Math.max(1, length));
      MemorySegment.copy(data, offset, native_, ValueLayout.JAVA_BYTE, 0, length);
      long written = 0;
      while (written < length) {
        long n =
            (long)
                WRITE.invokeExact(state, fd, native_.asSlice(written), (long) (length - written));
        if (n < 0) {
          int errno = Libc.errno(state);
          if (errno == Errno.EINTR) {
            continue;
          }
          throw new SyscallException("write", "attach socket", errno);
        }
        written += n;
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("write downcall failed", t);
    }
  }

  /** Half-closes: the peer sees end of input, we can still read. */
  public void shutdownOutput() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int ignored = (int) SHUTDOWN.invokeExact(state, fd, SHUT_WR);
    } catch (Throwable t) {
      throw new IllegalStateException("shutdown downcall failed", t);
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      // shutdown wakes a reader blocked in read(2); close alone would not.
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment state = Libc.callState(arena);
        int ignored = (int) SHUTDOWN.invokeExact(state, fd, SHUT_RDWR);
      } catch (Throwable t) {
        // Closing anyway.
      }
      Syscalls.close(fd);
    }
  }
}
