package io.caisson.container;

/** Where a container's cgroup goes under its pod's cgroup parent (cgroupfs layout). */
final class CgroupPaths {
  private CgroupPaths() {}

  static String container(String podParent, String containerId) {
    String parent = podParent == null || podParent.isBlank() ? DefaultCgroupParent.PATH : podParent;
    if (!parent.startsWith("/")) {
      parent = "/" + parent;
    }
    return (parent.endsWith("/") ? parent : parent + "/") + containerId;
  }
}
