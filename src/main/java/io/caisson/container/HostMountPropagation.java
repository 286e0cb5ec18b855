package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.Mount;
import io.caisson.cri.v1.MountPropagation;
import io.caisson.linux.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A mount's propagation needs the node's side set up for it: a Bidirectional mount's host path must
 * lie on a shared mount and a HostToContainer one's on a shared or slave mount, or what kubelet
 * asked for (a CSI driver's mounts reaching the node, say) silently does not happen. Checked as
 * containerd and CRI-O check it, before anything is made.
 */
final class HostMountPropagation {
  /** Where the node's mounts come from: /proc/self/mountinfo, or a test's table. */
  interface Mounts {
    MountTable read() throws IOException;
  }

  private HostMountPropagation() {}

  static void check(ContainerConfig config, Mounts mounts) {
    MountTable table = null;
    for (Mount mount : config.getMountsList()) {
      MountPropagation propagation = mount.getPropagation();
      if (propagation == MountPropagation.PROPAGATION_PRIVATE
          || mount.getHostPath().isEmpty()
          || mount.getRecursiveReadOnly()
          || !Files.exists(Path.of(mount.getHostPath()))) {
        // A missing host path, and a recursive read-only mount that asks for propagation, are
        // the request's faults: INVALID_ARGUMENT where the spec is built, whatever the node has.
        continue;
      }
      try {
        if (table == null) {
          table = mounts.read(); // only for a container that asks for propagation
        }
        MountTable.Mount holding = table.holding(Path.of(mount.getHostPath()).toRealPath());
        boolean bidirectional = propagation == MountPropagation.PROPAGATION_BIDIRECTIONAL;
        if (bidirectional ? !holding.shared() : !holding.shared() && !holding.slave()) {
          throw CaissonException.precondition(
              "mount %s: %s propagation needs host path %s on a %s mount, and the mount at %s is"
                  + " %s (make it shared: mount --make-rshared %s)",
              mount.getContainerPath(),
              bidirectional ? "Bidirectional" : "HostToContainer",
              mount.getHostPath(),
              bidirectional ? "shared" : "shared or slave",
              holding.mountPoint(),
              holding.propagation(),
              holding.mountPoint());
        }
      } catch (IOException e) {
        throw CaissonException.internal(
            "cannot read the node's mounts for " + mount.getContainerPath(), e);
      }
    }
  }
}
