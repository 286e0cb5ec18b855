package io.caisson.cri;

import io.caisson.sandbox.Sandbox;
import io.caisson.stats.CgroupReader;
import io.caisson.stats.CgroupSample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A pod's own CPU, memory and process counters. kubelet gives every pod a cgroup of its own
 * (cgroup_parent) and reads the pod's usage as that cgroup's: counters that keep what containers
 * since exited used, and the pod's own limit. Summing the running containers instead made the pod's
 * CPU seconds fall when one exited, which kubelet takes for a counter reset.
 */
final class PodCgroups {
  private PodCgroups() {}

  /**
   * The pod cgroup's sample; without one (a pod made with no cgroup_parent, whose containers sit
   * side by side under the node's default parent), the sum of {@code containers}; empty when
   * neither has anything to say.
   */
  static Optional<CgroupSample> sample(
      CgroupReader cgroups, Sandbox sandbox, List<CgroupSample> containers) throws IOException {
    String parent = sandbox.config().getLinux().getCgroupParent();
    // "/" is the whole node's, not the pod's.
    if (!parent.isBlank() && !Path.of(parent).normalize().equals(Path.of("/"))) {
      Optional<CgroupSample> own = cgroups.read(parent);
      if (own.isPresent()) {
        return own;
      }
    }
    return containers.isEmpty() ? Optional.empty() : Optional.of(CgroupSample.sum(containers));
  }
}
