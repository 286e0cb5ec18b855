package io.caisson.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The node's cgroup hierarchies under the cgroupfs root ({@code /sys/fs/cgroup}). */
public final class CgroupHierarchies {
  private CgroupHierarchies() {}

  /** Whether the root is cgroup v2's single unified hierarchy (not v1 or hybrid). */
  public static boolean unified(Path cgroupRoot) {
    return Files.exists(cgroupRoot.resolve("cgroup.controllers"));
  }

  /**
   * cgroup v2: the root itself. v1 and hybrid: one directory per mounted hierarchy (cpu, memory,
   * ..., unified); the {@code cpu,cpuacct} style links to them are skipped.
   */
  public static List<Path> of(Path cgroupRoot) throws IOException {
    if (unified(cgroupRoot)) {
      return List.of(cgroupRoot);
    }
    try (Stream<Path> children = Files.list(cgroupRoot)) {
      return children
          .filter(child -> Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS))
          .sorted()
          .toList();
    }
  }
}
