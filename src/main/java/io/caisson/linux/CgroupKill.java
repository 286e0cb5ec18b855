package io.caisson.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * SIGKILL to every process of a container at once through its cgroup v2 group's {@code cgroup.kill}
 * (kernel 5.14+): one write instead of a {@code runc kill --all}, which freezes the cgroup, signals
 * each pid it lists and thaws it again, and is a Go runtime start on the node. The group is found
 * from one of its processes ({@code /proc/PID/cgroup}, the {@code 0::} line), so it is wherever
 * runc put it, whatever the cgroup driver. Works on cgroup v2 and on hybrid nodes, where runc also
 * places containers in the unified hierarchy; a node with v1 alone has no such file, and the caller
 * asks runc.
 */
public final class CgroupKill {
  private final Path unifiedRoot; // null: no cgroup v2 hierarchy on this node

  private CgroupKill(Path unifiedRoot) {
    this.unifiedRoot = unifiedRoot;
  }

  /** For the node's cgroupfs root ({@code /sys/fs/cgroup}): v2 itself, or hybrid's unified. */
  public static CgroupKill of(Path cgroupRoot) {
    if (CgroupHierarchies.unified(cgroupRoot)) {
      return new CgroupKill(cgroupRoot);
    }
    Path hybrid = cgroupRoot.resolve("unified");
    return new CgroupKill(CgroupHierarchies.unified(hybrid) ? hybrid : null);
  }

  /**
   * Kills the group {@code member} is in, if that group is a container's own: its last path element
   * must name {@code containerId} (a group shared with anything else is never written to).
   *
   * @return false when it could not be done here (no v2 hierarchy or no {@code cgroup.kill}, the
   *     process gone or replaced, a group that is not the container's): the caller falls back
   */
  public boolean killGroupOf(ProcessStamp member, String containerId) {
    if (unifiedRoot == null) {
      return false;
    }
    Optional<String> group = unifiedGroup(member.pid());
    if (group.isEmpty()) {
      return false;
    }
    String path = group.get();
    String last = path.substring(path.lastIndexOf('/') + 1);
    if (path.equals("/") || !last.contains(containerId)) {
      return false;
    }
    // Read before this check, the group is the stamped process's, not a successor's with its pid.
    if (!member.stillRunning()) {
      return false;
    }
    Path kill = unifiedRoot.resolve(path.substring(1)).resolve("cgroup.kill");
    try {
      Files.writeString(kill, "1");
      return true;
    } catch (IOException e) {
      return false; // no cgroup.kill before 5.14, or the group went away meanwhile
    }
  }

  /** The process's group in the unified hierarchy ("0::/a/b"), or empty. */
  static Optional<String> unifiedGroup(long pid) {
    try {
      return parse(Files.readString(Path.of("/proc", Long.toString(pid), "cgroup")));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static Optional<String> parse(String procCgroup) {
    for (String line : procCgroup.split("\n")) {
      if (line.startsWith("0::/")) {
        return Optional.of(line.substring(3).strip());
      }
    }
    return Optional.empty();
  }
}
