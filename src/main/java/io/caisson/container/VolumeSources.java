package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.linux.SyscallException;
import io.caisson.sandbox.SandboxRecord;
import io.caisson.storage.IdmappedStaging;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each of a container's mounts comes from: the host path itself, or, in a pod of its own user
 * namespace, an idmapped clone of it (a missing host path is left for the spec to refuse).
 */
final class VolumeSources {
  private final IdmappedStaging staging;

  VolumeSources(IdmappedStaging staging) {
    this.staging = staging;
  }

  /** One source per mount of {@code config}, in order; clones are staged under {@code id}. */
  List<Path> of(String id, ContainerConfig config, SandboxRecord pod) throws IOException {
    List<Path> sources = new ArrayList<>();
    for (var mount : config.getMountsList()) {
      sources.add(Path.of(mount.getHostPath()));
    }
    if (pod.userns() == null) {
      return sources;
    }
    List<Integer> present = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      if (sources.get(i).isAbsolute() && Files.exists(sources.get(i))) {
        present.add(i);
      }
    }
    List<Path> clones;
    try {
      clones =
          staging.stage(
              id, "volume", present.stream().map(sources::get).toList(), Path.of(pod.userns()));
    } catch (SyscallException e) {
      // Some filesystems (sysfs, procfs, network filesystems, tmpfs before Linux 6.3) cannot be.
      throw CaissonException.precondition(
          "a volume of this container cannot be idmapped into its pod's user namespace: %s",
          e.getMessage());
    }
    for (int i = 0; i < present.size(); i++) {
      sources.set(present.get(i), clones.get(i));
    }
    return sources;
  }
}
