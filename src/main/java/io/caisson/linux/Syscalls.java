package io.caisson.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The few Linux system calls the JDK lacks, called through {@code java.lang.foreign}. Every call
 * captures errno atomically with the call (the JVM may overwrite it otherwise) and throws {@link
 * SyscallException} on failure.
 */
public final class Syscalls {
  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_NOEXEC = 8;
  public static final long MS_REMOUNT = 32;
  public static final long MS_BIND = 4096;
  public static final long MS_REC = 16384;
  public static final long MS_PRIVATE = 1 << 18;
  public static final long MS_SLAVE = 1 << 19;
  public static final long MS_SHARED = 1 << 20;

  public static final int MNT_DETACH = 2;

  public static final int CLONE_NEWNS = 0x00020000;
  public static final int CLONE_NEWUTS = 0x04000000;
  public static final int CLONE_NEWIPC = 0x08000000;
  public static final int CLONE_NEWNET = 0x40000000;

  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_NONBLOCK = 0x800;
  public static final int O_CLOEXEC = 0x80000;

  public static final int XATTR_CREATE = 1;

  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
  private static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;

  private static final MethodHandle MOUNT =
      downcall("mount", FunctionDescriptor.of(INT, PTR, PTR, PTR, LONG, PTR));
  private static final MethodHandle UMOUNT2 =
      downcall("umount2", FunctionDescriptor.of(INT, PTR, INT));
  private static final MethodHandle UNSHARE = downcall("unshare", FunctionDescriptor.of(INT, INT));
  private static final MethodHandle SETNS = downcall("setns", FunctionDescriptor.of(INT, INT, INT));
  private static final MethodHandle OPEN =
      Libc.withErrno(
          "open", FunctionDescriptor.of(INT, PTR, INT, INT), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(INT, INT));
  private static final MethodHandle SYNCFS = downcall("syncfs", FunctionDescriptor.of(INT, INT));
  private static final MethodHandle WRITE =
      downcall("write", FunctionDescriptor.of(LONG, INT, PTR, LONG));
  private static final MethodHandle LSETXATTR =
      downcall("lsetxattr", FunctionDescriptor.of(INT, PTR, PTR, PTR, LONG, INT));
  private static final MethodHandle LGETXATTR =
      downcall("lgetxattr", FunctionDescriptor.of(LONG, PTR, PTR, PTR, LONG));
  private static final MethodHandle MKNOD =
      downcall("mknod", FunctionDescriptor.of(INT, PTR, INT, LONG));
  private static final MethodHandle SETHOSTNAME =
      downcall("sethostname", FunctionDescriptor.of(INT, PTR, LONG));
  private static final MethodHandle GETTID = downcall("gettid", FunctionDescriptor.of(INT));
  private static final MethodHandle UTIMENSAT =
      downcall("utimensat", FunctionDescriptor.of(INT, INT, PTR, PTR, INT));
  private static final MethodHandle READ =
      downcall("read", FunctionDescriptor.of(LONG, INT, PTR, LONG));
  private static final MethodHandle POLL =
      downcall("poll", FunctionDescriptor.of(INT, PTR, LONG, INT));
  private static final MethodHandle SOCKET =
      downcall("socket", FunctionDescriptor.of(INT, INT, INT, INT));
  private static final MethodHandle IOCTL =
      Libc.withErrno(
          "ioctl", FunctionDescriptor.of(INT, INT, LONG, PTR), Linker.Option.firstVariadicArg(2));

  public static final short POLLIN = 0x1;
  public static final short POLLHUP = 0x10;
  private static final int AF_INET = 2;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final long SIOCGIFFLAGS = 0x8913;
  private static final long SIOCSIFFLAGS = 0x8914;
  private static final short IFF_UP = 0x1;

  /** struct ifreq: a 16-byte interface name, then a 24-byte union whose first member is flags. */
  private static final int IFREQ_SIZE = 40;

  private static final int IFNAMSIZ = 16;

  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;

  private Syscalls() {}

