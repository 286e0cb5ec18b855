package io.caisson.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Directory trees shaped like /sys/fs/cgroup, for tests of code that walks the hierarchies without
 * touching the machine's. Both hold Caisson's default parent ({@code caisson}).
 */
public final class FakeCgroupRoots {
  private FakeCgroupRoots() {}

  /**
   * cgroup v1: a directory per hierarchy (cpu, memory, pids) and a co-mounted name as a link
   * ({@code cpu,cpuacct}); the parent is empty under memory and holds a container under pids.
   */
  public static void v1(Path root) throws IOException {
    Files.createDirectories(root.resolve("memory/caisson"));
    Files.createDirectories(root.resolve("pids/caisson/running-container"));
    Files.createDirectories(root.resolve("cpu"));
    Files.createSymbolicLink(root.resolve("cpu,cpuacct"), root.resolve("cpu"));
  }

  /** cgroup v2: one hierarchy, told apart by its {@code cgroup.controllers}; the parent empty. */
  public static void v2(Path root) throws IOException {
    Files.writeString(root.resolve("cgroup.controllers"), "cpu memory pids\n");
    Files.createDirectories(root.resolve("caisson"));
  }
}
