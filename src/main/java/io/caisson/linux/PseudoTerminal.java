package io.caisson.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pseudo-terminal pair whose master side Caisson holds: a process given the slave as its
 * controlling terminal sees a real terminal, and whatever it prints arrives on {@link #output()}.
 *
 * <p>The master is non-blocking so that no call here parks a virtual thread's carrier in the
 * kernel: writes retry after a short sleep when the terminal's input queue is full, and one
 * platform thread per terminal waits in poll(2) for output and hands it over through a small queue.
 * That thread ends when every slave descriptor is closed (the kernel then reports EIO / POLLHUP) or
 * when the terminal is closed.
 */
public final class PseudoTerminal implements AutoCloseable {
  private static final int O_RDWR = 2;
  private static final int O_NOCTTY = 0x100;
  private static final int F_SETFL = 4;
  private static final long TIOCSWINSZ = 0x5414;
  private static final short POLLIN = 0x1;
  private static final int EIO = 5;
  private static final int POLL_MILLIS = 250;
  private static final byte[] END = new byte[0];

  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

  private static final MethodHandle POSIX_OPENPT =
      handle("posix_openpt", FunctionDescriptor.of(INT, INT));
  private static final MethodHandle GRANTPT = handle("grantpt", FunctionDescriptor.of(INT, INT));
  private static final MethodHandle UNLOCKPT = handle("unlockpt", FunctionDescriptor.of(INT, INT));
  private static final MethodHandle PTSNAME_R =
      handle("ptsname_r", FunctionDescriptor.of(INT, INT, ValueLayout.ADDRESS, LONG));
  private static final MethodHandle FCNTL =
      handle("fcntl", FunctionDescriptor.of(INT, INT, INT, INT), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle IOCTL =
      handle(
          "ioctl",
          FunctionDescriptor.of(INT, INT, LONG, ValueLayout.ADDRESS),
          Linker.Option.firstVariadicArg(2));
  private static final MethodHandle POLL =
      handle("poll", FunctionDescriptor.of(INT, ValueLayout.ADDRESS, LONG, INT));
  private static final MethodHandle READ =
      handle("read", FunctionDescriptor.of(LONG, INT, ValueLayout.ADDRESS, LONG));
  private static final MethodHandle WRITE =
      handle("write", FunctionDescriptor.of(LONG, INT, ValueLayout.ADDRESS, LONG));

  private final int master;
  private final Path slave;
  private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(16);
  private final InputStream output = new Output();
  private final OutputStream input = new Input();
  // The master is closed once both close() and the pump are done with it, under the input lock,
  // so no write or resize can reach a descriptor number the process has reused meanwhile.
  private final AtomicInteger users = new AtomicInteger(2);
  private volatile boolean closed;

  private PseudoTerminal(int master, Path slave) {
    this.master = master;
    this.slave = slave;
  }

  private static MethodHandle handle(
      String name, FunctionDescriptor descriptor, Linker.Option... options) {
    return Libc.withErrno(name, descriptor, options);
  }

  /** Opens a new pair; {@code name} names the reader thread. */
  public static PseudoTerminal open(String name) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int fd = (int) POSIX_OPENPT.invokeExact(state, O_RDWR | O_NOCTTY | Syscalls.O_CLOEXEC);
      if (fd < 0) {
        throw new SyscallException("posix_openpt", "/dev/ptmx", Libc.errno(state));
      }
      try {
        check((int) GRANTPT.invokeExact(state, fd), "grantpt", state);
        check((int) UNLOCKPT.invokeExact(state, fd), "unlockpt", state);
        MemorySegment buffer = arena.allocate(128);
        int rc = (int) PTSNAME_R.invokeExact(state, fd, buffer, 128L);
        if (rc != 0) {
          throw new SyscallException("ptsname_r", "pty master", rc);
        }
        check(
            (int) FCNTL.invokeExact(state, fd, F_SETFL, O_RDWR | Syscalls.O_NONBLOCK),
            "fcntl",
            state);
        PseudoTerminal pty = new PseudoTerminal(fd, Path.of(buffer.getString(0)));
        Thread.ofPlatform().daemon().name("pty-" + name).start(pty::pump);
        return pty;
      } catch (IOException | RuntimeException e) {
        Syscalls.close(fd);
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("pty downcall failed", t);
    }
  }

  private static void check(int rc, String call, MemorySegment state) throws SyscallException {
    if (rc < 0) {
      throw new SyscallException(call, "pty master", Libc.errno(state));
    }
  }

  /** The slave device (/dev/pts/N) to open in the child as its terminal. */
  public Path slave() {
    return slave;
  }

  /** What the terminal's processes print; ends once they have all closed the slave. */
  public InputStream output() {
    return output;
  }

  /** What the terminal's processes read as typed input. */
  public OutputStream input() {
    return input;
  }

  /** Sets the window size; the kernel sends SIGWINCH to the terminal's foreground process group. */
  public void resize(int columns, int rows) throws IOException {
    if (columns <= 0 || rows <= 0 || columns > 0xffff || rows > 0xffff) {
      return;
    }
    synchronized (input) {
      if (!closed) {
        setSize(columns, rows);
      }
    }
  }

  private void setSize(int columns, int rows) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment size = arena.allocate(8);
      size.set(ValueLayout.JAVA_SHORT, 0, (short) rows);
      size.set(ValueLayout.JAVA_SHORT, 2, (short) columns);
      check((int) IOCTL.invokeExact(state, master, TIOCSWINSZ, size), "ioctl(TIOCSWINSZ)", state);
    } catch (IOException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("ioctl downcall failed", t);
    }
  }

  /** Moves output from the master into {@link #chunks} until the slave side is gone. */
  private void pump() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment pollFd = arena.allocate(8);
      MemorySegment buffer = arena.allocate(32 << 10);
      pollFd.set(ValueLayout.JAVA_INT, 0, master);
      while (!closed) {
        pollFd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
        pollFd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
        int ready = (int) POLL.invokeExact(state, pollFd, 1L, POLL_MILLIS);
        if (ready == 0 || (ready < 0 && Libc.errno(state) == Errno.EINTR)) {
          continue;
        }
        long n = (long) READ.invokeExact(state, master, buffer, buffer.byteSize());
        if (n > 0) {
          byte[] chunk = buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
          while (!closed && !chunks.offer(chunk, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
            // A slow reader holds the terminal back, as a real terminal would.
          }
          continue;
        }
        int errno = n < 0 ? Libc.errno(state) : 0;
        if (n < 0 && (errno == Errno.EAGAIN || errno == Errno.EINTR)) {
          continue;
        }
        break; // 0 or EIO: every slave descriptor has been closed.
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      // The reader side sees the end of output; nothing else can be done from here.
    } finally {
      release();
      while (!closed) {
        try {
          if (chunks.offer(END, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
            break;
          }
        } catch (InterruptedException e) {
          break;
        }
      }
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      chunks.clear();
      chunks.offer(END);
      release(); // the pump notices within one poll interval and releases its share
    }
  }

  private void release() {
    if (users.decrementAndGet() == 0) {
      synchronized (input) {
        Syscalls.close(master);
      }
    }
  }

  private final class Output extends InputStream {
    private byte[] current = new byte[0];
    private int position;
    private boolean ended;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (position == current.length) {
        if (ended) {
          return -1;
        }
        try {
          byte[] next = chunks.take();
          if (next == END) {
            ended = true;
            chunks.offer(END); // later readers see the end too
            return -1;
          }
          current = next;
          position = 0;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted reading the terminal");
        }
      }
      int n = Math.min(len, current.length - position);
      System.arraycopy(current, position, b, off, n);
      position += n;
      return n;
    }
  }

  private final class Input extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment state = Libc.callState(arena);
        MemorySegment data = arena.allocate(Math.max(1, len));
        MemorySegment.copy(b, off, data, ValueLayout.JAVA_BYTE, 0, len);
        long written = 0;
        while (written < len) {
          if (closed) {
            throw new IOException("terminal closed");
          }
          long n = (long) WRITE.invokeExact(state, master, data.asSlice(written), len - written);
          if (n >= 0) {
            written += n;
            continue;
          }
          int errno = Libc.errno(state);
          if (errno == Errno.EAGAIN) {
            Thread.sleep(10); // the terminal's input queue is full: the process reads slowly
          } else if (errno == EIO) {
            throw new IOException("the terminal's processes have gone");
          } else if (errno != Errno.EINTR) {
            throw new SyscallException("write", "pty master", errno);
          }
        }
      } catch (IOException e) {
        throw e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted writing to the terminal");
      } catch (Throwable t) {
        throw new IllegalStateException("write downcall failed", t);
      }
    }
  }

  @Override
  public String toString() {
    return "pty " + slave;
  }
}