  private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
    return Libc.withErrno(name, descriptor);
  }

  private static MemorySegment cstring(Arena arena, String value) {
    return value == null ? MemorySegment.NULL : arena.allocateFrom(value);
  }

  /** mount(2); {@code source}, {@code fstype} and {@code data} may be null. */
  public static void mount(String source, Path target, String fstype, long flags, String data)
      throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int rc =
          (int)
              MOUNT.invokeExact(
                  state,
                  cstring(arena, source),
                  cstring(arena, target.toString()),
                  cstring(arena, fstype),
                  flags,
                  cstring(arena, data));
      if (rc != 0) {
        throw new SyscallException("mount", source + " on " + target, Libc.errno(state));
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("mount downcall failed", t);
    }
  }

  /**
   * syncfs(2) of the filesystem {@code path} is on: everything written to it so far reaches the
   * disk, in one call rather than an fsync per file.
   */
  public static void syncfs(Path path) throws SyscallException {
    int fd = openReadOnly(path);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int rc = (int) SYNCFS.invokeExact(state, fd);
      if (rc != 0) {
        throw new SyscallException("syncfs", path.toString(), Libc.errno(state));
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("syncfs downcall failed", t);
    } finally {
      close(fd);
    }
  }

  /** umount2(2). */
  public static void umount(Path target, int flags) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int rc = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target.toString()), flags);
      if (rc != 0) {
        throw new SyscallException("umount2", target.toString(), Libc.errno(state));
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("umount2 downcall failed", t);
    }
  }

  /**
   * Takes away what is mounted at {@code mountPoint} (if anything) and removes the mount point,
   * which must then be an empty directory or a file: never deletes recursively, so a mount point
   * that could not be unmounted keeps what is behind it. Idempotent; failures are left for the next
   * clean-up pass.
   */
  public static void unmountAndRemove(Path mountPoint) {
    try {
      umount(mountPoint, MNT_DETACH);
    } catch (SyscallException e) {
      // EINVAL: not a mount point (never mounted, or already taken away); ENOENT: gone.
    }
    try {
      Files.deleteIfExists(mountPoint);
    } catch (IOException e) {
      // Busy, or not empty (still mounted, or files in it): left as it is.
    }
  }

  /** unshare(2) for the calling thread: use only on a platform thread. */
  public static void unshare(int flags) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int rc = (int) UNSHARE.invokeExact(state, flags);
      if (rc != 0) {
        throw new SyscallException("unshare", "0x" + Integer.toHexString(flags), Libc.errno(state));
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("unshare downcall failed", t);
    }
  }

  /** setns(2) for the calling thread: use only on a platform thread. */
  public static void setns(int fd, int nstype) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int rc = (int) SETNS.invokeExact(state, fd, nstype);
      if (rc != 0) {
        throw new SyscallException("setns", "fd " + fd, Libc.errno(state));
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("setns downcall failed", t);
    }
  }

  /** open(2) read-only with O_CLOEXEC; returns the file descriptor. */
  public static int openReadOnly(Path path) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int fd =
          (int)
              OPEN.invokeExact(state, arena.allocateFrom(path.toString()), O_RDONLY | O_CLOEXEC, 0);
      if (fd < 0) {
        throw new SyscallException("open", path.toString(), Libc.errno(state));
      }
      return fd;
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("open downcall failed", t);
    }
  }

  /** open(2) read-only, non-blocking, with O_CLOEXEC; returns the file descriptor. */
  public static int openReadNonBlocking(Path path) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int fd =
          (int)
              OPEN.invokeExact(
                  state, arena.allocateFrom(path.toString()), O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
      if (fd < 0) {
        throw new SyscallException("open", path.toString(), Libc.errno(state));
      }
      return fd;
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("open downcall failed", t);
    }
  }

  /**
   * read(2) into {@code buffer}: the byte count, 0 at end of file, or -1 when a non-blocking
   * descriptor has nothing to read yet.
   */
  public static int read(int fd, byte[] buffer) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment nativeBuffer = arena.allocate(Math.max(1, buffer.length));
      while (true) {
        long n = (long) READ.invokeExact(state, fd, nativeBuffer, (long) buffer.length);
        if (n >= 0) {
          MemorySegment.copy(nativeBuffer, ValueLayout.JAVA_BYTE, 0, buffer, 0, (int) n);
          return (int) n;
        }
        int errno = Libc.errno(state);
        if (errno == Errno.EAGAIN) {
          return -1;
        }
        if (errno != Errno.EINTR) {
          throw new SyscallException("read", "fd " + fd, errno);
        }
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("read downcall failed", t);
    }
  }

  /**
   * poll(2) on one descriptor: the events that occurred ({@link #POLLIN}, {@link #POLLHUP}, ...), 0
   * when {@code timeoutMillis} passed first or a signal interrupted the wait.
   */
  public static short poll(int fd, short events, int timeoutMillis) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      // struct pollfd { int fd; short events; short revents; }
      MemorySegment pollfd = arena.allocate(8, 4);
      pollfd.set(ValueLayout.JAVA_INT, 0, fd);
      pollfd.set(ValueLayout.JAVA_SHORT, 4, events);
      int rc = (int) POLL.invokeExact(state, pollfd, 1L, timeoutMillis);
      if (rc < 0) {
        int errno = Libc.errno(state);
        if (errno == Errno.EINTR) {
          return 0;
        }
        throw new SyscallException("poll", "fd " + fd, errno);
      }
      return rc == 0 ? 0 : pollfd.get(ValueLayout.JAVA_SHORT, 6);
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("poll downcall failed", t);
    }
  }

  /**
   * Sets a network interface of the calling thread's network namespace up (SIOCSIFFLAGS with
   * IFF_UP), as {@code ip link set NAME up} does.
   */
  public static void setInterfaceUp(String name) throws SyscallException {
    byte[] nameBytes = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    if (nameBytes.length >= IFNAMSIZ) {
      throw new IllegalArgumentException("interface name too long: " + name);
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int fd = (int) SOCKET.invokeExact(state, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw new SyscallException("socket", "AF_INET", Libc.errno(state));
      }
      try {
        MemorySegment ifreq = arena.allocate(IFREQ_SIZE, 8);
        MemorySegment.copy(nameBytes, 0, ifreq, ValueLayout.JAVA_BYTE, 0, nameBytes.length);
        if ((int) IOCTL.invokeExact(state, fd, SIOCGIFFLAGS, ifreq) != 0) {
          throw new SyscallException("ioctl SIOCGIFFLAGS", name, Libc.errno(state));
        }
        short flags = ifreq.get(ValueLayout.JAVA_SHORT, IFNAMSIZ);
        ifreq.set(ValueLayout.JAVA_SHORT, IFNAMSIZ, (short) (flags | IFF_UP));
        if ((int) IOCTL.invokeExact(state, fd, SIOCSIFFLAGS, ifreq) != 0) {
          throw new SyscallException("ioctl SIOCSIFFLAGS", name, Libc.errno(state));
        }
      } finally {
        close(fd);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("interface downcall failed", t);
    }
  }

  /**
   * Writes one message to a FIFO without ever blocking: open(2) with O_NONBLOCK fails with ENXIO
   * when nobody holds the read end (where a plain open would wait forever), and a message of at
   * most PIPE_BUF bytes is written whole or not at all.
   */
  public static void writeFifo(Path fifo, byte[] message) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int fd =
          (int)
              OPEN.invokeExact(
                  state, arena.allocateFrom(fifo.toString()), O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0);
      if (fd < 0) {
        throw new SyscallException("open", fifo.toString(), Libc.errno(state));
      }
      try {
        MemorySegment buffer = arena.allocate(Math.max(1, message.length));
        MemorySegment.copy(message, 0, buffer, ValueLayout.JAVA_BYTE, 0, message.length);
        long n = (long) WRITE.invokeExact(state, fd, buffer, (long) message.length);
        if (n < 0) {
          throw new SyscallException("write", fifo.toString(), Libc.errno(state));
        }
      } finally {
        close(fd);
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("fifo write downcall failed", t);
    }
  }

  /** close(2), ignoring errors: there is nothing useful to do about a failed close. */
  public static void close(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int ignored = (int) CLOSE.invokeExact(state, fd);
    } catch (Throwable t) {
      throw new IllegalStateException("close downcall failed", t);
    }
  }

  /** lsetxattr(2): sets an extended attribute on the path itself, not a symlink's target. */
  public static void lsetxattr(Path path, String name, byte[] value) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment buffer = arena.allocate(Math.max(1, value.length));
      MemorySegment.copy(value, 0, buffer, ValueLayout.JAVA_BYTE, 0, value.length);
      int rc =
          (int)
              LSETXATTR.invokeExact(
                  state,
                  arena.allocateFrom(path.toString()),
                  arena.allocateFrom(name),
                  buffer,
                  (long) value.length,
                  0);
      if (rc != 0) {
        throw new SyscallException("lsetxattr", path + " " + name, Libc.errno(state));
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("lsetxattr downcall failed", t);
    }
  }

  /** lgetxattr(2); returns null when the attribute is absent. */
  public static byte[] lgetxattr(Path path, String name) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment buffer = arena.allocate(65536);
      long size =
          (long)
              LGETXATTR.invokeExact(
                  state,
                  arena.allocateFrom(path.toString()),
                  arena.allocateFrom(name),
                  buffer,
                  65536L);
      if (size < 0) {
        int errno = Libc.errno(state);
        if (errno == Errno.ENODATA) {
          return null;
        }
        throw new SyscallException("lgetxattr", path + " " + name, errno);
      }
      return buffer.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE);
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("lgetxattr downcall failed", t);
    }
  }

  /** mknod(2); {@code mode} includes the file type bits (S_IFCHR, S_IFBLK, S_IFIFO). */
  public static void mknod(Path path, int mode, int major, int minor) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int rc =
          (int)
              MKNOD.invokeExact(
                  state, arena.allocateFrom(path.toString()), mode, makedev(major, minor));
      if (rc != 0) {
        throw new SyscallException("mknod", path.toString(), Libc.errno(state));
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("mknod downcall failed", t);
    }
  }

  /** sethostname(2) in the calling thread's UTS namespace. */
  public static void sethostname(String hostname) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      byte[] bytes = hostname.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      int rc =
          (int) SETHOSTNAME.invokeExact(state, arena.allocateFrom(hostname), (long) bytes.length);
      if (rc != 0) {
        throw new SyscallException("sethostname", hostname, Libc.errno(state));
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("sethostname downcall failed", t);
    }
  }

  /**
   * utimensat(2) with AT_SYMLINK_NOFOLLOW: sets atime and mtime of the path itself without opening
   * it (the JDK opens the file, which blocks on a fifo and would follow no symlink).
   */
  public static void lutimens(Path path, long seconds, int nanos) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment times = arena.allocate(LONG, 4); // two struct timespec {tv_sec, tv_nsec}
      times.setAtIndex(LONG, 0, seconds);
      times.setAtIndex(LONG, 1, nanos);
      times.setAtIndex(LONG, 2, seconds);
      times.setAtIndex(LONG, 3, nanos);
      int rc =
          (int)
              UTIMENSAT.invokeExact(
                  state, AT_FDCWD, arena.allocateFrom(path.toString()), times, AT_SYMLINK_NOFOLLOW);
      if (rc != 0) {
        throw new SyscallException("utimensat", path.toString(), Libc.errno(state));
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("utimensat downcall failed", t);
    }
  }

  /** The kernel thread id of the calling (platform) thread. */
  public static int gettid() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      return (int) GETTID.invokeExact(state);
    } catch (Throwable t) {
      throw new IllegalStateException("gettid downcall failed", t);
    }
  }

  /** glibc's makedev encoding of a device number. */
  static long makedev(int major, int minor) {
    long ma = Integer.toUnsignedLong(major);
    long mi = Integer.toUnsignedLong(minor);
    return ((ma & 0xfffff000L) << 32)
        | ((ma & 0x00000fffL) << 8)
        | ((mi & 0xffffff00L) << 12)
        | (mi & 0x000000ffL);
  }
}
