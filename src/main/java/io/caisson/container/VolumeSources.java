package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.Mount;
import io.caisson.linux.SyscallException;
import io.caisson.sandbox.SandboxRecord;
import io.caisson.storage.IdmappedStaging;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each of a container's mounts comes from: the host path itself, or an idmapped clone of it:
 * through the mount's own id mappings when it has some, otherwise, in a pod of its own user
 * namespace, through that namespace.
 */
final class VolumeSources {
  private final IdmappedStaging staging;

  VolumeSources(IdmappedStaging staging) {
    this.staging = staging;
  }

  /**
   * Makes each mount's absent host path a directory (0755), as containerd and CRI-O do: a hostPath
   * volume of type "" names a path kubelet leaves to the runtime to make. An image volume has no
   * host path; a relative one is refused when the spec is built.
   *
   * @return the directories made, each the topmost one that was missing, for a failed create to
   *     take away again
   */
  static List<Path> createMissingHostPaths(ContainerConfig config) throws IOException {
    List<Path> made = new ArrayList<>();
    for (Mount mount : config.getMountsList()) {
      Path host = Path.of(mount.getHostPath()).normalize();
      if (ImageVolumes.isImageVolume(mount) || !host.isAbsolute() || Files.exists(host)) {
        continue;
      }
      Path topmost = host;
      while (topmost.getParent() != null && !Files.exists(topmost.getParent())) {
        topmost = topmost.getParent();
      }
      try {
        Files.createDirectories(host);
      } catch (IOException e) {
        removeIfEmpty(made);
        throw CaissonException.invalid(
            "mount host_path '%s' does not exist on the node and cannot be made: %s",
            mount.getHostPath(), e.getMessage());
      }
      made.add(topmost);
    }
    return made;
  }

  /** Takes away directories {@link #createMissingHostPaths} made, as long as nothing is in them. */
  static void removeIfEmpty(List<Path> made) {
    for (Path top : made) {
      try (var walk = Files.walk(top)) {
        List<Path> entries = walk.sorted(java.util.Comparator.reverseOrder()).toList();
        if (entries.stream().allMatch(e -> Files.isDirectory(e, LinkOption.NOFOLLOW_LINKS))) {
          for (Path dir : entries) {
            Files.deleteIfExists(dir); // refuses one something was put in meanwhile
          }
        }
      } catch (IOException e) {
        // Not empty (a volume's content arrived) or gone already: it stays.
      }
    }
  }

  /**
   * One source per mount of {@code config}, in order; clones are staged under {@code id}, and the
   * caller releases them (also when this fails part way).
   */
  List<Path> of(String id, ContainerConfig config, SandboxRecord pod) throws IOException {
    List<Path> sources = new ArrayList<>();
    List<Integer> shiftedIntoPod = new ArrayList<>();
    for (int i = 0; i < config.getMountsCount(); i++) {
      Mount mount = config.getMounts(i);
      Path source = Path.of(mount.getHostPath());
      MountIdMappings mappings = MountIdMappings.of(mount);
      boolean present = source.isAbsolute() && Files.exists(source);
      if (mappings != null && present) {
        source = mapped(id, i, source, mappings, mount.getContainerPath());
      } else if (mappings == null && present && pod.userns() != null) {
        shiftedIntoPod.add(i);
      }
      sources.add(source);
    }
    if (shiftedIntoPod.isEmpty()) {
      return sources;
    }
    List<Path> clones;
    try {
      clones =
          staging.stage(
              id,
              "volume",
              shiftedIntoPod.stream().map(sources::get).toList(),
              Path.of(pod.userns()));
    } catch (SyscallException e) {
      // Some filesystems (sysfs, procfs, network filesystems, tmpfs before Linux 6.3) cannot be.
      throw CaissonException.precondition(
          "a volume of this container cannot be idmapped into its pod's user namespace: %s",
          e.getMessage());
    }
    for (int i = 0; i < shiftedIntoPod.size(); i++) {
      sources.set(shiftedIntoPod.get(i), clones.get(i));
    }
    return sources;
  }

  private Path mapped(
      String id, int index, Path source, MountIdMappings mappings, String containerPath)
      throws IOException {
    try {
      return staging.stageMapped(
          id, "mapped" + index, source, mappings.uidMap(), mappings.gidMap());
    } catch (SyscallException e) {
      throw CaissonException.precondition(
          "mount %s: %s cannot be idmapped here: %s", containerPath, source, e.getMessage());
    }
  }
}
