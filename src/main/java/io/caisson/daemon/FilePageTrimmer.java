package io.caisson.daemon;

import io.caisson.linux.Errno;
import io.caisson.linux.FileMappings;
import io.caisson.linux.SyscallException;
import java.io.IOException;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back the pages of the daemon's read-only file mappings that work done once touched. The
 * JVM's start-up touches the whole AOT cache (~27 MiB of class metadata read from the file) and
 * most of libjvm, a full collection that unloads classes walks the metadata of all of them again,
 * and a pull brings in libcrypto and the HTTP and TLS classes; without memory pressure the kernel
 * never unmaps any of it, so it stays in the daemon's resident set and its cgroup's charge for
 * good. Paging those mappings out ({@link FileMappings#pageOut}) frees the pages; the ones the
 * daemon still uses come back from their files at their next touch, and what stays resident is the
 * working set. It runs at the first check after start-up, then whenever the file-backed resident
 * memory has grown by {@link #GROWTH} over what it settled at after the last page-out (a full
 * collection, new kinds of work such as a first pull), at most every {@link #MIN_INTERVAL}: each
 * page-out costs the working set's re-reading (a few MiB, a page at a time: {@link
 * FileMappings#pageOut}), which a steady daemon does not pay again.
 */
final class FilePageTrimmer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FilePageTrimmer.class);
  static final long GROWTH = 4L << 20;
  static final Duration MIN_INTERVAL = Duration.ofMinutes(1);
  static final Duration PERIOD = Duration.ofSeconds(10);
  private static final long UNKNOWN = -1;

  private final LongSupplier residentFileBytes;
  private final Runnable pageOut;
  private final LongSupplier nanoTime;
  private boolean trimmed;
  private long lastTrim;
  private long baseline = UNKNOWN;
  private Thread thread;

  /**
   * @param residentFileBytes the process's file-backed resident bytes now
   * @param pageOut pages out the read-only file mappings
   * @param nanoTime the clock ({@link System#nanoTime})
   */
  FilePageTrimmer(LongSupplier residentFileBytes, Runnable pageOut, LongSupplier nanoTime) {
    this.residentFileBytes = residentFileBytes;
    this.pageOut = pageOut;
    this.nanoTime = nanoTime;
  }

  /** This process's mappings, through {@code /proc/self}; null where the kernel cannot. */
  static FilePageTrimmer ofThisProcess() {
    try {
      FileMappings.residentFileBytes();
    } catch (IOException | RuntimeException e) {
      LOG.info("file pages are not given back: {}", e.getMessage());
      return null;
    }
    return new FilePageTrimmer(
        FilePageTrimmer::residentFileBytesOrZero, new PageOutAll()::run, System::nanoTime);
  }

  FilePageTrimmer start() {
    thread = PeriodicCheck.start("file-page-trimmer", PERIOD, this::check);
    return this;
  }

  /**
   * Pages out at the first check; after a page-out, the next check takes the resident size as the
   * working set's, and a later one that finds {@link #GROWTH} more pages out again once {@link
   * #MIN_INTERVAL} has passed. A size below the baseline lowers it.
   *
   * @return whether it paged out
   */
  boolean check() {
    long now = nanoTime.getAsLong();
    long resident = residentFileBytes.getAsLong();
    if (trimmed) {
      if (baseline == UNKNOWN) {
        baseline = resident;
        return false;
      }
      baseline = Math.min(baseline, resident);
      if (resident - baseline < GROWTH || now - lastTrim < MIN_INTERVAL.toNanos()) {
        return false;
      }
    }
    pageOut.run();
    LOG.debug(
        "file pages resident {} MiB, {} MiB after paging out",
        resident >> 20,
        residentFileBytes.getAsLong() >> 20);
    trimmed = true;
    lastTrim = now;
    baseline = UNKNOWN;
    return true;
  }

  private static long residentFileBytesOrZero() {
    try {
      return FileMappings.residentFileBytes();
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Pages out every read-only file mapping. A kernel before 5.4 refuses the advice (EINVAL) for
   * every one of them: then it stops for good. One mapping refused (a device's, say) is skipped.
   */
  private static final class PageOutAll implements Runnable {
    private boolean unsupported;

    @Override
    public void run() {
      if (unsupported) {
        return;
      }
      int advised = 0;
      SyscallException refused = null;
      try {
        for (FileMappings.Mapping mapping : FileMappings.ofThisProcess()) {
          if (!mapping.isReadOnlyFile()) {
            continue;
          }
          try {
            FileMappings.pageOut(mapping);
            advised++;
          } catch (SyscallException e) {
            // ENOMEM: unmapped since it was listed.
            refused = e.errno() == Errno.EINVAL ? e : refused;
          }
        }
      } catch (IOException e) {
        LOG.warn("could not list the daemon's mappings: {}", e.getMessage());
        return;
      }
      if (advised == 0 && refused != null) {
        unsupported = true;
        LOG.info(
            "file pages are not given back: this kernel cannot page out ({})",
            refused.getMessage());
      }
    }
  }

  @Override
  public void close() {
    if (thread != null) {
      thread.interrupt();
    }
  }
}
