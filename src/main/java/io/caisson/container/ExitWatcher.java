package io.caisson.container;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices containers that exit on their own: conmon writes {@code exitDir/ID} when the container's
 * process ends, and this watcher refreshes that container at once, which records the exit and
 * raises its STOPPED event. Without it an exit would only be seen when someone next asked. A
 * periodic sweep covers events the kernel's inotify queue dropped, and exits conmon never recorded
 * (killed, or its exit directory full).
 */
public final class ExitWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ExitWatcher.class);

  private final ContainerManager containers;
  private final Path exitDir;
  private final Duration sweepEvery;
  private final WatchService watcher;
  private final Thread thread;
  private volatile boolean closed;

  public ExitWatcher(ContainerManager containers, Path exitDir, Duration sweepEvery)
      throws IOException {
    this.containers = containers;
    this.exitDir = Files.createDirectories(exitDir);
    this.sweepEvery = sweepEvery;
    this.watcher = exitDir.getFileSystem().newWatchService();
    exitDir.register(
        watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
    this.thread = Thread.ofPlatform().daemon().name("exit-watcher").unstarted(this::run);
  }

  public ExitWatcher start() {
    thread.start();
    sweep();
    return this;
  }

  private void run() {
    long nextSweep = System.nanoTime() + sweepEvery.toNanos();
    while (!closed) {
      try {
        WatchKey key = watcher.poll(sweepEvery.toMillis(), TimeUnit.MILLISECONDS);
        if (key != null) {
          for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
              sweep();
            } else if (event.context() instanceof Path name) {
              exited(name.toString());
            }
          }
          key.reset();
        }
        if (System.nanoTime() - nextSweep >= 0) {
          sweep();
          nextSweep = System.nanoTime() + sweepEvery.toNanos();
        }
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("exit watcher: {}", e.toString());
      }
    }
  }

  /**
   * Refreshes every container that is not known to have exited but has an exit file, and records
   * the exit of one whose process and conmon are both gone without one (one look at /proc per
   * running container).
   */
  private void sweep() {
    Set<String> exitFiles = containers.exitFileNames();
    for (Container container : containers.all()) {
      if (container.record().state() == ContainerState.EXITED || container.isRemoved()) {
        continue;
      }
      if (exitFiles.contains(container.id())) {
        exited(container.id());
      } else {
        try {
          containers.recordExitIfLost(container);
        } catch (IOException | RuntimeException e) {
          LOG.warn("exit of container {}: {}", container.id(), e.toString());
        }
      }
    }
  }

  private void exited(String name) {
    // conmon writes the exit file under a temporary name and renames it into place: only a name
    // that is a container's id is an exit.
    Container container = containers.byId(name).orElse(null);
    if (container == null || container.isRemoved()) {
      return;
    }
    try {
      // conmon may have created the file and not yet written the code: the MODIFY event or the
      // next sweep comes back for it.
      if (Files.size(exitDir.resolve(name)) == 0) {
        return;
      }
      containers.refresh(container);
    } catch (NoSuchFileException e) {
      // Removed with its container meanwhile: nothing to record.
    } catch (IOException | RuntimeException e) {
      LOG.warn("exit of container {}: {}", name, e.toString());
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    watcher.close();
    thread.interrupt();
  }
}
