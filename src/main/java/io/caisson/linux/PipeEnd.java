package io.caisson.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Our end of a pipe to a child, as a stream: the descriptor is non-blocking, and a read or write
 * that would block parks on the {@link PipePoller} instead, so virtual threads can wait on a
 * child's output for as long as it likes without holding a carrier.
 */
final class PipeEnd {
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
  private static final MethodHandle READ =
      Libc.withErrno("read", FunctionDescriptor.of(LONG, INT, ValueLayout.ADDRESS, LONG));
  private static final MethodHandle WRITE =
      Libc.withErrno("write", FunctionDescriptor.of(LONG, INT, ValueLayout.ADDRESS, LONG));
  private static final MethodHandle FCNTL =
      Libc.withErrno(
          "fcntl", FunctionDescriptor.of(INT, INT, INT, INT), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle CLOSE = Libc.function("close", FunctionDescriptor.of(INT, INT));

  /** Closes the descriptors of streams dropped without close(), as the JDK's own streams do. */
  private static final Cleaner CLEANER = Cleaner.create();

  private static final int F_GETFL = 3;
  private static final int F_SETFL = 4;
  private static final int CHUNK = 64 << 10;

  private final int fd;
  private final boolean write;
  private final ReentrantLock lock = new ReentrantLock(); // guards fd against close
  private boolean closed; // guarded by lock

  private PipeEnd(int fd, boolean write) throws IOException {
    this.fd = fd;
    this.write = write;
    setNonBlocking(fd);
  }

  /** Takes ownership of the read end {@code fd}. */
  static InputStream reader(int fd) throws IOException {
    PipeEnd end = new PipeEnd(fd, false);
    InputStream stream =
        new InputStream() {
          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            int n = end.transfer(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
              return 0;
            }
            int n = end.transfer(b, off, Math.min(len, CHUNK));
            return n == 0 ? -1 : n;
          }

          @Override
          public void close() {
            end.close();
          }
        };
    CLEANER.register(stream, end::close);
    return stream;
  }

  /** Takes ownership of the write end {@code fd}. */
  static OutputStream writer(int fd) throws IOException {
    PipeEnd end = new PipeEnd(fd, true);
    OutputStream stream =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            while (len > 0) {
              int n = end.transfer(b, off, Math.min(len, CHUNK));
              off += n;
              len -= n;
            }
          }

          @Override
          public void close() {
            end.close();
          }
        };
    CLEANER.register(stream, end::close);
    return stream;
  }

  /**
   * One read(2) or write(2) of up to {@code len} bytes, waiting until the pipe is ready; a read
   * returns 0 at end of stream (or once closed).
   */
  private int transfer(byte[] b, int off, int len) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(len);
      MemorySegment state = Libc.callState(arena);
      if (write) {
        MemorySegment.copy(b, off, buffer, ValueLayout.JAVA_BYTE, 0, len);
      }
      while (true) {
        CompletableFuture<Void> ready;
        lock.lock();
        try {
          if (closed) {
            if (write) {
              throw new IOException("Stream closed");
            }
            return 0;
          }
          long n =
              write
                  ? (long) WRITE.invokeExact(state, fd, buffer, (long) len)
                  : (long) READ.invokeExact(state, fd, buffer, (long) len);
          if (n >= 0) {
            if (!write && n > 0) {
              MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
            }
            return (int) n;
          }
          int errno = Libc.errno(state);
          if (errno == Errno.EINTR) {
            continue;
          }
          if (errno != Errno.EAGAIN) {
            throw new SyscallException(write ? "write" : "read", "pipe fd " + fd, errno);
          }
          ready = PipePoller.get().watch(fd, PipePoller.interest(write));
        } finally {
          lock.unlock();
        }
        PipePoller.get().await(ready, fd);
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("pipe " + (write ? "write" : "read") + " downcall failed", t);
    }
  }

  /** Closes the descriptor, waking a thread waiting on it (its read ends the stream). */
  void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      PipePoller.get().forget(fd);
      int ignored = (int) CLOSE.invokeExact(fd);
    } catch (Throwable t) {
      throw new IllegalStateException("close downcall failed", t);
    } finally {
      lock.unlock();
    }
  }

  private static void setNonBlocking(int fd) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int flags = (int) FCNTL.invokeExact(state, fd, F_GETFL, 0);
      if (flags < 0
          || (int) FCNTL.invokeExact(state, fd, F_SETFL, flags | Syscalls.O_NONBLOCK) < 0) {
        throw new SyscallException("fcntl", "O_NONBLOCK on fd " + fd, Libc.errno(state));
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("fcntl downcall failed", t);
    }
  }
}
