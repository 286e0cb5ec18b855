package io.caisson.container;

import io.caisson.linux.CgroupHierarchies;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The cgroup parent of containers whose pod names none. runc creates it (as {@code mkdir -p}) with
 * the first such container's cgroup and removes only each container's own cgroup, so the daemon
 * removes the parent itself when it stops serving. It holds no process of its own; while a
 * container still runs below it (containers outlive the daemon) the kernel refuses to remove it,
 * and it stays.
 */
public final class DefaultCgroupParent {
  static final String PATH = "/caisson";

  private DefaultCgroupParent() {}

  /**
   * Removes the parent from every hierarchy under {@code cgroupRoot} where it is empty; returns in
   * how many it was removed.
   */
  public static int removeIfEmpty(Path cgroupRoot) throws IOException {
    int removed = 0;
    for (Path hierarchy : CgroupHierarchies.of(cgroupRoot)) {
      try {
        Files.delete(hierarchy.resolve(PATH.substring(1)));
        removed++;
      } catch (NoSuchFileException | DirectoryNotEmptyException e) {
        // Never created in this hierarchy, or a container's cgroup is still below it.
      } catch (FileSystemException e) {
        // EBUSY: a process was moved into the parent by hand; it is not ours to empty.
      }
    }
    return removed;
  }
}
