package io.caisson.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code statx(2)} of many files in a row, through buffers reused from one call to the next: what
 * Java's attribute views do not say, the blocks a file really takes (a sparse file's size is not
 * its usage). One thread at a time; close it when the walk is done.
 */
public final class FileStatuses implements AutoCloseable {
  /** What one entry is, links not followed. */
  public record FileStatus(long device, long inode, int links, long allocatedBytes) {}

  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final int STATX_BASIC_STATS = 0x7ff;
  private static final int STATX_SIZE = 256;
  private static final int PATH_BUFFER = 4096;
  private static final MethodHandle STATX =
      Libc.withErrno(
          "statx",
          FunctionDescriptor.of(
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS));

  private final Arena arena = Arena.ofConfined();
  private final MemorySegment state = Libc.callState(arena);
  private final MemorySegment result = arena.allocate(STATX_SIZE, 8);
  private final MemorySegment path = arena.allocate(PATH_BUFFER);

  /** The entry at {@code file}; empty when it is gone (removed while a tree is walked). */
  public Optional<FileStatus> lstat(Path file) throws SyscallException {
    byte[] name = file.toString().getBytes(StandardCharsets.UTF_8);
    if (name.length >= PATH_BUFFER) {
      throw new SyscallException("statx", file.toString(), Errno.ENAMETOOLONG);
    }
    MemorySegment.copy(name, 0, path, ValueLayout.JAVA_BYTE, 0, name.length);
    path.set(ValueLayout.JAVA_BYTE, name.length, (byte) 0);
    int rc;
    try {
      rc =
          (int)
              STATX.invokeExact(
                  state, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, result);
    } catch (Throwable t) {
      throw new IllegalStateException("statx downcall failed", t);
    }
    if (rc != 0) {
      int errno = Libc.errno(state);
      if (errno == Errno.ENOENT || errno == Errno.ENOTDIR) {
        return Optional.empty();
      }
      throw new SyscallException("statx", file.toString(), errno);
    }
    // struct statx: stx_nlink at 16, stx_ino at 32, stx_blocks (512-byte units) at 48,
    // stx_dev_major and stx_dev_minor at 136 and 140.
    long device =
        Syscalls.makedev(
            result.get(ValueLayout.JAVA_INT, 136), result.get(ValueLayout.JAVA_INT, 140));
    return Optional.of(
        new FileStatus(
            device,
            result.get(ValueLayout.JAVA_LONG, 32),
            result.get(ValueLayout.JAVA_INT, 16),
            result.get(ValueLayout.JAVA_LONG, 48) * 512));
  }

  @Override
  public void close() {
    arena.close();
  }
}
