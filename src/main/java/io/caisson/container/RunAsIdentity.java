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
  private RunAsIdentity() {}

  static ImageUsers.Identity resolve(ContainerConfig config, ImageConfig image, Path rootfs)
      throws IOException {
    var security = config.getLinux().getSecurityContext();
    if (security.hasRunAsGroup()
        && !security.hasRunAsUser()
        && security.getRunAsUsername().isEmpty()) {
      throw CaissonException.invalid("run_as_group is set without run_as_user or run_as_username");
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
}
