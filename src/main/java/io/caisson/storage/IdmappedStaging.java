package io.caisson.storage;

import io.caisson.linux.IdmappedMounts;
import io.caisson.linux.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where a container of a pod with its own user namespace gets its image layers and volumes cloned,
 * idmapped into that namespace (and any container its volumes with id mappings of their own), for
 * as long as its creation needs them: overlayfs and runc take private copies of the mounts they are
 * given, so the clones go again once the rootfs is mounted and runc has created the container.
 * Nothing here is ever deleted recursively (a clone is a user's volume): a mount point is
 * unmounted, then removed only if empty.
 */
public final class IdmappedStaging {
  private final Path root;

  /**
   * @param root a directory of the daemon's volatile state, e.g. STATE/idmapped
   */
  public IdmappedStaging(Path root) {
    this.root = root;
  }

  /**
   * Clones each source, shifted through the user namespace file {@code userns}, as {@code prefix0},
   * {@code prefix1}... in the container's staging directory; returns the clones in the sources'
   * order. On failure the clones made so far are taken away again.
   */
  public List<Path> stage(String containerId, String prefix, List<Path> sources, Path userns)
      throws IOException {
    Path dir = root.resolve(containerId);
    List<Path> clones = new ArrayList<>();
    try {
      for (Path source : sources) {
        Path clone = dir.resolve(prefix + clones.size());
        IdmappedMounts.bind(source, clone, userns);
        clones.add(clone);
      }
      return clones;
    } catch (IOException | RuntimeException e) {
      clones.forEach(Syscalls::unmountAndRemove);
      throw e;
    }
  }

  /**
   * Clones {@code source} as {@code name} in the container's staging directory, seen through a user
   * namespace of its own with these {@code uid_map} and {@code gid_map} lines.
   */
  public Path stageMapped(
      String containerId, String name, Path source, String uidMap, String gidMap)
      throws IOException {
    Path clone = root.resolve(containerId).resolve(name);
    IdmappedMounts.bindMapped(source, clone, uidMap, gidMap);
    return clone;
  }

  /** Takes away every clone of the container's; harmless when there is none. */
  public void release(String containerId) {
    Path dir = root.resolve(containerId);
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> clones = Files.list(dir)) {
      clones.forEach(Syscalls::unmountAndRemove);
    } catch (IOException e) {
      // Gone meanwhile: nothing to take away.
    }
    try {
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // Something could not be taken away: left for the start-up sweep.
    }
  }

  /** At start-up: what a daemon that died during a CreateContainer left behind. */
  public void sweep() throws IOException {
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : dirs.toList()) {
        release(dir.getFileName().toString());
      }
    }
  }
}
