package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.SupplementalGroupsPolicy;
import io.caisson.image.ImageConfig;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Who a container's process runs as: the security context's user and group when given, else the
 * image's, resolved against the container's own /etc/passwd and /etc/group.
 */
final class RunAsIdentity {
  /** The largest id a process can have: (uid_t) -1 is "no id" to the kernel. */
  static final long MAX_ID = 0xFFFF_FFFEL;

  private RunAsIdentity() {}

  static ImageUsers.Identity resolve(ContainerConfig config, ImageConfig image, Path rootfs)
      throws IOException {
    var security = config.getLinux().getSecurityContext();
    if (security.hasRunAsGroup()
        && !security.hasRunAsUser()
        && security.getRunAsUsername().isEmpty()) {
      throw CaissonException.invalid("run_as_group is set without run_as_user or run_as_username");
    }
    // Checked here: runc takes ids as uint32 and refuses the spec with an error of its own.
    if (security.hasRunAsUser()) {
      requireId("run_as_user", security.getRunAsUser().getValue());
    }
    if (security.hasRunAsGroup()) {
      requireId("run_as_group", security.getRunAsGroup().getValue());
    }
    for (long group : security.getSupplementalGroupsList()) {
      requireId("supplemental group", group);
    }
    String user;
    String group = InfraContainers.groupOf(image.user());
    if (security.hasRunAsUser()) {
      user = Long.toString(security.getRunAsUser().getValue());
      group = null;
    } else if (!security.getRunAsUsername().isEmpty()) {
      user = security.getRunAsUsername();
      group = null;
    } else {
      user = InfraContainers.userOf(image.user());
    }
    if (security.hasRunAsGroup()) {
      group = Long.toString(security.getRunAsGroup().getValue());
    }
    // Strict: only the groups asked for, not those the image's /etc/group adds.
    boolean imageGroups = security.getSupplementalGroupsPolicy() != SupplementalGroupsPolicy.Strict;
    return ImageUsers.read(rootfs)
        .resolve(user, group, security.getSupplementalGroupsList(), imageGroups);
  }

  private static void requireId(String what, long id) {
    if (id < 0 || id > MAX_ID) {
      throw CaissonException.invalid("%s %d is out of range (0 to %d)", what, id, MAX_ID);
    }
  }
}
