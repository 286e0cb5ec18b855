package io.caisson.daemon;

import io.caisson.linux.IdmappedMounts;
import io.caisson.oci.Runc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether pods of their own user namespace can run on this node with a given runtime: the runtime
 * joins a user namespace, overlayfs takes idmapped layers, the image store's filesystem can be
 * idmapped, and the pod's root (an unprivileged host user) can reach its bundle and rootfs through
 * the daemon's directories. The node's part is found out once, off the start-up path.
 */
final class UserNamespaceSupport implements Predicate<Runc> {
  private static final Logger LOG = LoggerFactory.getLogger(UserNamespaceSupport.class);

  private final FutureTask<Boolean> answer;

  /**
   * @param standard the default runtime, whose features are asked first (other calls use them)
   */
  UserNamespaceSupport(Runc standard, Path root, Path state) {
    this.answer =
        new FutureTask<>(
            () -> {
              standard.features();
              return probe(root, state);
            });
  }

  /** Starts finding out on a thread of its own. */
  UserNamespaceSupport start() {
    Thread.ofVirtual().name("userns-support").start(answer);
    return this;
  }

  @Override
  public boolean test(Runc runtime) {
    return node() && runtime.features().userNamespaces();
  }

  private boolean node() {
    try {
      return answer.get();
    } catch (ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean probe(Path root, Path state) {
    for (Path dir : List.of(root, state)) {
      Path closed = firstUnsearchable(dir);
      if (closed != null) {
        LOG.warn(
            "pods of their own user namespace are not supported: their root could not reach {}"
                + " through {} (others need its x permission)",
            dir,
            closed);
        return false;
      }
    }
    if (!IdmappedMounts.supportedOn(root)) {
      LOG.warn("pods of their own user namespace are not supported: {} cannot be idmapped", root);
      return false;
    }
    return true;
  }

  /** The first directory from / down to {@code dir} that others may not search, or null. */
  static Path firstUnsearchable(Path dir) {
    Path absolute = dir.toAbsolutePath().normalize();
    Path current = absolute.getRoot();
    for (Path part : absolute) {
      current = current.resolve(part);
      try {
        if (Files.isDirectory(current)
            && !Files.getPosixFilePermissions(current)
                .contains(PosixFilePermission.OTHERS_EXECUTE)) {
          return current;
        }
      } catch (IOException e) {
        return current;
      }
    }
    return null;
  }
}
