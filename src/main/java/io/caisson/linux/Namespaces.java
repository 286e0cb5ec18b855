package io.caisson.linux;

import com.google.common.util.concurrent.Uninterruptibles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Creates namespaces that outlive any process: a short-lived platform thread unshares them and
 * bind-mounts its {@code /proc/thread-self/ns/*} files onto paths of ours, then ends. Net, IPC and
 * UTS namespaces may be unshared per thread in a multi-threaded process, so no helper is needed.
 */
public final class Namespaces {

  /** The namespace kinds a pod pins, with their clone flag and /proc file name. */
  public enum Kind {
    NET(Syscalls.CLONE_NEWNET, "net"),
    IPC(Syscalls.CLONE_NEWIPC, "ipc"),
    UTS(Syscalls.CLONE_NEWUTS, "uts");

    final int cloneFlag;
    final String procName;

    Kind(int cloneFlag, String procName) {
      this.cloneFlag = cloneFlag;
      this.procName = procName;
    }

    public String procName() {
      return procName;
    }
  }

  private Namespaces() {}

  /**
   * Pins one new namespace of each kind in {@code targets} at its path. On failure nothing stays
   * mounted and the target files are removed.
   */
  public static void pin(Map<Kind, Path> targets) throws IOException {
    pin(targets, () -> null);
  }

  /**
   * Pins the namespaces as {@link #pin(Map)} does, then runs {@code setUp} on the thread that
   * created them, still inside them: a hostname or an interface set there costs no second thread
   * and no setns. When {@code setUp} fails the namespaces are released and its exception thrown.
   */
  public static void pin(Map<Kind, Path> targets, InNamespace<?> setUp) throws IOException {
    if (targets.isEmpty()) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread.ofPlatform()
        .name("ns-pin")
        .daemon()
        .start(
            () -> {
              try {
                pinOnThisThread(targets);
                try {
                  setUp.run();
                } catch (Throwable t) {
                  release(targets.values());
                  throw t;
                }
                done.complete(null);
              } catch (Throwable t) {
                done.completeExceptionally(t);
              }
            });
    try {
      done.get();
    } catch (InterruptedException e) {
      // The pinning thread goes on regardless: let it finish (a few syscalls), then undo its work,
      // so that a failed pin leaves nothing mounted whatever made it fail.
      try {
        Uninterruptibles.getUninterruptibly(done);
      } catch (ExecutionException alreadyReleased) {
        // It failed on its own and released what it had.
      }
      release(targets.values());
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while pinning namespaces", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException unchecked) {
        throw unchecked;
      }
      throw new IOException("pinning namespaces failed", e.getCause());
    }
  }

  /**
   * Pins a new user namespace with the given maps at {@code userTarget}, and a new namespace of
   * each kind in {@code targets} owned by it (so the pod's root has its capabilities there), then
   * runs {@code setUp} inside the others (see {@link UserNamespaceHolder}). On failure nothing
   * stays pinned.
   *
   * @param uidMap the uid_map line, e.g. {@code "0 100000 65536\n"} (likewise gidMap)
   */
  public static void pinInUserNamespace(
      Path userTarget, String uidMap, String gidMap, Map<Kind, Path> targets, InNamespace<?> setUp)
      throws Exception {
    List<Path> pinned = new ArrayList<>();
    try {
      try (UserNamespaceHolder holder =
          UserNamespaceHolder.start(List.copyOf(targets.keySet()), uidMap, gidMap)) {
        pinned.add(userTarget);
        bindNamespace(holder.namespace("user"), userTarget);
        for (Map.Entry<Kind, Path> entry : targets.entrySet()) {
          pinned.add(entry.getValue());
          bindNamespace(holder.namespace(entry.getKey().procName), entry.getValue());
        }
      }
      runIn(targets, setUp);
    } catch (Exception | Error e) {
      release(pinned);
      throw e;
    }
  }

  private static void bindNamespace(Path source, Path target) throws IOException {
    Files.createDirectories(target.getParent());
    if (!Files.exists(target)) {
      Files.createFile(target);
    }
    Syscalls.mount(source.toString(), target, null, Syscalls.MS_BIND, null);
  }

  /** Work to run inside namespaces. */
  @FunctionalInterface
  public interface InNamespace<T> {
    T run() throws Exception;
  }

  /**
   * Runs {@code work} on a fresh platform thread that has joined the given namespaces, then lets
   * that thread end, so no pooled thread is ever left in a pod's namespace.
   */
  public static <T> T runIn(Map<Kind, Path> namespaces, InNamespace<T> work) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    Thread.ofPlatform()
        .name("ns-enter")
        .daemon()
        .start(
            () -> {
              try {
                for (Map.Entry<Kind, Path> entry : namespaces.entrySet()) {
                  int fd = Syscalls.openReadOnly(entry.getValue());
                  try {
                    Syscalls.setns(fd, entry.getKey().cloneFlag);
                  } finally {
                    Syscalls.close(fd);
                  }
                }
                done.complete(work.run());
              } catch (Throwable t) {
                done.completeExceptionally(t);
              }
            });
    try {
      return done.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw new IOException("namespace work failed", e.getCause());
    }
  }

  private static void pinOnThisThread(Map<Kind, Path> targets) throws IOException {
    int flags = 0;
    for (Kind kind : targets.keySet()) {
      flags |= kind.cloneFlag;
    }
    Syscalls.unshare(flags);
    int tid = Syscalls.gettid();
    try {
      Path source = Path.of("/proc", String.valueOf(tid), "task", String.valueOf(tid), "ns");
      for (Map.Entry<Kind, Path> entry : targets.entrySet()) {
        bindNamespace(source.resolve(entry.getKey().procName), entry.getValue());
      }
    } catch (IOException e) {
      release(targets.values());
      throw e;
    }
  }

  /** Unmounts and deletes pinned namespace files; missing ones are fine (idempotent). */
  public static void release(Iterable<Path> pinned) {
    pinned.forEach(Syscalls::unmountAndRemove);
  }
}
