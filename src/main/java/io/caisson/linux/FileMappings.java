package io.caisson.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * This process's read-only file mappings (shared libraries, the JVM's AOT cache and module image)
 * and the kernel's way to give their pages back. Without memory pressure the kernel never takes a
 * mapped page away, so every page start-up touched once stays charged to the process for its whole
 * life. {@code madvise(MADV_PAGEOUT)} reclaims them now: pages no other process maps leave memory,
 * and one still in use is read again from its file at its next touch. Neither advice given here can
 * lose data (a dirty page is written back or, for anonymous memory, swapped, never dropped; {@code
 * MADV_RANDOM} only turns read-ahead off), so a mapping that changed since it was listed comes to
 * no harm; only read-only file mappings are meant, as nothing of the heap should go to swap.
 */
public final class FileMappings {
  static final int MADV_RANDOM = 1;
  static final int MADV_PAGEOUT = 21;

  private static final Path SELF_MAPS = Path.of("/proc/self/maps");
  private static final Path SELF_STATUS = Path.of("/proc/self/status");
  private static final MethodHandle MADVISE =
      Libc.withErrno(
          "madvise",
          FunctionDescriptor.of(
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_INT));

  private FileMappings() {}

  /** One line of {@code /proc/PID/maps}: an address range, its permissions and its file. */
  public record Mapping(long start, long end, String permissions, String path) {
    public long length() {
      return end - start;
    }

    /**
     * Readable, never writable and backed by a file: pages the file itself holds, which the kernel
     * may drop and read again. Pseudo-mappings ({@code [heap]}, {@code [vdso]}) and anonymous
     * memory have no file to read them back from.
     */
    public boolean isReadOnlyFile() {
      return permissions.charAt(0) == 'r' && permissions.charAt(1) != 'w' && path.startsWith("/");
    }

    /**
     * Parses a maps line: {@code START-END PERMS OFFSET DEV INODE [PATH]}; the path may hold spaces
     * and is absent for anonymous memory.
     */
    public static Mapping parse(String line) {
      String[] fields = line.strip().split("\\s+", 6);
      if (fields.length < 5) {
        throw new IllegalArgumentException("not a maps line: " + line);
      }
      int dash = fields[0].indexOf('-');
      if (dash < 0 || fields[1].length() < 4) {
        throw new IllegalArgumentException("not a maps line: " + line);
      }
      long start = Long.parseUnsignedLong(fields[0].substring(0, dash), 16);
      long end = Long.parseUnsignedLong(fields[0].substring(dash + 1), 16);
      return new Mapping(start, end, fields[1], fields.length == 6 ? fields[5] : "");
    }
  }

  /** This process's mappings, in address order. */
  public static List<Mapping> ofThisProcess() throws IOException {
    List<Mapping> mappings = new ArrayList<>();
    for (String line : Files.readAllLines(SELF_MAPS)) {
      if (!line.isBlank()) {
        mappings.add(Mapping.parse(line));
      }
    }
    return mappings;
  }

  /**
   * Bytes of this process's memory resident from files ({@code RssFile} of {@code
   * /proc/self/status}).
   */
  public static long residentFileBytes() throws IOException {
    return residentFileBytes(ProcFiles.read(SELF_STATUS));
  }

  /** The {@code RssFile} of a process's status file's text, in bytes. */
  public static long residentFileBytes(String status) {
    for (String line : status.split("\n")) {
      if (line.startsWith("RssFile:")) {
        String[] fields = line.substring("RssFile:".length()).strip().split("\\s+");
        return Long.parseLong(fields[0]) * 1024;
      }
    }
    throw new IllegalArgumentException("no RssFile line in the process status");
  }

  /**
   * Asks the kernel to page out a mapping of this process ({@code madvise(MADV_PAGEOUT)}, Linux 5.4
   * and later), and to bring its pages back one at a time ({@code MADV_RANDOM}). The mapping must
   * be one of this process's, as {@link #ofThisProcess} listed it. Without {@code MADV_RANDOM} a
   * fault in a file mapping reads ahead and maps the 16 pages around the one touched, and the
   * scattered pages of class metadata and libjvm a running daemon uses brought back most of each
   * mapping (the daemon at 20 pods in the full benchmark: 100-105 MiB with read-ahead, 91 without).
   * The price is one read per page the next time a page-out's pages are needed: a full collection
   * that unloads classes walks the metadata of all of them and, right after a page-out, takes ~100
   * ms instead of ~15.
   */
  public static void pageOut(Mapping mapping) throws SyscallException {
    madvise(mapping, MADV_RANDOM);
    madvise(mapping, MADV_PAGEOUT);
  }

  private static void madvise(Mapping mapping, int advice) throws SyscallException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int rc =
          (int)
              MADVISE.invokeExact(
                  state, MemorySegment.ofAddress(mapping.start()), mapping.length(), advice);
      if (rc != 0) {
        throw new SyscallException("madvise", mapping.path(), Libc.errno(state));
      }
    } catch (SyscallException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("madvise downcall failed", t);
    }
  }
}
